using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Runtime.Compute;

/// <summary>
/// Depthwise 2-D convolution (one KH×KW filter per channel, NCHW), vectorized over the output width.
/// Reached through <see cref="Conv2D.Run"/> whenever Groups == C == M.
/// </summary>
/// <remarks>
/// Channels are the parallel tasks. Per channel, the input plane is first copied into the worker's scratch with
/// all its padding made explicit (zero rows above and below, zero columns left and right, and slack so a whole
/// vector past the last output stays in the row) and each row split into StrideW phases (element j of the padded
/// row goes to phase j % s, slot j / s). Then every tap (ky, kx) of an output row reads one contiguous, in-range
/// run whatever the stride, dilation or padding, so the inner loop is plain unaligned vector loads and FMAs over
/// 16 (AVX-512) or 8 (AVX2) outputs with no bounds checks at all. The copy costs one pass over a plane that then
/// sits in L1/L2 for the KH·KW reads. 3×3 filters (the MobileNet case, stride 1 or 2) have an unrolled kernel that
/// keeps the nine taps in registers. Bias and Relu/Clip are applied in the store; other epilogues run after the
/// channel while it is still in cache.
/// </remarks>
public static unsafe class DepthwiseConv2D
{
    private const int VW = 16;

    /// <summary>Floats per phase of a padded row: every vector's taps stay inside the phase.</summary>
    private static int PhaseLength(in Conv2DShape s) => ((s.OW + VW - 1) / VW * VW + (s.KW - 1) * s.DilationW / s.StrideW + 1 + VW - 1) / VW * VW;

    /// <summary>Padded rows that output rows read.</summary>
    private static int PaddedRows(in Conv2DShape s) => (s.OH - 1) * s.StrideH + (s.KH - 1) * s.DilationH + 1;

    /// <summary>Scratch floats per worker: one phase-split, padded input plane.</summary>
    internal static int PlaneLength(in Conv2DShape s) => checked(PaddedRows(s) * s.StrideW * PhaseLength(s));

    internal static void RunPacked(in Conv2DShape s, float* x, float* w, float* y, Epilogue spec, float* bias, float* residual,
        float* scratch, int perWorker, int threads, ComputeIsa isa)
    {
        // y += conv when the residual is y itself: each output starts from its old value.
        bool inPlace = residual != null && residual == y;
        if (inPlace && spec.ResidualAfterActivation)
            throw new EngineException("conv2d: a residual added after the activation cannot be the output itself");
        if (inPlace) residual = null;
        var body = new Body { InPlace = inPlace, S = s, X = x, W = w, Y = y, Spec = spec, Bias = bias, Residual = residual, Scratch = scratch, PerWorker = perWorker, Isa = isa };
        ParallelFor.Run(s.N * s.C, threads, ref body);
    }

    private struct Body : IParallelBody
    {
        public Conv2DShape S;
        public float* X, W, Y, Bias, Residual, Scratch;
        public Epilogue Spec;
        public int PerWorker;
        public ComputeIsa Isa;
        public bool InPlace;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int index, int worker)
        {
            int c = index % S.C;
            int ohw = S.OH * S.OW;
            float* yc = Y + (long)index * ohw;
            float* xc = X + (long)index * S.H * S.W;
            float* plane = Scratch != null ? Scratch + (long)worker * PerWorker : ThreadScratch.Get(PerWorker);
            int len = PhaseLength(S);
            FillPlane(S, xc, plane, len, Isa);

            // Bias and a clamp-type activation fuse into the stores; anything else runs as a separate epilogue.
            var act = Spec.Activation;
            bool fuse = Residual == null && act.Kind is ActivationKind.None or ActivationKind.Relu or ActivationKind.Clip;
            float b = Spec.Bias != BiasKind.None && Bias != null ? Bias[c] : 0f;
            var clamp = new Clamp
            {
                Bias = fuse ? b : 0f,
                Lo = fuse && act.Kind == ActivationKind.Relu ? 0f : fuse && act.Kind == ActivationKind.Clip ? act.Alpha : float.NegativeInfinity,
                Hi = fuse && act.Kind == ActivationKind.Clip ? act.Beta : float.PositiveInfinity,
            };
            Channel(S, plane, len, W + (long)c * S.KH * S.KW, yc, clamp, InPlace, Isa);
            if (!fuse)
            {
                var epi = new BoundEpilogue(Spec, Bias + c, Residual == null ? null : Residual + (long)index * ohw, ohw);
                epi.Apply(yc, ohw, 0, 1, 0, ohw);
            }
        }
    }

    /// <summary>What the stores apply: y = min(max(acc + Bias, Lo), Hi).</summary>
    private struct Clamp
    {
        public float Bias, Lo, Hi;
    }

    /// <summary>Copies one input plane into the padded, phase-split layout described on the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillPlane(in Conv2DShape s, float* x, float* plane, int len, ComputeIsa isa)
    {
        int stride = s.StrideW, rowLen = stride * len, rows = PaddedRows(s);
        // Stride 2 on AVX-512: rows go through a zero-padded line so the de-interleave is all vector permutes.
        int lineLen = 2 * len; // len is a multiple of 16
        float* line = null;
        if (stride == 2 && isa == ComputeIsa.Avx512 && lineLen <= 8192)
        {
            float* buf = stackalloc float[lineLen];
            line = buf;
        }
        var evenIdx = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var oddIdx = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        for (int r = 0; r < rows; r++)
        {
            int ih = r - s.PadTop;
            float* dst = plane + (long)r * rowLen;
            if ((uint)ih >= (uint)s.H)
            {
                new Span<float>(dst, rowLen).Clear();
                continue;
            }
            float* src = x + (long)ih * s.W;
            if (stride == 1)
            {
                int lead = Math.Min(s.PadLeft, len);
                new Span<float>(dst, lead).Clear();
                int copy = Math.Clamp(len - lead, 0, s.W);
                new ReadOnlySpan<float>(src, copy).CopyTo(new Span<float>(dst + lead, copy));
                new Span<float>(dst + lead + copy, len - lead - copy).Clear();
                continue;
            }
            if (line != null)
            {
                // Zero-padded copy of the row, then de-interleave 32 floats into 16 even and 16 odd slots at once.
                int lead = Math.Min(s.PadLeft, lineLen);
                int copy = Math.Clamp(lineLen - lead, 0, s.W);
                new ReadOnlySpan<float>(src, copy).CopyTo(new Span<float>(line + lead, copy));
                new Span<float>(line + lead + copy, lineLen - lead - copy).Clear();
                float* even = dst, odd = dst + len;
                for (int t = 0; t < len; t += 16)
                {
                    var lo = Vector512.Load(line + 2 * t);
                    var hi = Vector512.Load(line + 2 * t + 16);
                    Avx512F.PermuteVar16x32x2(lo, evenIdx, hi).Store(even + t);
                    Avx512F.PermuteVar16x32x2(lo, oddIdx, hi).Store(odd + t);
                }
                continue;
            }
            for (int q = 0; q < stride; q++)
            {
                float* phase = dst + q * len;
                for (int t = 0, iw = q - s.PadLeft; t < len; t++, iw += stride) phase[t] = (uint)iw < (uint)s.W ? src[iw] : 0f;
            }
        }
    }

    /// <summary>One channel over the padded plane: every tap of every output is in range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Channel(in Conv2DShape s, float* plane, int len, float* w, float* y, Clamp clamp, bool accumulate, ComputeIsa isa)
    {
        int kh = s.KH, kw = s.KW, stride = s.StrideW;
        long rowLen = (long)stride * len;
        // Offset of each tap's run within a phase-split row.
        int* tapOff = stackalloc int[kw];
        for (int kx = 0; kx < kw; kx++)
        {
            int off = kx * s.DilationW;
            tapOff[kx] = off % stride * len + off / stride;
        }
        if (isa == ComputeIsa.Avx512 && kh == 3 && kw == 3)
        {
            Channel3x3Avx512(s, plane, rowLen, tapOff, w, y, clamp, accumulate);
            return;
        }
        float** rows = stackalloc float*[kh];
        for (int oh = 0; oh < s.OH; oh++)
        {
            for (int ky = 0; ky < kh; ky++) rows[ky] = plane + (long)(oh * s.StrideH + ky * s.DilationH) * rowLen;
            float* yr = y + (long)oh * s.OW;
            if (isa == ComputeIsa.Avx512) RowAvx512(rows, tapOff, kh, kw, w, yr, s.OW, clamp, accumulate);
            else if (isa == ComputeIsa.Avx2) RowAvx2(rows, tapOff, kh, kw, w, yr, s.OW, clamp, accumulate);
            else RowScalar(rows, tapOff, kh, kw, w, yr, s.OW, clamp, accumulate);
        }
    }

    /// <summary>
    /// 3×3 filter: the nine taps are broadcast once per channel; each output vector is nine loads and nine FMAs in
    /// three independent chains. With unit vertical stride two output rows are computed together from four input
    /// rows, so the two middle rows are loaded once for both.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Channel3x3Avx512(in Conv2DShape s, float* plane, long rowLen, int* tapOff, float* w, float* y, Clamp clamp, bool accumulate)
    {
        var w00 = Vector512.Create(w[0]); var w01 = Vector512.Create(w[1]); var w02 = Vector512.Create(w[2]);
        var w10 = Vector512.Create(w[3]); var w11 = Vector512.Create(w[4]); var w12 = Vector512.Create(w[5]);
        var w20 = Vector512.Create(w[6]); var w21 = Vector512.Create(w[7]); var w22 = Vector512.Create(w[8]);
        var bias = Vector512.Create(clamp.Bias);
        var lo = Vector512.Create(clamp.Lo);
        var hi = Vector512.Create(clamp.Hi);
        int t0 = tapOff[0], t1 = tapOff[1], t2 = tapOff[2];
        long dRow = s.DilationH * rowLen;
        long rowStep = s.StrideH * rowLen;
        int ow = s.OW, oht = s.OH;
        bool dual = s.StrideH == 1 && s.DilationH == 1;
        int fullVectors = ow / VW * VW;
        float* tmp = stackalloc float[VW];
        for (int oh = 0; oh < oht;)
        {
            float* r0 = plane + oh * rowStep;
            float* r1 = r0 + dRow;
            float* r2 = r1 + dRow;
            float* yr = y + (long)oh * ow;
            if (dual && oh + 1 < oht)
            {
                float* r3 = r2 + dRow;
                float* yr2 = yr + ow;
                for (int v = 0; v < fullVectors; v += VW)
                {
                    var accA = accumulate ? Vector512.Load(yr + v) + bias : bias;
                    var accB = accumulate ? Vector512.Load(yr2 + v) + bias : bias;
                    float* a = r0 + v, b = r1 + v, c = r2 + v, d = r3 + v;
                    var x0 = Vector512.Load(a + t0); var x1 = Vector512.Load(a + t1); var x2 = Vector512.Load(a + t2);
                    var pa0 = Avx512F.FusedMultiplyAdd(x0, w00, accA);
                    pa0 = Avx512F.FusedMultiplyAdd(x1, w01, pa0);
                    pa0 = Avx512F.FusedMultiplyAdd(x2, w02, pa0);
                    x0 = Vector512.Load(b + t0); x1 = Vector512.Load(b + t1); x2 = Vector512.Load(b + t2);
                    var pa1 = x0 * w10;
                    var pb0 = Avx512F.FusedMultiplyAdd(x0, w00, accB);
                    pa1 = Avx512F.FusedMultiplyAdd(x1, w11, pa1);
                    pb0 = Avx512F.FusedMultiplyAdd(x1, w01, pb0);
                    pa1 = Avx512F.FusedMultiplyAdd(x2, w12, pa1);
                    pb0 = Avx512F.FusedMultiplyAdd(x2, w02, pb0);
                    x0 = Vector512.Load(c + t0); x1 = Vector512.Load(c + t1); x2 = Vector512.Load(c + t2);
                    var pa2 = x0 * w20;
                    var pb1 = x0 * w10;
                    pa2 = Avx512F.FusedMultiplyAdd(x1, w21, pa2);
                    pb1 = Avx512F.FusedMultiplyAdd(x1, w11, pb1);
                    pa2 = Avx512F.FusedMultiplyAdd(x2, w22, pa2);
                    pb1 = Avx512F.FusedMultiplyAdd(x2, w12, pb1);
                    x0 = Vector512.Load(d + t0); x1 = Vector512.Load(d + t1); x2 = Vector512.Load(d + t2);
                    var pb2 = x0 * w20;
                    pb2 = Avx512F.FusedMultiplyAdd(x1, w21, pb2);
                    pb2 = Avx512F.FusedMultiplyAdd(x2, w22, pb2);
                    Avx512F.Min(Avx512F.Max(pa0 + pa1 + pa2, lo), hi).Store(yr + v);
                    Avx512F.Min(Avx512F.Max(pb0 + pb1 + pb2, lo), hi).Store(yr2 + v);
                }
                if (fullVectors < ow)
                {
                    Tail3x3(r0, r1, r2, t0, t1, t2, w00, w01, w02, w10, w11, w12, w20, w21, w22, bias, lo, hi, yr, fullVectors, ow, tmp, accumulate);
                    Tail3x3(r1, r2, r3, t0, t1, t2, w00, w01, w02, w10, w11, w12, w20, w21, w22, bias, lo, hi, yr2, fullVectors, ow, tmp, accumulate);
                }
                oh += 2;
                continue;
            }
            // A last vector may run past the row into later rows of this channel, which are computed later and
            // overwrite it; it must never reach past the channel's last row (another worker's channel) nor
            // clobber values that accumulation reads, so those cases take the exact-width tail.
            long room = accumulate ? ow : (long)(oht - oh) * ow;
            int u = 0;
            for (; u < ow && u + VW <= room; u += VW)
                Vector3x3(r0 + u, r1 + u, r2 + u, t0, t1, t2, w00, w01, w02, w10, w11, w12, w20, w21, w22,
                    accumulate ? Vector512.Load(yr + u) + bias : bias, lo, hi).Store(yr + u);
            if (u < ow) Tail3x3(r0, r1, r2, t0, t1, t2, w00, w01, w02, w10, w11, w12, w20, w21, w22, bias, lo, hi, yr, u, ow, tmp, accumulate);
            oh++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Vector3x3(float* a, float* b, float* c, int t0, int t1, int t2,
        Vector512<float> w00, Vector512<float> w01, Vector512<float> w02, Vector512<float> w10, Vector512<float> w11, Vector512<float> w12,
        Vector512<float> w20, Vector512<float> w21, Vector512<float> w22, Vector512<float> acc, Vector512<float> lo, Vector512<float> hi)
    {
        // Three independent chains (one per filter row) instead of one nine-FMA dependency chain.
        var p0 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + t0), w00, acc);
        var p1 = Vector512.Load(b + t0) * w10;
        var p2 = Vector512.Load(c + t0) * w20;
        p0 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + t1), w01, p0);
        p1 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + t1), w11, p1);
        p2 = Avx512F.FusedMultiplyAdd(Vector512.Load(c + t1), w21, p2);
        p0 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + t2), w02, p0);
        p1 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + t2), w12, p1);
        p2 = Avx512F.FusedMultiplyAdd(Vector512.Load(c + t2), w22, p2);
        return Avx512F.Min(Avx512F.Max(p0 + p1 + p2, lo), hi);
    }

    /// <summary>The columns [v, ow) of one row (fewer than a vector), exactly: through a small buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tail3x3(float* r0, float* r1, float* r2, int t0, int t1, int t2,
        Vector512<float> w00, Vector512<float> w01, Vector512<float> w02, Vector512<float> w10, Vector512<float> w11, Vector512<float> w12,
        Vector512<float> w20, Vector512<float> w21, Vector512<float> w22, Vector512<float> bias, Vector512<float> lo, Vector512<float> hi,
        float* yr, int v, int ow, float* tmp, bool accumulate)
    {
        // Plain loops, not span copies: a call here would make the JIT keep the taps on the stack.
        if (accumulate) for (int t = v; t < ow; t++) tmp[t - v] = yr[t];
        var acc = accumulate ? Vector512.Load(tmp) + bias : bias;
        Vector3x3(r0 + v, r1 + v, r2 + v, t0, t1, t2, w00, w01, w02, w10, w11, w12, w20, w21, w22, acc, lo, hi).Store(tmp);
        for (int t = v; t < ow; t++) yr[t] = tmp[t - v];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowAvx512(float** rows, int* tapOff, int kh, int kw, float* w, float* yr, int ow, Clamp clamp, bool accumulate)
    {
        float* tmp = stackalloc float[VW];
        var bias = Vector512.Create(clamp.Bias);
        for (int v = 0; v < ow; v += VW)
        {
            bool full = v + VW <= ow;
            float* dst = full ? yr + v : tmp;
            if (!full && accumulate) new ReadOnlySpan<float>(yr + v, ow - v).CopyTo(new Span<float>(tmp, VW));
            var acc = accumulate ? Vector512.Load(dst) + bias : bias;
            for (int ky = 0; ky < kh; ky++)
            {
                float* src = rows[ky] + v;
                float* wk = w + ky * kw;
                for (int kx = 0; kx < kw; kx++)
                    acc = Avx512F.FusedMultiplyAdd(Vector512.Load(src + tapOff[kx]), Vector512.Create(wk[kx]), acc);
            }
            Vector512.Min(Vector512.Max(acc, Vector512.Create(clamp.Lo)), Vector512.Create(clamp.Hi)).Store(dst);
            if (!full) new ReadOnlySpan<float>(tmp, ow - v).CopyTo(new Span<float>(yr + v, ow - v));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowAvx2(float** rows, int* tapOff, int kh, int kw, float* w, float* yr, int ow, Clamp clamp, bool accumulate)
    {
        const int W8 = 8;
        float* tmp = stackalloc float[W8];
        var bias = Vector256.Create(clamp.Bias);
        for (int v = 0; v < ow; v += W8)
        {
            bool full = v + W8 <= ow;
            float* dst = full ? yr + v : tmp;
            if (!full && accumulate) new ReadOnlySpan<float>(yr + v, ow - v).CopyTo(new Span<float>(tmp, W8));
            var acc = accumulate ? Vector256.Load(dst) + bias : bias;
            for (int ky = 0; ky < kh; ky++)
            {
                float* src = rows[ky] + v;
                float* wk = w + ky * kw;
                for (int kx = 0; kx < kw; kx++)
                    acc = Fma.MultiplyAdd(Vector256.Load(src + tapOff[kx]), Vector256.Create(wk[kx]), acc);
            }
            Vector256.Min(Vector256.Max(acc, Vector256.Create(clamp.Lo)), Vector256.Create(clamp.Hi)).Store(dst);
            if (!full) new ReadOnlySpan<float>(tmp, ow - v).CopyTo(new Span<float>(yr + v, ow - v));
        }
    }

    private static void RowScalar(float** rows, int* tapOff, int kh, int kw, float* w, float* yr, int ow, Clamp clamp, bool accumulate)
    {
        for (int v = 0; v < ow; v++)
        {
            float acc = (accumulate ? yr[v] : 0f) + clamp.Bias;
            for (int ky = 0; ky < kh; ky++)
            {
                float* src = rows[ky] + v;
                for (int kx = 0; kx < kw; kx++) acc = MathF.FusedMultiplyAdd(src[tapOff[kx]], w[ky * kw + kx], acc);
            }
            yr[v] = MathF.Min(MathF.Max(acc, clamp.Lo), clamp.Hi);
        }
    }
}
