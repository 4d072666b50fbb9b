using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Runtime.Compute;

/// <summary>
/// Depthwise 2-D convolution (one KH×KW filter per channel, NCHW), vectorized over the output width.
/// Reached through <see cref="Conv2D.Run"/> whenever Groups == C == M.
/// </summary>
/// <remarks>
/// Per channel, the input plane is first copied into the worker's scratch with its horizontal padding made
/// explicit and each row split into StrideW phases (element j of the padded row goes to phase j % s, slot j / s).
/// Then every tap (ky, kx) of an output row reads one contiguous run of a phase, whatever the stride or dilation,
/// so the inner loop is plain vector loads and FMAs over 16 (AVX-512) or 8 (AVX2) outputs with all taps fused.
/// Vertical padding is handled by skipping the taps whose input row is outside the image.
/// </remarks>
public static unsafe class DepthwiseConv2D
{
    /// <summary>Padded row length (a multiple of the stride) covering every input column an output reads.</summary>
    private static int PaddedWidth(in Conv2DShape s)
    {
        int need = (s.OW - 1) * s.StrideW + (s.KW - 1) * s.DilationW + 1;
        return (need + s.StrideW - 1) / s.StrideW * s.StrideW;
    }

    /// <summary>Scratch floats per worker: one phase-split, padded input plane.</summary>
    internal static int PlaneLength(in Conv2DShape s) => s.StrideW == 1 ? 0 : checked(s.H * PaddedWidth(s));

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

        public readonly void Execute(int index, int worker)
        {
            int c = index % S.C;
            int ohw = S.OH * S.OW;
            float* yc = Y + (long)index * ohw;
            float* xc = X + (long)index * S.H * S.W;
            if (S.StrideW == 1)
            {
                // Unit stride: taps read the input rows directly; only the border columns need bounds checks.
                Channel(S, xc, S.W, true, W + (long)c * S.KH * S.KW, yc, Isa, InPlace);
            }
            else
            {
                float* plane = Scratch != null ? Scratch + (long)worker * PerWorker : ThreadScratch.Get(PerWorker);
                int wp = PaddedWidth(S);
                SplitPlane(S, xc, plane, wp, Isa);
                Channel(S, plane, wp, false, W + (long)c * S.KH * S.KW, yc, Isa, InPlace);
            }
            var epi = new BoundEpilogue(Spec, Bias + c, Residual == null ? null : Residual + (long)index * ohw, ohw);
            epi.Apply(yc, ohw, 0, 1, 0, ohw);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SplitPlane(in Conv2DShape s, float* x, float* plane, int wp, ComputeIsa isa)
    {
        int stride = s.StrideW, len = wp / stride;
        for (int ih = 0; ih < s.H; ih++)
        {
            float* src = x + (long)ih * s.W;
            float* dst = plane + (long)ih * wp;
            if (stride == 1)
            {
                int lead = Math.Min(s.PadLeft, wp);
                new Span<float>(dst, lead).Clear();
                int copy = Math.Clamp(wp - s.PadLeft, 0, s.W);
                new ReadOnlySpan<float>(src, copy).CopyTo(new Span<float>(dst + lead, copy));
                new Span<float>(dst + lead + copy, wp - lead - copy).Clear();
                continue;
            }
            if (stride == 2 && isa == ComputeIsa.Avx512)
            {
                // Interior: de-interleave 32 input floats into 16 even and 16 odd phase entries at once.
                float* even = dst, odd = dst + len;
                var evenIdx = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                var oddIdx = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
                // Entries t before the first whole in-image window go through the scalar loop below.
                int first = (s.PadLeft + 1) / 2;
                for (int t = 0; t < first && t < len; t++)
                {
                    int iw = 2 * t - s.PadLeft;
                    even[t] = (uint)iw < (uint)s.W ? src[iw] : 0f;
                    odd[t] = (uint)(iw + 1) < (uint)s.W ? src[iw + 1] : 0f;
                }
                int t1 = first;
                for (; t1 + 16 <= len && 2 * t1 - s.PadLeft + 32 <= s.W; t1 += 16)
                {
                    float* p = src + 2 * t1 - s.PadLeft;
                    var lo = Vector512.Load(p);
                    var hi = Vector512.Load(p + 16);
                    Avx512F.PermuteVar16x32x2(lo, evenIdx, hi).Store(even + t1);
                    Avx512F.PermuteVar16x32x2(lo, oddIdx, hi).Store(odd + t1);
                }
                for (int t = t1; t < len; t++)
                {
                    int iw = 2 * t - s.PadLeft;
                    even[t] = (uint)iw < (uint)s.W ? src[iw] : 0f;
                    odd[t] = (uint)(iw + 1) < (uint)s.W ? src[iw + 1] : 0f;
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    /// <summary>
    /// One channel. <paramref name="direct"/>: <paramref name="plane"/> is the unpadded input (unit stride), so output
    /// columns whose taps cross the left/right border are computed by a checked scalar loop; otherwise it is the
    /// phase-split padded plane and every tap is in range.
    /// </summary>
    private static void Channel(in Conv2DShape s, float* plane, int wp, bool direct, float* w, float* y, ComputeIsa isa, bool accumulate)
    {
        int kh = s.KH, kw = s.KW, ow = s.OW, stride = s.StrideW, len = wp / stride;
        // Offsets of each tap's run within a (phase-split) row.
        int* tapOff = stackalloc int[kw];
        for (int kx = 0; kx < kw; kx++)
        {
            int off = kx * s.DilationW;
            tapOff[kx] = direct ? off : off % stride * len + off / stride;
        }
        int shift = direct ? -s.PadLeft : 0;
        // Output columns [lo, hi) have all their taps inside the row.
        int lo = direct ? Math.Min(ow, s.PadLeft) : 0;
        int hi = direct ? Math.Clamp(s.W + s.PadLeft - (kw - 1) * s.DilationW, lo, ow) : ow;
        float** rows = stackalloc float*[kh];
        float* taps = stackalloc float[kh * kw];
        for (int oh = 0; oh < s.OH; oh++)
        {
            // Gather the taps whose input row exists; padding rows contribute nothing.
            int nr = 0;
            for (int ky = 0; ky < kh; ky++)
            {
                int ih = oh * s.StrideH - s.PadTop + ky * s.DilationH;
                if ((uint)ih >= (uint)s.H) continue;
                rows[nr] = plane + (long)ih * wp + shift;
                for (int kx = 0; kx < kw; kx++) taps[nr * kw + kx] = w[ky * kw + kx];
                nr++;
            }
            float* yr = y + (long)oh * ow;
            for (int o = 0; o < lo; o++) yr[o] = CheckedTap(s, rows, taps, tapOff, nr, o, accumulate ? yr[o] : 0);
            int v = lo;
            if (isa == ComputeIsa.Avx512)
            {
                for (; v + 16 <= hi; v += 16)
                {
                    var acc = accumulate ? Vector512.Load(yr + v) : Vector512<float>.Zero;
                    for (int r = 0; r < nr; r++)
                    {
                        float* src = rows[r] + v;
                        for (int kx = 0; kx < kw; kx++)
                            acc = Vector512.FusedMultiplyAdd(Vector512.Load(src + tapOff[kx]), Vector512.Create(taps[r * kw + kx]), acc);
                    }
                    acc.Store(yr + v);
                }
            }
            if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
            {
                for (; v + 8 <= hi; v += 8)
                {
                    var acc = accumulate ? Vector256.Load(yr + v) : Vector256<float>.Zero;
                    for (int r = 0; r < nr; r++)
                    {
                        float* src = rows[r] + v;
                        for (int kx = 0; kx < kw; kx++)
                            acc = Vector256.FusedMultiplyAdd(Vector256.Load(src + tapOff[kx]), Vector256.Create(taps[r * kw + kx]), acc);
                    }
                    acc.Store(yr + v);
                }
            }
            // The interior's last few columns: one more vector ending at hi, overlapping columns already done
            // (recomputing them gives the same values; not when accumulating into y).
            if (!accumulate && v < hi)
            {
                if (isa == ComputeIsa.Avx512 && hi - lo >= 16) v = Tail512(rows, taps, tapOff, nr, kw, yr, hi);
                else if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2 && hi - lo >= 8) v = Tail256(rows, taps, tapOff, nr, kw, yr, hi);
            }
            for (; v < hi; v++)
            {
                float acc = accumulate ? yr[v] : 0;
                for (int r = 0; r < nr; r++)
                {
                    float* src = rows[r] + v;
                    for (int kx = 0; kx < kw; kx++) acc = MathF.FusedMultiplyAdd(src[tapOff[kx]], taps[r * kw + kx], acc);
                }
                yr[v] = acc;
            }
            for (int o = hi; o < ow; o++) yr[o] = CheckedTap(s, rows, taps, tapOff, nr, o, accumulate ? yr[o] : 0);
        }
    }

    private static int Tail512(float** rows, float* taps, int* tapOff, int nr, int kw, float* yr, int hi)
    {
        int v = hi - 16;
        var acc = Vector512<float>.Zero;
        for (int r = 0; r < nr; r++)
        {
            float* src = rows[r] + v;
            for (int kx = 0; kx < kw; kx++)
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(src + tapOff[kx]), Vector512.Create(taps[r * kw + kx]), acc);
        }
        acc.Store(yr + v);
        return hi;
    }

    private static int Tail256(float** rows, float* taps, int* tapOff, int nr, int kw, float* yr, int hi)
    {
        int v = hi - 8;
        var acc = Vector256<float>.Zero;
        for (int r = 0; r < nr; r++)
        {
            float* src = rows[r] + v;
            for (int kx = 0; kx < kw; kx++)
                acc = Vector256.FusedMultiplyAdd(Vector256.Load(src + tapOff[kx]), Vector256.Create(taps[r * kw + kx]), acc);
        }
        acc.Store(yr + v);
        return hi;
    }

    /// <summary>One output of a unit-stride row near the left/right border: taps outside the row read zero padding.</summary>
    private static float CheckedTap(in Conv2DShape s, float** rows, float* taps, int* tapOff, int nr, int o, float acc)
    {
        int kw = s.KW;
        for (int r = 0; r < nr; r++)
        {
            for (int kx = 0; kx < kw; kx++)
            {
                int iw = o - s.PadLeft + tapOff[kx];
                if ((uint)iw < (uint)s.W) acc = MathF.FusedMultiplyAdd(rows[r][o + tapOff[kx]], taps[r * kw + kx], acc);
            }
        }
        return acc;
    }
}
