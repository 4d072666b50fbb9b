using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
namespace Engine.Runtime.Compute;

/// <summary>
/// 2-D convolution (NCHW) with a fused epilogue: y = act(conv(x, w) + bias[m] + residual) (or the residual added
/// after the activation). Weights are packed once by <see cref="PackWeights"/>; the output and scratch memory
/// are the caller's (<see cref="ScratchLength"/> says how much scratch a call needs).
/// </summary>
/// <remarks>
/// Per image and group, Y_g [Mg × OH·OW] = W_g [Mg × Cg·KH·KW] · im2col(X_g). This is an implicit GEMM: the
/// im2col matrix is never materialized; each task (a block of output positions) writes just its K block of it
/// straight into the 16-column panel layout of the micro-kernels, in the worker's scratch slice, and multiplies
/// it by the pre-packed 12-row weight panels. 1×1 stride-1 convs take a copy-only packing path. Depthwise
/// convs (one filter per channel) go to <see cref="DepthwiseConv2D"/>.
/// </remarks>
public static unsafe class Conv2D
{
    private const int Magic = 0x56434B50; // "PKCV"
    private const int HeaderLength = PackedGemm.HeaderLength;
    private const int MR = MicroKernels.MR, NR = MicroKernels.NR;

    private static int RoundUp(int x, int r) => (x + r - 1) / r * r;

    /// <summary>Length of the packed weights of <paramref name="s"/>.</summary>
    public static int PackedWeightsLength(in Conv2DShape s)
    {
        s.Validate();
        return s.IsDepthwise ? checked(HeaderLength + s.WeightLength) : checked(HeaderLength + s.Groups * RoundUp(s.Mg, MR) * s.K);
    }

    /// <summary>Packs W [M, C/Groups, KH, KW]: per group, 12-row panels of the Mg × K filter matrix (depthwise: a copy).</summary>
    public static float[] PackWeights(ReadOnlySpan<float> w, in Conv2DShape s)
    {
        var dst = new float[PackedWeightsLength(s)];
        PackWeights(w, s, dst);
        return dst;
    }

    public static void PackWeights(ReadOnlySpan<float> w, in Conv2DShape s, Span<float> dst)
    {
        int len = PackedWeightsLength(s);
        if (dst.Length < len) throw new EngineException($"conv2d: packed weights need {len} floats, got {dst.Length}");
        if (w.Length < s.WeightLength) throw new EngineException($"conv2d: W has {w.Length} floats, expected {s.WeightLength}");
        dst.Slice(0, len).Clear();
        WriteHeader(s, dst);
        if (s.IsDepthwise)
        {
            w.Slice(0, s.WeightLength).CopyTo(dst.Slice(HeaderLength));
            return;
        }
        int k = s.K, mg = s.Mg;
        int groupStride = RoundUp(mg, MR) * k;
        for (int g = 0; g < s.Groups; g++)
        {
            var wg = w.Slice(g * mg * k, mg * k);
            var pg = dst.Slice(HeaderLength + g * groupStride, groupStride);
            for (int i = 0; i < mg; i++)
            {
                var panel = pg.Slice(i / MR * MR * k);
                int ii = i % MR;
                for (int p = 0; p < k; p++) panel[p * MR + ii] = wg[i * k + p];
            }
        }
    }

    private static void WriteHeader(in Conv2DShape s, Span<float> dst)
    {
        dst[0] = BitConverter.Int32BitsToSingle(Magic);
        dst[1] = BitConverter.Int32BitsToSingle(s.M);
        dst[2] = BitConverter.Int32BitsToSingle(s.Cg);
        dst[3] = BitConverter.Int32BitsToSingle(s.KH);
        dst[4] = BitConverter.Int32BitsToSingle(s.KW);
        dst[5] = BitConverter.Int32BitsToSingle(s.Groups);
    }

    private static bool HeaderMatches(in Conv2DShape s, ReadOnlySpan<float> p) =>
        p.Length >= HeaderLength
        && BitConverter.SingleToInt32Bits(p[0]) == Magic && BitConverter.SingleToInt32Bits(p[1]) == s.M
        && BitConverter.SingleToInt32Bits(p[2]) == s.Cg && BitConverter.SingleToInt32Bits(p[3]) == s.KH
        && BitConverter.SingleToInt32Bits(p[4]) == s.KW && BitConverter.SingleToInt32Bits(p[5]) == s.Groups;

    /// <summary>Output positions per task: wide enough to amortize packing, narrow enough to give every thread work.</summary>
    private static int ColumnsPerTask(in Conv2DShape s, int threads)
    {
        int ohw = s.OH * s.OW;
        int nct = Math.Min(RoundUp(ohw, 2 * NR), 256);
        long images = (long)s.N * s.Groups;
        while (threads > 1 && nct > 64 && images * ((ohw + nct - 1) / nct) < 4 * threads) nct = RoundUp(nct / 2, 2 * NR);
        return nct;
    }

    private static int PerWorkerScratch(in Conv2DShape s, int threads) =>
        s.IsDepthwise ? DepthwiseConv2D.PlaneLength(s) : checked(Math.Min(s.K, PackedGemm.KC) * RoundUp(ColumnsPerTask(s, threads), NR));

    /// <summary>Scratch floats <see cref="Run"/> needs on up to <paramref name="threads"/> threads.</summary>
    public static int ScratchLength(in Conv2DShape s, int threads)
    {
        s.Validate();
        if (DirectConv2D.Qualifies(s, Isa.Resolve(ComputeIsa.Auto))) return Math.Max(DirectConv2D.ScratchLength(s), Math.Clamp(threads, 1, ParallelFor.MaxThreads) * PerWorkerScratch(s, Math.Clamp(threads, 1, ParallelFor.MaxThreads)));
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        return checked(threads * PerWorkerScratch(s, threads));
    }

    /// <summary>
    /// y = epilogue(conv(x, w)). <paramref name="bias"/> is empty or has M entries (per output channel, whatever
    /// <see cref="Epilogue.Bias"/> says); <paramref name="residual"/> is empty or has y's shape.
    /// <paramref name="scratch"/> holds at least <see cref="ScratchLength"/> floats (empty: a per-thread buffer).
    /// y must not overlap x or the scratch; it may be the residual.
    /// </summary>
    public static void Run(in Conv2DShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> packedWeights, Span<float> y,
        Epilogue epilogue = default, ReadOnlySpan<float> bias = default, ReadOnlySpan<float> residual = default,
        Span<float> scratch = default, int threads = 1, ComputeIsa isa = ComputeIsa.Auto)
    {
        s.Validate();
        if (!HeaderMatches(s, packedWeights) || packedWeights.Length < PackedWeightsLength(s))
            throw new EngineException($"conv2d: weights were not packed for {s}");
        if (x.Length < s.InputLength) throw new EngineException($"conv2d: X has {x.Length} floats, expected {s.InputLength}");
        if (y.Length < s.OutputLength) throw new EngineException($"conv2d: Y has {y.Length} floats, expected {s.OutputLength}");
        if (!bias.IsEmpty && bias.Length < s.M) throw new EngineException($"conv2d: bias has {bias.Length} entries, expected {s.M}");
        if (!residual.IsEmpty && residual.Length < s.OutputLength)
            throw new EngineException($"conv2d: residual has {residual.Length} floats, expected {s.OutputLength}");
        if (s.N == 0) return;
        isa = Isa.Resolve(isa);
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        int perWorker = PerWorkerScratch(s, threads);
        if (!scratch.IsEmpty && scratch.Length < (long)perWorker * threads)
            throw new EngineException($"conv2d: scratch has {scratch.Length} floats, needs {(long)perWorker * threads}");
        var spec = epilogue with { Bias = bias.IsEmpty ? BiasKind.None : BiasKind.PerRow };

        fixed (float* xp = x)
        fixed (float* wp = packedWeights)
        fixed (float* yp = y)
        fixed (float* bp = bias)
        fixed (float* rp = residual)
        fixed (float* sp = scratch)
        {
            float* scr = scratch.IsEmpty ? null : sp;
            float* res = residual.IsEmpty ? null : rp;
            if (s.IsDepthwise)
            {
                DepthwiseConv2D.RunPacked(s, xp, wp + HeaderLength, yp, spec, bp, res, scr, perWorker, threads, isa);
                return;
            }
            if (res == null && DirectConv2D.Qualifies(s, isa) && (scratch.IsEmpty || scratch.Length >= DirectConv2D.ScratchLength(s)))
            {
                DirectConv2D.Run(s, xp, wp + HeaderLength, yp, spec, bp, scr != null ? scr : ThreadScratch.Get(DirectConv2D.ScratchLength(s)), threads);
                return;
            }
            // y += conv when the residual is y itself (added before the activation): start from y instead of zero.
            bool inPlace = res != null && res == yp;
            if (inPlace && spec.ResidualAfterActivation)
                throw new EngineException("conv2d: a residual added after the activation cannot be the output itself");
            int nct = ColumnsPerTask(s, threads);
            int ohw = s.OH * s.OW;
            int nBlocks = (ohw + nct - 1) / nct;
            var body = new ConvBody
            {
                S = s,
                Isa = isa,
                X = xp,
                W = wp + HeaderLength,
                Y = yp,
                Bias = bp,
                Residual = inPlace ? null : res,
                Spec = spec,
                AccumulateIntoY = inPlace,
                Scratch = scr,
                PerWorker = perWorker,
                NCt = nct,
                NBlocks = nBlocks,
            };
            ParallelFor.Run(s.N * s.Groups * nBlocks, threads, ref body);
        }
    }

    private struct ConvBody : IParallelBody
    {
        public Conv2DShape S;
        public ComputeIsa Isa;
        public float* X, W, Y, Bias, Residual, Scratch;
        public Epilogue Spec;
        public int PerWorker, NCt, NBlocks;
        public bool AccumulateIntoY;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int index, int worker)
        {
            int blk = index % NBlocks, ig = index / NBlocks;
            int g = ig % S.Groups, img = ig / S.Groups;
            int ohw = S.OH * S.OW, k = S.K, mg = S.Mg;
            int n0 = blk * NCt, nc = Math.Min(NCt, ohw - n0);
            float* xg = X + ((long)img * S.C + (long)g * S.Cg) * S.H * S.W;
            long yRow0 = (long)img * S.M + (long)g * mg;
            float* yg = Y + yRow0 * ohw;
            float* wg = W + (long)g * RoundUp(mg, MR) * k;
            float* pack = Scratch != null ? Scratch + (long)worker * PerWorker : ThreadScratch.Get(PerWorker);
            for (int pc = 0; pc < k; pc += PackedGemm.KC)
            {
                int kc = Math.Min(PackedGemm.KC, k - pc);
                PackColumns(S, xg, pc, kc, n0, nc, pack, Isa == ComputeIsa.Avx512);
                for (int m0 = 0; m0 < mg; m0 += PackedGemm.MC)
                {
                    int mc = Math.Min(PackedGemm.MC, mg - m0);
                    MicroKernels.Block(Isa, kc, wg + (long)m0 * k + (long)pc * MR, (long)k * MR, mc, pack, (long)kc * NR, nc,
                        yg + (long)m0 * ohw + n0, ohw, pc > 0 || AccumulateIntoY);
                }
            }
            var epi = new BoundEpilogue(Spec, Bias + (long)g * mg, Residual == null ? null : Residual + yRow0 * ohw, ohw);
            epi.Apply(yg, ohw, 0, mg, n0, nc);
        }
    }

    /// <summary>
    /// Writes rows [pc, pc+kc) × columns [n0, n0+nc) of the group's im2col matrix into 16-column panels
    /// (row r = (channel, ky, kx), column n = output position; zero where a tap reads padding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackColumns(in Conv2DShape s, float* x, int pc, int kc, int n0, int nc, float* dst, bool avx512)
    {
        int ncPad = RoundUp(nc, NR);
        int hw = s.H * s.W;
        if (s.IsPointwise)
        {
            // The im2col matrix is X itself: rows are channels, columns are positions.
            for (int r = 0; r < kc; r++)
            {
                float* src = x + (long)(pc + r) * hw + n0;
                float* d = dst + r * NR;
                int j = 0;
                for (; j + NR <= nc; j += NR)
                    new ReadOnlySpan<float>(src + j, NR).CopyTo(new Span<float>(d + (long)j * kc, NR));
                if (j < nc)
                {
                    float* dp = d + (long)j * kc;
                    int t = 0;
                    for (; t < nc - j; t++) dp[t] = src[j + t];
                    for (; t < NR; t++) dp[t] = 0;
                }
            }
            return;
        }
        // Split the task's columns into segments: runs of consecutive output positions on one output row and
        // inside one 16-column panel. Every segment of a k-row then reads one (clipped) run of one input row.
        int ow = s.OW, sw = s.StrideW, w = s.W, h = s.H;
        int maxSegs = nc + ncPad / NR + 2;
        int* segOh = stackalloc int[maxSegs];
        int* segOw = stackalloc int[maxSegs];
        int* segLen = stackalloc int[maxSegs];
        long* segDst = stackalloc long[maxSegs];
        int segs = 0;
        for (int j = 0; j < nc;)
        {
            int n = n0 + j, oh = n / ow, owi = n % ow;
            int len = Math.Min(Math.Min(ow - owi, NR - j % NR), nc - j);
            segOh[segs] = oh * s.StrideH - s.PadTop;
            segOw[segs] = owi * sw - s.PadLeft;
            segLen[segs] = len;
            segDst[segs] = (long)(j / NR) * kc * NR + j % NR;
            segs++;
            j += len;
        }
        // Columns past nc in the last panel read as zero.
        if (nc < ncPad)
        {
            float* last = dst + (long)(ncPad / NR - 1) * kc * NR;
            int lanes = nc % NR;
            for (int r = 0; r < kc; r++) new Span<float>(last + r * NR + lanes, NR - lanes).Clear();
        }
        int kw = s.KW, khw = s.KH * kw, dh = s.DilationH, dw = s.DilationW;
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var evenIdx = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        int ci = pc / khw, ky = pc % khw / kw, kx = pc % kw;
        for (int r = 0; r < kc; r++)
        {
            float* xc = x + (long)ci * h * w;
            int kyo = ky * dh, kxo = kx * dw;
            for (int g = 0; g < segs; g++)
            {
                int ih = segOh[g] + kyo, len = segLen[g];
                float* d = dst + segDst[g] + r * NR;
                if ((uint)ih >= (uint)h)
                {
                    new Span<float>(d, len).Clear();
                    continue;
                }
                float* row = xc + (long)ih * w;
                int iw0 = segOw[g] + kxo;
                if (avx512 && sw <= 2)
                {
                    // Masked loads read only in-image columns (the others load as zero, without touching memory);
                    // a short segment is stored masked so it leaves its panel neighbours alone.
                    var lanes = Vector512.LessThan(iota, Vector512.Create(len));
                    Vector512<float> v;
                    if (sw == 1)
                    {
                        if (iw0 >= 0 && iw0 + NR <= w) v = Vector512.Load(row + iw0);
                        else
                        {
                            var inImage = Vector512.GreaterThanOrEqual(iota, Vector512.Create(-iw0)) & Vector512.LessThan(iota, Vector512.Create(w - iw0));
                            v = Avx512F.MaskLoad(row + iw0, inImage.AsSingle(), Vector512<float>.Zero);
                        }
                    }
                    else
                    {
                        Vector512<float> lo, hi;
                        if (iw0 >= 0 && iw0 + 2 * NR <= w)
                        {
                            lo = Vector512.Load(row + iw0);
                            hi = Vector512.Load(row + iw0 + NR);
                        }
                        else
                        {
                            var first = Vector512.Create(-iw0);
                            var end = Vector512.Create(w - iw0);
                            var iotaHi = iota + Vector512.Create(NR);
                            lo = Avx512F.MaskLoad(row + iw0, (Vector512.GreaterThanOrEqual(iota, first) & Vector512.LessThan(iota, end)).AsSingle(), Vector512<float>.Zero);
                            hi = Avx512F.MaskLoad(row + iw0 + NR, (Vector512.GreaterThanOrEqual(iotaHi, first) & Vector512.LessThan(iotaHi, end)).AsSingle(), Vector512<float>.Zero);
                        }
                        v = Avx512F.PermuteVar16x32x2(lo, evenIdx, hi);
                    }
                    if (len == NR) v.Store(d);
                    else Avx512F.MaskStore(d, lanes.AsSingle(), v);
                    continue;
                }
                if (sw == 1)
                {
                    // Zeros left of the image, one contiguous run, zeros right of it.
                    int z = Math.Clamp(-iw0, 0, len), e = Math.Clamp(w - iw0, z, len);
                    if (z == 0 && e == NR) Vector512.Store(Vector512.Load(row + iw0), d);
                    else
                    {
                        for (int t = 0; t < z; t++) d[t] = 0f;
                        if (e > z) Unsafe.CopyBlockUnaligned(d + z, row + iw0 + z, (uint)(e - z) * sizeof(float));
                        for (int t = e; t < len; t++) d[t] = 0f;
                    }
                }
                else
                {
                    for (int t = 0, iw = iw0; t < len; t++, iw += sw) d[t] = (uint)iw < (uint)w ? row[iw] : 0f;
                }
            }
            if (++kx == kw)
            {
                kx = 0;
                if (++ky == s.KH) { ky = 0; ci++; }
            }
        }
    }
}
