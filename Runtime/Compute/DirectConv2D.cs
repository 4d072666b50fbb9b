using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Runtime.Compute;

/// <summary>
/// Direct convolution for few output channels (LeNet-style: M ≤ 32, stride 1, no dilation, one group) with
/// AVX-512: the implicit-GEMM path wastes most of its 12-row register tile when M is 6 or 16 and re-packs
/// im2col columns for a short K. Here each image is copied once, zero-padded, into scratch; a task computes
/// one output row: for 16 output columns at a time and 12 output channels (one packed panel; 6 when fewer are
/// left), every (channel, ky, kx) tap is one unaligned load of the padded input row and one broadcast FMA per channel. Weights are read from <see cref="Conv2D"/>'s
/// packed panels (for a tap, 12 consecutive output channels are adjacent), so the packing is shared.
/// </summary>
internal static unsafe class DirectConv2D
{
    private const int Lanes = 16, ChannelBlock = MR, MR = MicroKernels.MR;

    public static bool Qualifies(in Conv2DShape s, ComputeIsa isa) =>
        isa == ComputeIsa.Avx512 && s.Groups == 1 && s.StrideH == 1 && s.StrideW == 1 && s.DilationH == 1 && s.DilationW == 1
        && !s.IsPointwise && s.M <= 32 && s.OW >= 8 && s.K <= 2048;

    /// <summary>Padded row length: the input width plus padding, plus a vector of slack so every 16-wide load stays inside.</summary>
    private static int PaddedWidth(in Conv2DShape s) => s.W + s.PadLeft + s.PadRight + Lanes;

    private static int PaddedHeight(in Conv2DShape s) => s.H + s.PadTop + s.PadBottom;

    /// <summary>Scratch floats: every image of the batch, padded.</summary>
    public static int ScratchLength(in Conv2DShape s) => checked(s.N * s.C * PaddedHeight(s) * PaddedWidth(s));

    public static void Run(in Conv2DShape s, float* x, float* packedW, float* y, Epilogue spec, float* bias, float* scratch, int threads)
    {
        int hp = PaddedHeight(s), wp = PaddedWidth(s);
        long planes = (long)s.N * s.C;
        new Span<float>(scratch, checked((int)(planes * hp * wp))).Clear();
        for (long p = 0; p < planes; p++)
        {
            for (int r = 0; r < s.H; r++)
                new ReadOnlySpan<float>(x + (p * s.H + r) * s.W, s.W).CopyTo(new Span<float>(scratch + (p * hp + r + s.PadTop) * wp + s.PadLeft, s.W));
        }
        var body = new RowBody { S = s, X = scratch, W = packedW, Y = y, Spec = spec, Bias = bias, Hp = hp, Wp = wp };
        ParallelFor.Run(s.N * s.OH, threads, ref body);
    }

    private struct RowBody : IParallelBody
    {
        public Conv2DShape S;
        public float* X, W, Y, Bias;
        public Epilogue Spec;
        public int Hp, Wp;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int index, int worker)
        {
            int img = index / S.OH, oy = index % S.OH;
            int ow = S.OW, ohw = S.OH * ow, k = S.K, kh = S.KH, kw = S.KW;
            float* xi = X + (long)img * S.C * Hp * Wp;
            float* yi = Y + (long)img * S.M * ohw;
            for (int m0 = 0; m0 < S.M; m0 += ChannelBlock)
            {
                int mb = Math.Min(ChannelBlock, S.M - m0);
                // Blocks of 12 channels are exactly one packed panel: tap kk's 12 weights are adjacent.
                float* wBlock = W + (long)m0 * k;
                for (int ox = 0; ox < ow; ox += Lanes)
                {
                    // The bias starts the sums (when the epilogue is folded in here); channels past M start at 0.
                    Vector512<float> a0 = Start(m0, 0), a1 = Start(m0, 1), a2 = Start(m0, 2), a3 = Start(m0, 3), a4 = Start(m0, 4), a5 = Start(m0, 5);
                    Vector512<float> a6 = Start(m0, 6), a7 = Start(m0, 7), a8 = Start(m0, 8), a9 = Start(m0, 9), a10 = Start(m0, 10), a11 = Start(m0, 11);
                    float* w = wBlock;
                    for (int c = 0; c < S.C; c++)
                    {
                        for (int ky = 0; ky < kh; ky++)
                        {
                            float* row = xi + ((long)c * Hp + oy + ky) * Wp + ox;
                            for (int kx = 0; kx < kw; kx++, w += MR)
                            {
                                var v = Vector512.Load(row + kx);
                                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(w[0]), v, a0);
                                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(w[1]), v, a1);
                                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(w[2]), v, a2);
                                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(w[3]), v, a3);
                                a4 = Vector512.FusedMultiplyAdd(Vector512.Create(w[4]), v, a4);
                                a5 = Vector512.FusedMultiplyAdd(Vector512.Create(w[5]), v, a5);
                                if (mb <= 6) continue;
                                a6 = Vector512.FusedMultiplyAdd(Vector512.Create(w[6]), v, a6);
                                a7 = Vector512.FusedMultiplyAdd(Vector512.Create(w[7]), v, a7);
                                a8 = Vector512.FusedMultiplyAdd(Vector512.Create(w[8]), v, a8);
                                a9 = Vector512.FusedMultiplyAdd(Vector512.Create(w[9]), v, a9);
                                a10 = Vector512.FusedMultiplyAdd(Vector512.Create(w[10]), v, a10);
                                a11 = Vector512.FusedMultiplyAdd(Vector512.Create(w[11]), v, a11);
                            }
                        }
                    }
                    if (Relu)
                    {
                        a0 = Vector512.Max(a0, Vector512<float>.Zero);
                        a1 = Vector512.Max(a1, Vector512<float>.Zero);
                        a2 = Vector512.Max(a2, Vector512<float>.Zero);
                        a3 = Vector512.Max(a3, Vector512<float>.Zero);
                        a4 = Vector512.Max(a4, Vector512<float>.Zero);
                        a5 = Vector512.Max(a5, Vector512<float>.Zero);
                        a6 = Vector512.Max(a6, Vector512<float>.Zero);
                        a7 = Vector512.Max(a7, Vector512<float>.Zero);
                        a8 = Vector512.Max(a8, Vector512<float>.Zero);
                        a9 = Vector512.Max(a9, Vector512<float>.Zero);
                        a10 = Vector512.Max(a10, Vector512<float>.Zero);
                        a11 = Vector512.Max(a11, Vector512<float>.Zero);
                    }
                    int n = Math.Min(Lanes, ow - ox);
                    float* dst = yi + (long)m0 * ohw + oy * ow + ox;
                    Put(a0, dst, 0, mb, n, ohw);
                    Put(a1, dst, 1, mb, n, ohw);
                    Put(a2, dst, 2, mb, n, ohw);
                    Put(a3, dst, 3, mb, n, ohw);
                    Put(a4, dst, 4, mb, n, ohw);
                    Put(a5, dst, 5, mb, n, ohw);
                    Put(a6, dst, 6, mb, n, ohw);
                    Put(a7, dst, 7, mb, n, ohw);
                    Put(a8, dst, 8, mb, n, ohw);
                    Put(a9, dst, 9, mb, n, ohw);
                    Put(a10, dst, 10, mb, n, ohw);
                    Put(a11, dst, 11, mb, n, ohw);
                }
            }
            if (!Folded) new BoundEpilogue(Spec, Bias, null, ohw).Apply(yi, ohw, 0, S.M, oy * ow, ow);
        }

        /// <summary>Bias and ReLU (or no activation) are applied in registers; other activations by the shared epilogue afterwards.</summary>
        private readonly bool Folded => Spec.Activation.Kind is ActivationKind.None or ActivationKind.Relu;

        private readonly bool Relu => Spec.Activation.Kind == ActivationKind.Relu;

        private readonly Vector512<float> Start(int m0, int j) =>
            Folded && Bias != null && m0 + j < S.M ? Vector512.Create(Bias[m0 + j]) : Vector512<float>.Zero;

        /// <summary>Stores channel j's 16 (or the row's last n) outputs; channels past the block's real ones are dropped.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Put(Vector512<float> acc, float* dst, int j, int mb, int n, int ohw)
        {
            if (j >= mb) return;
            float* d = dst + (long)j * ohw;
            if (n == Lanes)
            {
                acc.Store(d);
                return;
            }
            // The row's last columns: through a stack copy (a full store would run into the next row, another task's).
            float* tmp = stackalloc float[Lanes];
            acc.Store(tmp);
            new ReadOnlySpan<float>(tmp, n).CopyTo(new Span<float>(d, n));
        }

        private static int RoundUp(int v, int r) => (v + r - 1) / r * r;
    }
}
