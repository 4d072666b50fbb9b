using System.Numerics.Tensors;

namespace Engine.Runtime.Compute;

/// <summary>
/// RNN / GRU / LSTM forward (ONNX semantics) on <see cref="PackedGemm"/>: per direction, the input projection of
/// every step, batch entry and gate is ONE GEMM (X·Wᵀ + bias, into scratch), then each step runs one GEMM of the
/// previous hidden state with the packed recurrent weights of all gates and the fused gate math on the result.
/// (GRU without linear_before_reset needs r ⊙ h before its candidate's recurrent product, so it takes a second,
/// H-wide GEMM per step.) W, R, B and the peepholes are packed once by <see cref="PackWeights"/>.
/// A batch entry past its sequence length keeps its state and gets zeros in Y.
/// </summary>
public static unsafe class Recurrent
{
    private const int Magic = 0x4E4E524B; // "KRNN"
    private const int HeaderLength = PackedGemm.HeaderLength;

    // Per direction: packed W, packed R (GRU without linear_before_reset: [Rz;Rr] then Rh), bias (GH), Rb of the
    // GRU candidate (H), peepholes i/o/f (3H).
    private static int WLength(in RecurrentShape s) => PackedGemm.PackedBLength(s.Input, s.GH);

    private static int SplitGru(in RecurrentShape s) => s.Cell == RecurrentCell.Gru && !s.LinearBeforeReset ? 1 : 0;

    private static int RLength(in RecurrentShape s) => SplitGru(s) == 1
        ? PackedGemm.PackedBLength(s.Hidden, 2 * s.Hidden) + PackedGemm.PackedBLength(s.Hidden, s.Hidden)
        : PackedGemm.PackedBLength(s.Hidden, s.GH);

    private static int DirectionLength(in RecurrentShape s) => checked(WLength(s) + RLength(s) + s.GH + 4 * s.Hidden);

    public static int PackedWeightsLength(in RecurrentShape s)
    {
        s.Validate();
        return checked(HeaderLength + s.Directions * DirectionLength(s));
    }

    /// <summary>
    /// Packs W [dir, gates·H, Input], R [dir, gates·H, H], B [dir, 2·gates·H] (empty = zeros) and P [dir, 3H]
    /// (LSTM peepholes, empty = zeros).
    /// </summary>
    public static float[] PackWeights(in RecurrentShape s, ReadOnlySpan<float> w, ReadOnlySpan<float> r, ReadOnlySpan<float> b, ReadOnlySpan<float> p)
    {
        var dst = new float[PackedWeightsLength(s)];
        int gh = s.GH, h = s.Hidden, dirs = s.Directions;
        if (w.Length < (long)dirs * gh * s.Input || r.Length < (long)dirs * gh * h || (!b.IsEmpty && b.Length < dirs * 2 * gh)
            || (!p.IsEmpty && p.Length < dirs * 3 * h))
            throw new EngineException($"recurrent: weights are too short for {s}");
        dst[0] = BitConverter.Int32BitsToSingle(Magic);
        dst[1] = BitConverter.Int32BitsToSingle((int)s.Cell);
        dst[2] = BitConverter.Int32BitsToSingle(s.Input);
        dst[3] = BitConverter.Int32BitsToSingle(h);
        dst[4] = BitConverter.Int32BitsToSingle(dirs);
        dst[5] = BitConverter.Int32BitsToSingle(SplitGru(s));
        for (int d = 0; d < dirs; d++)
        {
            var blk = dst.AsSpan(HeaderLength + d * DirectionLength(s), DirectionLength(s));
            int wl = WLength(s), rl = RLength(s);
            if (s.Input > 0) PackedGemm.PackB(w.Slice(d * gh * s.Input, gh * s.Input), s.Input, gh, true, 0, blk.Slice(0, wl));
            else PackedGemm.PackB(w, 0, gh, false, gh, blk.Slice(0, wl)); // no input features: only the header
            var rd = r.Slice(d * gh * h, gh * h);
            if (SplitGru(s) == 1)
            {
                int l2 = PackedGemm.PackedBLength(h, 2 * h);
                PackedGemm.PackB(rd.Slice(0, 2 * h * h), h, 2 * h, true, 0, blk.Slice(wl, l2));
                PackedGemm.PackB(rd.Slice(2 * h * h, h * h), h, h, true, 0, blk.Slice(wl + l2, rl - l2));
            }
            else PackedGemm.PackB(rd, h, gh, true, 0, blk.Slice(wl, rl));
            var bias = blk.Slice(wl + rl, gh);
            var rbh = blk.Slice(wl + rl + gh, h);
            if (!b.IsEmpty)
            {
                var bd = b.Slice(d * 2 * gh, 2 * gh);
                for (int j = 0; j < gh; j++)
                {
                    // The GRU candidate's Rb sits inside r ⊙ (…) with linear_before_reset: kept apart.
                    bool apart = s.Cell == RecurrentCell.Gru && s.LinearBeforeReset && j >= 2 * h;
                    bias[j] = bd[j] + (apart ? 0f : bd[gh + j]);
                }
                if (s.Cell == RecurrentCell.Gru) bd.Slice(gh + 2 * h, h).CopyTo(rbh);
            }
            if (!p.IsEmpty && s.Cell == RecurrentCell.Lstm) p.Slice(d * 3 * h, 3 * h).CopyTo(blk.Slice(wl + rl + gh + h, 3 * h));
        }
        return dst;
    }

    private static int Rows(in RecurrentShape s) => checked(s.Seq * s.Batch);

    /// <summary>Scratch floats <see cref="Run"/> needs on up to <paramref name="threads"/> threads.</summary>
    public static long ScratchLength(in RecurrentShape s, int threads)
    {
        s.Validate();
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        int b = Math.Max(s.Batch, 1), h = s.Hidden;
        long gemm = Math.Max(PackedGemm.ScratchLength(Math.Max(Rows(s), 1), s.GH, s.Input, threads), PackedGemm.ScratchLength(b, s.GH, h, threads));
        return (long)Rows(s) * s.GH + 4L * b * h + (long)b * s.GH + gemm;
    }

    /// <summary>
    /// Runs the op. Optional pointers may be null: <paramref name="seqLens"/> (Batch int32 entries, all Seq when
    /// null), the initial states (zeros when null) and each output. <paramref name="scratch"/> holds
    /// <see cref="ScratchLength"/> floats. Outputs must not overlap the inputs or the scratch.
    /// </summary>
    public static void Run(in RecurrentShape s, float* x, float* packedWeights, int* seqLens, float* initialH, float* initialC,
        float* y, float* yh, float* yc, float* scratch, int threads = 1, ComputeIsa isa = ComputeIsa.Auto)
    {
        s.Validate();
        if (BitConverter.SingleToInt32Bits(packedWeights[0]) != Magic || BitConverter.SingleToInt32Bits(packedWeights[1]) != (int)s.Cell
            || BitConverter.SingleToInt32Bits(packedWeights[2]) != s.Input || BitConverter.SingleToInt32Bits(packedWeights[3]) != s.Hidden
            || BitConverter.SingleToInt32Bits(packedWeights[4]) != s.Directions || BitConverter.SingleToInt32Bits(packedWeights[5]) != SplitGru(s))
            throw new EngineException($"recurrent: weights were not packed for {s}");
        if (s.Batch == 0) return;
        if (seqLens != null)
        {
            for (int i = 0; i < s.Batch; i++)
                if ((uint)seqLens[i] > (uint)s.Seq) throw new EngineException($"recurrent: sequence_lens[{i}] = {seqLens[i]} is outside [0, {s.Seq}]");
        }
        isa = Isa.Resolve(isa);
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        int batch = s.Batch, h = s.Hidden, gh = s.GH, dirs = s.Directions, rows = Rows(s);
        float* xw = scratch;
        float* state = xw + (long)rows * gh;
        float* cell = state + batch * h;
        float* gated = cell + batch * h;
        float* cand = gated + batch * h;
        float* pre = cand + batch * h;
        float* gemm = pre + (long)batch * gh;
        int gemmLen = (int)(ScratchLength(s, threads) - (gemm - scratch));
        var gemmScratch = new Span<float>(gemm, gemmLen);

        for (int d = 0; d < dirs; d++)
        {
            float* blk = packedWeights + HeaderLength + (long)d * DirectionLength(s);
            float* wp = blk, rp = blk + WLength(s), bias = rp + RLength(s), rbh = bias + gh, peep = rbh + h;
            if (rows > 0)
            {
                PackedGemm.Run(rows, gh, s.Input, new ReadOnlySpan<float>(x, rows * s.Input), Math.Max(s.Input, 1), false,
                    new ReadOnlySpan<float>(wp, WLength(s)), new Span<float>(xw, rows * gh), gh, new Epilogue(BiasKind.PerColumn),
                    new ReadOnlySpan<float>(bias, gh), scratch: gemmScratch, threads: threads, isa: isa);
            }
            for (int b = 0; b < batch; b++)
            {
                long so = StateOffset(s, d, b);
                CopyOrClear(initialH == null ? null : initialH + so, state + b * h, h);
                CopyOrClear(initialC == null ? null : initialC + so, cell + b * h, h);
            }
            var f = s.Activation(d, 0);
            var g = s.Activation(d, 1);
            var ha = s.Activation(d, 2);
            for (int step = 0; step < s.Seq; step++)
            {
                int t = s.IsReverse(d) ? s.Seq - 1 - step : step;
                var stateSpan = new ReadOnlySpan<float>(state, batch * h);
                int firstN = SplitGru(s) == 1 ? 2 * h : gh;
                int firstLen = SplitGru(s) == 1 ? PackedGemm.PackedBLength(h, 2 * h) : RLength(s);
                PackedGemm.Run(batch, firstN, h, stateSpan, h, false, new ReadOnlySpan<float>(rp, firstLen), new Span<float>(pre, batch * gh), gh,
                    scratch: gemmScratch, threads: threads, isa: isa);
                if (s.Cell == RecurrentCell.Gru && SplitGru(s) == 1)
                {
                    // r ⊙ h_{t-1} for every entry, then its product with Rh.
                    for (int b = 0; b < batch; b++)
                    {
                        var r = new Span<float>(pre + (long)b * gh + h, h);
                        TensorPrimitives.Add(r, new ReadOnlySpan<float>(xw + XRow(s, t, b) * gh + h, h), r);
                        ClipSpan(s, r);
                        f.Apply(r);
                        TensorPrimitives.Multiply(r, new ReadOnlySpan<float>(state + b * h, h), new Span<float>(gated + b * h, h));
                    }
                    PackedGemm.Run(batch, h, h, new ReadOnlySpan<float>(gated, batch * h), h, false,
                        new ReadOnlySpan<float>(rp + firstLen, RLength(s) - firstLen), new Span<float>(cand, batch * h), h,
                        scratch: gemmScratch, threads: threads, isa: isa);
                }
                for (int b = 0; b < batch; b++)
                {
                    float* yo = y == null ? null : y + YOffset(s, t, d, b);
                    if (seqLens != null && t >= seqLens[b])
                    {
                        if (yo != null) new Span<float>(yo, h).Clear();
                        continue;
                    }
                    float* xr = xw + XRow(s, t, b) * gh;
                    float* pr = pre + (long)b * gh;
                    var hs = new Span<float>(state + b * h, h);
                    switch (s.Cell)
                    {
                        case RecurrentCell.Rnn:
                            {
                                var v = new Span<float>(pr, h);
                                TensorPrimitives.Add(v, new ReadOnlySpan<float>(xr, h), v);
                                ClipSpan(s, v);
                                f.Apply(v);
                                v.CopyTo(hs);
                                break;
                            }
                        case RecurrentCell.Gru:
                            GruGates(s, f, g, xr, pr, rbh, cand + b * h, hs);
                            break;
                        default:
                            LstmGates(s, f, g, ha, xr, pr, peep, new Span<float>(cell + b * h, h), hs);
                            break;
                    }
                    if (yo != null) hs.CopyTo(new Span<float>(yo, h));
                }
            }
            for (int b = 0; b < batch; b++)
            {
                long so = StateOffset(s, d, b);
                if (yh != null) new ReadOnlySpan<float>(state + b * h, h).CopyTo(new Span<float>(yh + so, h));
                if (yc != null && s.Cell == RecurrentCell.Lstm) new ReadOnlySpan<float>(cell + b * h, h).CopyTo(new Span<float>(yc + so, h));
            }
        }
    }

    private static void GruGates(in RecurrentShape s, RecurrentActivation f, RecurrentActivation g, float* xr, float* pr, float* rbh, float* cand, Span<float> hs)
    {
        int h = s.Hidden;
        var z = new Span<float>(pr, h);
        TensorPrimitives.Add(z, new ReadOnlySpan<float>(xr, h), z);
        ClipSpan(s, z);
        f.Apply(z);
        var hc = new Span<float>(cand, h);
        if (s.LinearBeforeReset)
        {
            // h̃ = g(xWh + Wbh + r ⊙ (h·Rhᵀ + Rbh))
            var r = new Span<float>(pr + h, h);
            TensorPrimitives.Add(r, new ReadOnlySpan<float>(xr + h, h), r);
            ClipSpan(s, r);
            f.Apply(r);
            var lin = new Span<float>(pr + 2 * h, h);
            TensorPrimitives.Add(lin, new ReadOnlySpan<float>(rbh, h), lin);
            TensorPrimitives.Multiply(r, lin, hc);
        }
        TensorPrimitives.Add(hc, new ReadOnlySpan<float>(xr + 2 * h, h), hc);
        ClipSpan(s, hc);
        g.Apply(hc);
        // h = (1 − z) ⊙ h̃ + z ⊙ h = h̃ + z ⊙ (h − h̃)
        TensorPrimitives.Subtract(hs, hc, hs);
        TensorPrimitives.MultiplyAdd(hs, z, hc, hs);
    }

    private static void LstmGates(in RecurrentShape s, RecurrentActivation f, RecurrentActivation g, RecurrentActivation ha,
        float* xr, float* pr, float* peep, Span<float> c, Span<float> hs)
    {
        int h = s.Hidden;
        for (int q = 0; q < 4; q++)
        {
            var v = new Span<float>(pr + q * h, h);
            TensorPrimitives.Add(v, new ReadOnlySpan<float>(xr + q * h, h), v);
        }
        // Gate order i, o, f, c; peepholes i, o, f.
        var i = new Span<float>(pr, h);
        var o = new Span<float>(pr + h, h);
        var fg = new Span<float>(pr + 2 * h, h);
        var ct = new Span<float>(pr + 3 * h, h);
        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(peep, h), c, i, i);
        ClipSpan(s, i);
        f.Apply(i);
        if (s.InputForget)
        {
            TensorPrimitives.Negate(i, fg);
            TensorPrimitives.Add(fg, 1f, fg);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(peep + 2 * h, h), c, fg, fg);
            ClipSpan(s, fg);
            f.Apply(fg);
        }
        ClipSpan(s, ct);
        g.Apply(ct);
        // c = f ⊙ c + i ⊙ c̃
        TensorPrimitives.Multiply(fg, c, c);
        TensorPrimitives.MultiplyAdd(i, ct, c, c);
        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(peep + h, h), c, o, o);
        ClipSpan(s, o);
        f.Apply(o);
        c.CopyTo(hs);
        ha.Apply(hs);
        TensorPrimitives.Multiply(hs, o, hs);
    }

    private static void ClipSpan(in RecurrentShape s, Span<float> v)
    {
        if (float.IsPositiveInfinity(s.Clip)) return;
        TensorPrimitives.Max(v, -s.Clip, v);
        TensorPrimitives.Min(v, s.Clip, v);
    }

    private static void CopyOrClear(float* src, float* dst, int n)
    {
        if (src == null) new Span<float>(dst, n).Clear();
        else new ReadOnlySpan<float>(src, n).CopyTo(new Span<float>(dst, n));
    }

    /// <summary>Row of (step, entry) in X and in the input projection.</summary>
    private static long XRow(in RecurrentShape s, int t, int b) => s.BatchMajor ? (long)b * s.Seq + t : (long)t * s.Batch + b;

    private static long YOffset(in RecurrentShape s, int t, int d, int b) => s.BatchMajor
        ? (((long)b * s.Seq + t) * s.Directions + d) * s.Hidden
        : (((long)t * s.Directions + d) * s.Batch + b) * s.Hidden;

    private static long StateOffset(in RecurrentShape s, int d, int b) => s.BatchMajor
        ? ((long)b * s.Directions + d) * s.Hidden
        : ((long)d * s.Batch + b) * s.Hidden;
}
