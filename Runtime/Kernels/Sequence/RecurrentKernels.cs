namespace Engine.Runtime.Kernels;

/// <summary>
/// RNN, GRU and LSTM (ONNX opset 22). The input projection of all gates for all steps is one GEMM
/// per direction; each step then does one GEMM with R and the elementwise gate math. A batch entry
/// past its sequence length keeps its state and writes zeros to Y.
/// </summary>
public static class RecurrentKernels
{
    public static Tensor?[] Rnn(KernelContext ctx, Tensor?[] inputs)
    {
        var s = RecurrentSetup.Create(ctx, inputs, 1);
        var act = RnnActivation.Parse(ctx, 1, s.Directions, ["Tanh"]);
        int h = s.Hidden, batch = s.Batch;
        var y = new float[s.Seq * s.Directions * batch * h];
        var yh = new float[s.Directions * batch * h];
        for (int d = 0; d < s.Directions; d++)
        {
            var f = act[d];
            var xw = s.InputProjection(d, _ => true, ctx.Threads);
            var state = s.InitialH.AsSpan(d * batch * h, batch * h).ToArray();
            var r = s.R.AsSpan(d * h * h, h * h);
            var pre = new float[batch * h];
            foreach (int t in Steps(s, d))
            {
                Sgemm.Gemm(false, true, batch, h, h, 1f, state, h, r, h, 0f, pre, h);
                for (int b = 0; b < batch; b++)
                {
                    if (t >= s.SeqLens[b]) continue;
                    int xo = (t * batch + b) * h;
                    for (int j = 0; j < h; j++)
                    {
                        float v = f.Apply(s.ClipValue(pre[b * h + j] + xw[xo + j]));
                        state[b * h + j] = v;
                        y[((t * s.Directions + d) * batch + b) * h + j] = v;
                    }
                }
            }
            state.CopyTo(yh, d * batch * h);
        }
        return Outputs(ctx, s, y, yh, null);
    }

    public static Tensor?[] Gru(KernelContext ctx, Tensor?[] inputs)
    {
        var s = RecurrentSetup.Create(ctx, inputs, 3);
        var act = RnnActivation.Parse(ctx, 2, s.Directions, ["Sigmoid", "Tanh"]);
        bool linearBeforeReset = ctx.Attributes.GetInt("linear_before_reset") != 0;
        int h = s.Hidden, batch = s.Batch, gh = s.GH;
        var y = new float[s.Seq * s.Directions * batch * h];
        var yh = new float[s.Directions * batch * h];
        for (int d = 0; d < s.Directions; d++)
        {
            var f = act[2 * d];
            var g = act[2 * d + 1];
            // Rb of the z and r gates is a plain addend; Rbh is too unless it sits inside r ⊙ (…).
            var xw = s.InputProjection(d, gate => gate < 2 || !linearBeforeReset, ctx.Threads);
            var state = s.InitialH.AsSpan(d * batch * h, batch * h).ToArray();
            var r = s.R.AsSpan(d * gh * h, gh * h);
            var rh = r.Slice(2 * h * h, h * h);
            var rbh = s.RecurrentBias(d, 2);
            // pre: H·[Rz;Rr;Rh]ᵀ (lbr) or H·[Rz;Rr]ᵀ, per batch row of width gh.
            var pre = new float[batch * gh];
            var gated = new float[batch * h];
            var hcand = new float[batch * h];
            var z = new float[batch * h];
            foreach (int t in Steps(s, d))
            {
                Sgemm.Gemm(false, true, batch, linearBeforeReset ? gh : 2 * h, h, 1f, state, h, r, h, 0f, pre, gh);
                for (int b = 0; b < batch; b++)
                {
                    int xo = (t * batch + b) * gh;
                    for (int j = 0; j < h; j++)
                    {
                        z[b * h + j] = f.Apply(s.ClipValue(xw[xo + j] + pre[b * gh + j]));
                        float rt = f.Apply(s.ClipValue(xw[xo + h + j] + pre[b * gh + h + j]));
                        if (linearBeforeReset) hcand[b * h + j] = rt * (pre[b * gh + 2 * h + j] + rbh[j]);
                        else gated[b * h + j] = rt * state[b * h + j];
                    }
                }
                if (!linearBeforeReset) Sgemm.Gemm(false, true, batch, h, h, 1f, gated, h, rh, h, 0f, hcand, h);
                for (int b = 0; b < batch; b++)
                {
                    if (t >= s.SeqLens[b]) continue;
                    int xo = (t * batch + b) * gh;
                    for (int j = 0; j < h; j++)
                    {
                        float ht = g.Apply(s.ClipValue(xw[xo + 2 * h + j] + hcand[b * h + j]));
                        float zt = z[b * h + j];
                        float v = (1f - zt) * ht + zt * state[b * h + j];
                        state[b * h + j] = v;
                        y[((t * s.Directions + d) * batch + b) * h + j] = v;
                    }
                }
            }
            state.CopyTo(yh, d * batch * h);
        }
        return Outputs(ctx, s, y, yh, null);
    }

    public static Tensor?[] Lstm(KernelContext ctx, Tensor?[] inputs)
    {
        var s = RecurrentSetup.Create(ctx, inputs, 4);
        var act = RnnActivation.Parse(ctx, 3, s.Directions, ["Sigmoid", "Tanh", "Tanh"]);
        bool inputForget = ctx.Attributes.GetInt("input_forget") != 0;
        int h = s.Hidden, batch = s.Batch, gh = s.GH, dirs = s.Directions;
        var c0 = RecurrentSetup.InitialState(ctx, inputs, 6, "initial_c", s.Type, dirs, batch, h, s.BatchMajor);
        float[] p = new float[dirs * 3 * h];
        if (inputs.Length > 7 && inputs[7] is { } pt)
        {
            if (pt.Type != s.Type || pt.Rank != 2 || pt.Shape[0] != dirs || pt.Shape[1] != 3 * h)
                throw ctx.Fail($"P is {pt}, expected {DataTypes.ShortName(s.Type)}[{dirs},{3 * h}]");
            p = FloatData.Read(pt);
        }
        var y = new float[s.Seq * dirs * batch * h];
        var yh = new float[dirs * batch * h];
        var yc = new float[dirs * batch * h];
        for (int d = 0; d < dirs; d++)
        {
            var f = act[3 * d];
            var g = act[3 * d + 1];
            var hAct = act[3 * d + 2];
            var xw = s.InputProjection(d, _ => true, ctx.Threads);
            var state = s.InitialH.AsSpan(d * batch * h, batch * h).ToArray();
            var cell = c0.AsSpan(d * batch * h, batch * h).ToArray();
            var r = s.R.AsSpan(d * gh * h, gh * h);
            var pi = p.AsSpan(d * 3 * h, h);
            var po = p.AsSpan(d * 3 * h + h, h);
            var pf = p.AsSpan(d * 3 * h + 2 * h, h);
            var pre = new float[batch * gh];
            foreach (int t in Steps(s, d))
            {
                Sgemm.Gemm(false, true, batch, gh, h, 1f, state, h, r, h, 0f, pre, gh);
                for (int b = 0; b < batch; b++)
                {
                    if (t >= s.SeqLens[b]) continue;
                    int xo = (t * batch + b) * gh;
                    int po0 = b * gh;
                    for (int j = 0; j < h; j++)
                    {
                        // Gate order in W/R/B is i, o, f, c.
                        float cPrev = cell[b * h + j];
                        float it = f.Apply(s.ClipValue(xw[xo + j] + pre[po0 + j] + pi[j] * cPrev));
                        float ft = inputForget ? 1f - it : f.Apply(s.ClipValue(xw[xo + 2 * h + j] + pre[po0 + 2 * h + j] + pf[j] * cPrev));
                        float ct = g.Apply(s.ClipValue(xw[xo + 3 * h + j] + pre[po0 + 3 * h + j]));
                        float cNew = ft * cPrev + it * ct;
                        float ot = f.Apply(s.ClipValue(xw[xo + h + j] + pre[po0 + h + j] + po[j] * cNew));
                        float hNew = ot * hAct.Apply(cNew);
                        cell[b * h + j] = cNew;
                        state[b * h + j] = hNew;
                        y[((t * dirs + d) * batch + b) * h + j] = hNew;
                    }
                }
            }
            state.CopyTo(yh, d * batch * h);
            cell.CopyTo(yc, d * batch * h);
        }
        return Outputs(ctx, s, y, yh, yc);
    }

    private static IEnumerable<int> Steps(RecurrentSetup s, int d)
    {
        if (s.IsReverse(d))
        {
            for (int t = s.Seq - 1; t >= 0; t--) yield return t;
        }
        else
        {
            for (int t = 0; t < s.Seq; t++) yield return t;
        }
    }

    private static Tensor?[] Outputs(KernelContext ctx, RecurrentSetup s, float[] y, float[] yh, float[]? yc)
    {
        var outs = new Tensor?[Math.Max(ctx.OutputCount, 1)];
        outs[0] = s.OutputY(y);
        if (outs.Length > 1) outs[1] = s.OutputState(yh);
        if (outs.Length > 2 && yc is not null) outs[2] = s.OutputState(yc);
        return outs;
    }
}
