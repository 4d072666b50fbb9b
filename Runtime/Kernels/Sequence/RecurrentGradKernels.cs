namespace Engine.Runtime.Kernels;

/// <summary>
/// Backpropagation through time for RNN, GRU and LSTM (ai.engine::RNNGrad, GRUGrad, LSTMGrad). Inputs:
/// the forward op's inputs in their positions (X, W, R, B, sequence_lens, initial_h[, initial_c, P]),
/// then the output gradients (dY, dY_h[, dY_c]; absent = zero). Outputs: dX, dW, dR, dB, d initial_h
/// [, d initial_c, dP]. The forward recursion is recomputed in double with every gate's pre-activation
/// kept, then the steps are walked back in reverse processing order, per direction. All attributes
/// of the forward op apply (activations with alpha/beta, clip — zero gradient where it clips —,
/// direction, layout, linear_before_reset, input_forget); batch entries past their sequence length
/// carry their state, so their gradient passes through those steps unchanged.
/// </summary>
public static class RecurrentGradKernels
{
    private enum Cell { Rnn, Gru, Lstm }

    public static Tensor?[] RnnGrad(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, Cell.Rnn);

    public static Tensor?[] GruGrad(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, Cell.Gru);

    public static Tensor?[] LstmGrad(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, Cell.Lstm);

    private static double[] D(float[] a) => Array.ConvertAll(a, v => (double)v);

    private static Tensor?[] Run(KernelContext ctx, Tensor?[] inputs, Cell cell)
    {
        int nFwd = cell == Cell.Lstm ? 8 : 6;
        int gates = cell switch { Cell.Rnn => 1, Cell.Gru => 3, _ => 4 };
        var fwd = Enumerable.Range(0, nFwd).Select(i => i < inputs.Length ? inputs[i] : null).ToArray();
        var s = RecurrentSetup.Create(ctx, fwd, gates);
        var act = cell switch
        {
            Cell.Rnn => RnnActivation.Parse(ctx, 1, s.Directions, ["Tanh"]),
            Cell.Gru => RnnActivation.Parse(ctx, 2, s.Directions, ["Sigmoid", "Tanh"]),
            _ => RnnActivation.Parse(ctx, 3, s.Directions, ["Sigmoid", "Tanh", "Tanh"]),
        };
        int perDir = act.Length / s.Directions;
        int T = s.Seq, nb = s.Batch, ni = s.Input, H = s.Hidden, dirs = s.Directions, gh = s.GH;
        bool lbr = ctx.Attributes.GetInt("linear_before_reset", 0) != 0;
        bool inputForget = ctx.Attributes.GetInt("input_forget", 0) != 0;
        double clip = s.Clip;
        var x = D(s.X);
        var w = D(s.W);
        var r = D(s.R);
        var bias = D(s.B);
        var h0 = D(s.InitialH);
        double[] c0 = [], p = [];
        if (cell == Cell.Lstm)
        {
            c0 = D(RecurrentSetup.InitialState(ctx, fwd, 6, "initial_c", s.Type, dirs, nb, H, s.BatchMajor));
            p = fwd[7] is { } pt ? pt.ToDoubleArray() : new double[dirs * 3 * H];
            if (p.Length != dirs * 3 * H) throw ctx.Fail($"P must have shape [{dirs},{3 * H}]");
        }
        var dY = Grad(ctx, inputs, nFwd, "dY", T * dirs * nb * H);
        if (s.BatchMajor) dY = BatchMajorYToSeqMajor(dY, nb, T, dirs, H);
        var dYh = Grad(ctx, inputs, nFwd + 1, "dY_h", dirs * nb * H);
        var dYc = cell == Cell.Lstm ? Grad(ctx, inputs, nFwd + 2, "dY_c", dirs * nb * H) : [];
        if (s.BatchMajor)
        {
            dYh = Swap(dYh, nb, dirs, H);
            if (cell == Cell.Lstm) dYc = Swap(dYc, nb, dirs, H);
        }

        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var dr = new double[r.Length];
        var db = new double[bias.Length];
        var dh0 = new double[h0.Length];
        var dc0 = new double[c0.Length];
        var dp = new double[p.Length];

        for (int d = 0; d < dirs; d++)
        {
            var f = act[perDir * d];
            var g = perDir > 1 ? act[perDir * d + 1] : f;
            var hAct = perDir > 2 ? act[perDir * d + 2] : f;
            int wo = d * gh * ni, ro = d * gh * H, bo = d * 2 * gh, po = d * 3 * H;
            var steps = Enumerable.Range(0, T).Select(t => s.IsReverse(d) ? T - 1 - t : t).ToArray();
            // Forward recompute: per processing step the incoming state, the clipped pre-activations
            // (and whether the clip was inactive), the GRU's reset-gated term and the LSTM's new cell.
            var hIn = new double[T][];
            var cIn = new double[T][];
            var cOut = new double[T][];
            var pre = new double[T][];
            var open = new bool[T][];
            var lin = new double[T][];
            var hState = h0.AsSpan(d * nb * H, nb * H).ToArray();
            var cState = cell == Cell.Lstm ? c0.AsSpan(d * nb * H, nb * H).ToArray() : [];
            for (int k = 0; k < T; k++)
            {
                int t = steps[k];
                hIn[k] = (double[])hState.Clone();
                cIn[k] = (double[])cState.Clone();
                pre[k] = new double[nb * gh];
                open[k] = new bool[nb * gh];
                lin[k] = new double[nb * H];
                cOut[k] = new double[cState.Length];
                for (int b = 0; b < nb; b++)
                {
                    if (t >= s.SeqLens[b]) continue;
                    var hp = hIn[k].AsSpan(b * H, H).ToArray();
                    double Clip(int gate, int j, double v)
                    {
                        int at = b * gh + gate * H + j;
                        open[k][at] = v >= -clip && v <= clip;
                        double c = Math.Clamp(v, -clip, clip);
                        pre[k][at] = c;
                        return c;
                    }
                    double Proj(int gate, int j, bool withRb, bool withR)
                    {
                        int row = gate * H + j;
                        double v = bias[bo + row] + (withRb ? bias[bo + gh + row] : 0);
                        for (int i = 0; i < ni; i++) v += x[(t * nb + b) * ni + i] * w[wo + row * ni + i];
                        if (withR) for (int i = 0; i < H; i++) v += hp[i] * r[ro + row * H + i];
                        return v;
                    }
                    switch (cell)
                    {
                        case Cell.Rnn:
                            for (int j = 0; j < H; j++) hState[b * H + j] = f.Apply(Clip(0, j, Proj(0, j, true, true)));
                            break;
                        case Cell.Gru:
                            {
                                var z = new double[H];
                                var rt = new double[H];
                                for (int j = 0; j < H; j++)
                                {
                                    z[j] = f.Apply(Clip(0, j, Proj(0, j, true, true)));
                                    rt[j] = f.Apply(Clip(1, j, Proj(1, j, true, true)));
                                }
                                for (int j = 0; j < H; j++)
                                {
                                    int row = 2 * H + j;
                                    double v;
                                    if (lbr)
                                    {
                                        double l = bias[bo + gh + row];
                                        for (int i = 0; i < H; i++) l += hp[i] * r[ro + row * H + i];
                                        lin[k][b * H + j] = l;
                                        v = Proj(2, j, false, false) + rt[j] * l;
                                    }
                                    else
                                    {
                                        v = Proj(2, j, true, false);
                                        for (int i = 0; i < H; i++) v += rt[i] * hp[i] * r[ro + row * H + i];
                                    }
                                    double ht = g.Apply(Clip(2, j, v));
                                    hState[b * H + j] = (1 - z[j]) * ht + z[j] * hp[j];
                                }
                                break;
                            }
                        default:
                            for (int j = 0; j < H; j++)
                            {
                                double cp = cIn[k][b * H + j];
                                double it = f.Apply(Clip(0, j, Proj(0, j, true, true) + p[po + j] * cp));
                                double ft = inputForget ? 1 - it : f.Apply(Clip(2, j, Proj(2, j, true, true) + p[po + 2 * H + j] * cp));
                                double ct = g.Apply(Clip(3, j, Proj(3, j, true, true)));
                                double cn = ft * cp + it * ct;
                                double ot = f.Apply(Clip(1, j, Proj(1, j, true, true) + p[po + H + j] * cn));
                                cState[b * H + j] = cn;
                                cOut[k][b * H + j] = cn;
                                hState[b * H + j] = ot * hAct.Apply(cn);
                            }
                            break;
                    }
                }
            }

            // Backward through the steps in reverse processing order.
            var dh = dYh.AsSpan(d * nb * H, nb * H).ToArray();
            var dc = cell == Cell.Lstm ? dYc.AsSpan(d * nb * H, nb * H).ToArray() : [];
            for (int k = T - 1; k >= 0; k--)
            {
                int t = steps[k];
                for (int b = 0; b < nb; b++)
                {
                    if (t >= s.SeqLens[b]) continue;
                    var hp = hIn[k].AsSpan(b * H, H);
                    var dpre = new double[gh];
                    var dhPrev = new double[H];
                    double A(RnnActivation a, int gate, int j) => a.Apply(pre[k][b * gh + gate * H + j]);
                    double Dv(RnnActivation a, int gate, int j) =>
                        open[k][b * gh + gate * H + j] ? a.Derivative(pre[k][b * gh + gate * H + j]) : 0;
                    var dhT = new double[H];
                    for (int j = 0; j < H; j++) dhT[j] = dh[b * H + j] + dY[((t * dirs + d) * nb + b) * H + j];
                    switch (cell)
                    {
                        case Cell.Rnn:
                            for (int j = 0; j < H; j++) dpre[j] = dhT[j] * Dv(f, 0, j);
                            break;
                        case Cell.Gru:
                            {
                                var dgated = new double[H];
                                for (int j = 0; j < H; j++)
                                {
                                    double z = A(f, 0, j), ht = A(g, 2, j);
                                    dpre[j] = dhT[j] * (hp[j] - ht) * Dv(f, 0, j);
                                    dhPrev[j] += dhT[j] * z;
                                    dpre[2 * H + j] = dhT[j] * (1 - z) * Dv(g, 2, j);
                                }
                                var dr1 = new double[H];
                                for (int j = 0; j < H; j++)
                                {
                                    int row = 2 * H + j;
                                    double dph = dpre[row];
                                    if (lbr)
                                    {
                                        double rt = A(f, 1, j);
                                        dr1[j] = dph * lin[k][b * H + j];
                                        double dl = dph * rt;
                                        db[bo + gh + row] += dl;
                                        for (int i = 0; i < H; i++)
                                        {
                                            dr[ro + row * H + i] += dl * hp[i];
                                            dhPrev[i] += dl * r[ro + row * H + i];
                                        }
                                    }
                                    else
                                    {
                                        db[bo + gh + row] += dph;
                                        for (int i = 0; i < H; i++)
                                        {
                                            dgated[i] += dph * r[ro + row * H + i];
                                            dr[ro + row * H + i] += dph * A(f, 1, i) * hp[i];
                                        }
                                    }
                                }
                                for (int j = 0; j < H; j++)
                                {
                                    if (!lbr)
                                    {
                                        dr1[j] = dgated[j] * hp[j];
                                        dhPrev[j] += dgated[j] * A(f, 1, j);
                                    }
                                    dpre[H + j] = dr1[j] * Dv(f, 1, j);
                                }
                                break;
                            }
                        default:
                            for (int j = 0; j < H; j++)
                            {
                                int at = b * H + j;
                                double cp = cIn[k][at], cn = cOut[k][at];
                                double it = A(f, 0, j), ot = A(f, 1, j), ct = A(g, 3, j);
                                double ft = inputForget ? 1 - it : A(f, 2, j);
                                double hc = hAct.Apply(cn);
                                double dPreO = dhT[j] * hc * Dv(f, 1, j);
                                double dcT = dc[at] + dhT[j] * ot * hAct.Derivative(cn) + dPreO * p[po + H + j];
                                double di = dcT * ct;
                                double dPreF = 0;
                                if (inputForget) di -= dcT * cp;
                                else dPreF = dcT * cp * Dv(f, 2, j);
                                double dPreI = di * Dv(f, 0, j);
                                dpre[j] = dPreI;
                                dpre[H + j] = dPreO;
                                dpre[2 * H + j] = dPreF;
                                dpre[3 * H + j] = dcT * it * Dv(g, 3, j);
                                dc[at] = dcT * ft + dPreI * p[po + j] + dPreF * p[po + 2 * H + j];
                                dp[po + j] += dPreI * cp;
                                dp[po + H + j] += dPreO * cn;
                                dp[po + 2 * H + j] += dPreF * cp;
                            }
                            break;
                    }
                    // The input projection (all gates) and the recurrent projection (all gates but GRU's h, handled above).
                    int rGates = cell == Cell.Gru ? 2 * H : gh;
                    for (int row = 0; row < gh; row++)
                    {
                        double v = dpre[row];
                        if (v == 0) continue;
                        db[bo + row] += v;
                        for (int i = 0; i < ni; i++)
                        {
                            dw[wo + row * ni + i] += v * x[(t * nb + b) * ni + i];
                            dx[(t * nb + b) * ni + i] += v * w[wo + row * ni + i];
                        }
                        if (row >= rGates) continue;
                        db[bo + gh + row] += v;
                        for (int i = 0; i < H; i++)
                        {
                            dr[ro + row * H + i] += v * hp[i];
                            dhPrev[i] += v * r[ro + row * H + i];
                        }
                    }
                    for (int j = 0; j < H; j++) dh[b * H + j] = dhPrev[j];
                }
            }
            dh.CopyTo(dh0, d * nb * H);
            if (cell == Cell.Lstm) dc.CopyTo(dc0, d * nb * H);
        }

        var type = s.Type;
        var outs = new List<Tensor?>
        {
            DoubleBridge.FromDoubles(type, (int[])fwd[0]!.Shape.Clone(), s.BatchMajor ? Swap(dx, T, nb, ni) : dx),
            DoubleBridge.FromDoubles(type, [dirs, gh, ni], dw),
            DoubleBridge.FromDoubles(type, [dirs, gh, H], dr),
            DoubleBridge.FromDoubles(type, [dirs, 2 * gh], db),
            State(type, s.BatchMajor, dh0, dirs, nb, H),
        };
        if (cell == Cell.Lstm)
        {
            outs.Add(State(type, s.BatchMajor, dc0, dirs, nb, H));
            outs.Add(DoubleBridge.FromDoubles(type, [dirs, 3 * H], dp));
        }
        return outs.Take(Math.Max(1, ctx.OutputCount)).ToArray();
    }

    private static Tensor State(DataType type, bool batchMajor, double[] v, int dirs, int nb, int h) =>
        batchMajor ? DoubleBridge.FromDoubles(type, [nb, dirs, h], Swap(v, dirs, nb, h)) : DoubleBridge.FromDoubles(type, [dirs, nb, h], v);

    private static double[] Grad(KernelContext ctx, Tensor?[] inputs, int i, string name, int length)
    {
        if (i >= inputs.Length || inputs[i] is not { } t) return new double[length];
        if (t.Length != length) throw ctx.Fail($"{name} has {t.Length} elements, expected {length}");
        return t.ToDoubleArray();
    }

    /// <summary>[a, b, n] → [b, a, n].</summary>
    private static double[] Swap(double[] src, int a, int b, int n)
    {
        var dst = new double[src.Length];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++) Array.Copy(src, (i * b + j) * n, dst, (j * a + i) * n, n);
        }
        return dst;
    }

    /// <summary>Y's gradient [batch, seq, dir, h] → [seq, dir, batch, h].</summary>
    private static double[] BatchMajorYToSeqMajor(double[] y, int nb, int T, int dirs, int h)
    {
        var dst = new double[y.Length];
        for (int b = 0; b < nb; b++)
        {
            for (int t = 0; t < T; t++)
            {
                for (int d = 0; d < dirs; d++) Array.Copy(y, ((b * T + t) * dirs + d) * h, dst, ((t * dirs + d) * nb + b) * h, h);
            }
        }
        return dst;
    }
}
