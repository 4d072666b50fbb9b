using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Engine.Runtime.Compute;

/// <summary>
/// 2-D (and 1-D) transposed convolution, NCHW, with bias and a fused activation. Per image and group the
/// columns Wgᵀ·Xg [(output channel, tap) × input position] are computed on the GEMM micro-kernels against
/// weights packed once by <see cref="PackWeights"/>, then scattered (col2im) into the output.
/// </summary>
/// <remarks>
/// A task owns one (image, group, block of output channels): it zeroes its output planes, walks the input
/// positions in column blocks (packing that block of X into 16-column panels, computing its columns into
/// scratch and adding them into the output), then applies bias and activation. Output channels never overlap
/// between tasks, so the scatter-adds need no synchronisation. Channel blocks are aligned so their first
/// (channel, tap) row starts a 12-row weight panel.
/// </remarks>
public static unsafe class ConvTranspose2D
{
    private const int Magic = 0x54434B50; // "PKCT"
    private const int HeaderLength = PackedGemm.HeaderLength;
    private const int MR = MicroKernels.MR, NR = MicroKernels.NR;

    /// <summary>Input positions per column block.</summary>
    private const int Columns = 256;

    private static int RoundUp(int x, int r) => (x + r - 1) / r * r;

    private static int GroupStride(in ConvTranspose2DShape s) => checked(RoundUp(s.Rows, MR) * s.Cg);

    public static int PackedWeightsLength(in ConvTranspose2DShape s)
    {
        s.Validate();
        return checked(HeaderLength + s.Groups * GroupStride(s));
    }

    /// <summary>Packs W [C, M/Groups, KH, KW]: per group, 12-row panels of Wgᵀ [(m, ky, kx) × Cg].</summary>
    public static float[] PackWeights(ReadOnlySpan<float> w, in ConvTranspose2DShape s)
    {
        var dst = new float[PackedWeightsLength(s)];
        PackWeights(w, s, dst);
        return dst;
    }

    /// <summary>Packs W into <paramref name="dst"/> (at least <see cref="PackedWeightsLength"/> floats): run-time weights, per call.</summary>
    public static void PackWeights(ReadOnlySpan<float> w, in ConvTranspose2DShape s, Span<float> dst)
    {
        if (dst.Length < PackedWeightsLength(s)) throw new EngineException($"conv_transpose: packed W needs {PackedWeightsLength(s)} floats, got {dst.Length}");
        if (w.Length < s.WeightLength) throw new EngineException($"conv_transpose: W has {w.Length} floats, expected {s.WeightLength}");
        dst[0] = BitConverter.Int32BitsToSingle(Magic);
        dst[1] = BitConverter.Int32BitsToSingle(s.C);
        dst[2] = BitConverter.Int32BitsToSingle(s.M);
        dst[3] = BitConverter.Int32BitsToSingle(s.KH);
        dst[4] = BitConverter.Int32BitsToSingle(s.KW);
        dst[5] = BitConverter.Int32BitsToSingle(s.Groups);
        int cg = s.Cg, rows = s.Rows, gs = GroupStride(s);
        for (int g = 0; g < s.Groups; g++)
        {
            var pg = dst.Slice(HeaderLength + g * gs, gs);
            for (int c = 0; c < cg; c++)
            {
                // W[g·Cg + c] is the (m, ky, kx) row block of column c of Wgᵀ.
                var src = w.Slice((g * cg + c) * rows, rows);
                for (int r = 0; r < rows; r++) pg[r / MR * MR * cg + c * MR + r % MR] = src[r];
            }
        }
    }

    private static bool HeaderMatches(in ConvTranspose2DShape s, float* p) =>
        BitConverter.SingleToInt32Bits(p[0]) == Magic && BitConverter.SingleToInt32Bits(p[1]) == s.C
        && BitConverter.SingleToInt32Bits(p[2]) == s.M && BitConverter.SingleToInt32Bits(p[3]) == s.KH
        && BitConverter.SingleToInt32Bits(p[4]) == s.KW && BitConverter.SingleToInt32Bits(p[5]) == s.Groups;

    /// <summary>Output channels per task: a multiple of the channels that fill whole 12-row panels.</summary>
    private static int ChannelsPerTask(in ConvTranspose2DShape s, int threads)
    {
        int unit = MR / Gcd(s.Taps, MR);
        int mcb = Math.Min(RoundUp(Math.Max(1, PackedGemm.MC / s.Taps), unit), RoundUp(s.Mg, unit));
        long images = (long)s.N * s.Groups;
        while (mcb > unit && images * ((s.Mg + mcb - 1) / mcb) < 2 * threads) mcb = Math.Max(unit, RoundUp(mcb / 2, unit));
        return mcb;
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private static int ColumnsPerBlock(in ConvTranspose2DShape s) => Math.Min(Columns, RoundUp(Math.Max(1, s.H * s.W), NR));

    private static long PerWorker(in ConvTranspose2DShape s, int threads)
    {
        int nc = ColumnsPerBlock(s);
        int rows = RoundUp(Math.Min(ChannelsPerTask(s, threads), s.Mg) * s.Taps, MR);
        return (long)Math.Min(s.Cg, PackedGemm.KC) * nc + (long)rows * nc;
    }

    /// <summary>Scratch floats <see cref="Run"/> needs on up to <paramref name="threads"/> threads.</summary>
    public static long ScratchLength(in ConvTranspose2DShape s, int threads)
    {
        s.Validate();
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        return threads * PerWorker(s, threads);
    }

    /// <summary>
    /// y = act(conv_transpose(x, w) + bias). <paramref name="bias"/> is null or has M entries. <paramref name="scratch"/>
    /// holds <see cref="ScratchLength"/> floats. y must not overlap x or the scratch.
    /// </summary>
    public static void Run(in ConvTranspose2DShape s, float* x, float* packedWeights, float* bias, float* y, float* scratch,
        int threads = 1, ComputeIsa isa = ComputeIsa.Auto, Activation activation = default)
    {
        s.Validate();
        if (!HeaderMatches(s, packedWeights)) throw new EngineException($"conv_transpose: weights were not packed for {s}");
        if (s.N == 0 || s.OH == 0 || s.OW == 0) return;
        isa = Isa.Resolve(isa);
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        if ((long)s.OutputLength * s.Cg * s.Taps < 1 << 16) threads = 1;
        int mcb = ChannelsPerTask(s, threads);
        int blocks = (s.Mg + mcb - 1) / mcb;
        var body = new Body
        {
            S = s,
            Isa = isa,
            X = x,
            Wp = packedWeights + HeaderLength,
            Bias = bias,
            Y = y,
            Scratch = scratch,
            PerWorker = PerWorker(s, threads),
            Mcb = mcb,
            Blocks = blocks,
            Nc = ColumnsPerBlock(s),
            Act = activation,
        };
        ParallelFor.Run(s.N * s.Groups * blocks, threads, ref body);
    }

    private struct Body : IParallelBody
    {
        public ConvTranspose2DShape S;
        public ComputeIsa Isa;
        public float* X, Wp, Bias, Y, Scratch;
        public long PerWorker;
        public int Mcb, Blocks, Nc;
        public Activation Act;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int index, int worker)
        {
            int blk = index % Blocks, ig = index / Blocks;
            int g = ig % S.Groups, img = ig / S.Groups;
            int m0 = blk * Mcb, mc = Math.Min(Mcb, S.Mg - m0);
            int taps = S.Taps, cg = S.Cg, hw = S.H * S.W, ohw = S.OH * S.OW;
            int rows = mc * taps, ncMax = Nc;
            float* xg = X + ((long)img * S.C + (long)g * cg) * hw;
            float* yc = Y + ((long)img * S.M + (long)g * S.Mg + m0) * ohw;
            float* a = Wp + (long)g * RoundUp(S.Rows, MR) * cg + (long)m0 * taps * cg;
            float* packX = Scratch + worker * PerWorker;
            float* col = packX + (long)Math.Min(cg, PackedGemm.KC) * ncMax;
            new Span<float>(yc, mc * ohw).Clear();
            for (int n0 = 0; n0 < hw; n0 += ncMax)
            {
                int nc = Math.Min(ncMax, hw - n0);
                for (int pc = 0; pc < cg; pc += PackedGemm.KC)
                {
                    int kc = Math.Min(PackedGemm.KC, cg - pc);
                    PackX(xg + (long)pc * hw, hw, kc, n0, nc, packX);
                    MicroKernels.Block(Isa, kc, a + (long)pc * MR, (long)cg * MR, rows, packX, (long)kc * NR, nc, col, ncMax, pc > 0);
                }
                Scatter(col, ncMax, rows, n0, nc, yc);
            }
            for (int m = 0; m < mc; m++)
            {
                var plane = new Span<float>(yc + (long)m * ohw, ohw);
                if (Bias != null) TensorPrimitives.Add(plane, Bias[g * S.Mg + m0 + m], plane);
                BoundEpilogue.Activate(Act, plane);
            }
        }

        /// <summary>Rows [0, kc) × columns [n0, n0+nc) of X (rows of length hw) into 16-column panels.</summary>
        private static void PackX(float* x, int hw, int kc, int n0, int nc, float* dst)
        {
            for (int j = 0; j < nc; j += NR)
            {
                int w = Math.Min(NR, nc - j);
                float* panel = dst + (long)j * kc;
                for (int r = 0; r < kc; r++)
                {
                    float* src = x + (long)r * hw + n0 + j;
                    float* d = panel + r * NR;
                    if (w == NR) new ReadOnlySpan<float>(src, NR).CopyTo(new Span<float>(d, NR));
                    else
                    {
                        int c = 0;
                        for (; c < w; c++) d[c] = src[c];
                        for (; c < NR; c++) d[c] = 0;
                    }
                }
            }
        }

        /// <summary>Adds column block (row = (channel, ky, kx), column = input position n0+j) into the output planes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Scatter(float* col, int ldc, int rows, int n0, int nc, float* y)
        {
            int taps = S.Taps, kw = S.KW, w = S.W, ow = S.OW, oh = S.OH, sw = S.StrideW, ohw = S.OH * S.OW;
            for (int r = 0; r < rows; r++)
            {
                int m = r / taps, t = r % taps, ky = t / kw, kx = t % kw;
                int offH = ky * S.DilationH - S.PadTop, offW = kx * S.DilationW - S.PadLeft;
                // Input columns iw with 0 <= iw·sw + offW < ow.
                int iwLo = offW >= 0 ? 0 : (-offW + sw - 1) / sw;
                int iwHi = ow - 1 - offW < 0 ? -1 : Math.Min(w - 1, (ow - 1 - offW) / sw);
                if (iwHi < iwLo) continue;
                float* src = col + (long)r * ldc;
                float* plane = y + (long)m * ohw;
                int p = n0, end = n0 + nc;
                while (p < end)
                {
                    int ih = p / w, iw0 = p % w;
                    int segEnd = Math.Min(end, p - iw0 + w);
                    int o = ih * S.StrideH + offH;
                    if ((uint)o < (uint)oh)
                    {
                        int lo = Math.Max(iw0, iwLo), hi = Math.Min(segEnd - p + iw0 - 1, iwHi);
                        if (lo <= hi)
                        {
                            float* s = src + (p - iw0 - n0);
                            float* dst = plane + (long)o * ow + offW;
                            if (sw == 1)
                            {
                                var seg = new Span<float>(dst + lo, hi - lo + 1);
                                TensorPrimitives.Add(seg, new ReadOnlySpan<float>(s + lo, hi - lo + 1), seg);
                            }
                            else
                            {
                                for (int iw = lo; iw <= hi; iw++) dst[iw * sw] += s[iw];
                            }
                        }
                    }
                    p = segEnd;
                }
            }
        }
    }
}
