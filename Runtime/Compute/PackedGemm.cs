using System.Runtime.CompilerServices;
namespace Engine.Runtime.Compute;

/// <summary>
/// Single-precision GEMM for inference, C = epilogue(op(A)·B), row-major, where B (the weights) is packed
/// once ahead of time by <see cref="PackB(ReadOnlySpan{float}, int, int, bool, int)"/> and A (the activations)
/// is packed per call into a caller-provided scratch buffer.
/// </summary>
/// <remarks>
/// Goto/BLIS structure with B prepacked: the output is split into (MC-row × NCt-column) tasks run by
/// <see cref="ParallelFor"/>; each task walks K in <see cref="KC"/>-deep blocks, packs its A block into the
/// worker's scratch slice (L2-sized) and runs the register-blocked micro-kernels of <see cref="MicroKernels"/>
/// against the B panels, which are read in place. The epilogue (bias, residual, activation) runs on each task's
/// tile right after its last K block, while the tile is still in cache. No allocation per call.
/// The packed B layout is the same for every ISA, so weights packed on one machine run on any other.
/// </remarks>
public static unsafe class PackedGemm
{
    /// <summary>K block depth: one B micro-panel pair (KC×32 floats) stays in L1 while the A block streams from L2.</summary>
    public const int KC = 256;

    /// <summary>M block height (a multiple of the 12-row micro-panel).</summary>
    public const int MC = 96;

    /// <summary>Floats before the panels in a packed B: a magic number, K and N, so a mismatched buffer is caught.</summary>
    public const int HeaderLength = 16;

    private const int Magic = 0x47424B50; // "PKBG"

    private static int RoundUp(int x, int r) => (x + r - 1) / r * r;

    /// <summary>Length of the array <see cref="PackB(ReadOnlySpan{float}, int, int, bool, int, Span{float})"/> fills.</summary>
    public static int PackedBLength(int k, int n)
    {
        if (k < 0 || n < 0) throw new EngineException($"gemm: negative size k={k} n={n}");
        return checked(HeaderLength + RoundUp(n, MicroKernels.NR) * k);
    }

    /// <summary>Packs B (K×N, or N×K when <paramref name="transB"/>) with row stride <paramref name="ldb"/> (0 = dense).</summary>
    public static float[] PackB(ReadOnlySpan<float> b, int k, int n, bool transB = false, int ldb = 0)
    {
        var dst = new float[PackedBLength(k, n)];
        PackB(b, k, n, transB, ldb, dst);
        return dst;
    }

    /// <summary>
    /// Packs op(B) (K×N) into 16-column panels: panel j holds, for each k, columns 16j..16j+15 (zero past N).
    /// </summary>
    public static void PackB(ReadOnlySpan<float> b, int k, int n, bool transB, int ldb, Span<float> dst)
    {
        int len = PackedBLength(k, n);
        if (dst.Length < len) throw new EngineException($"gemm: packed B needs {len} floats, got {dst.Length}");
        if (ldb == 0) ldb = transB ? k : n;
        CheckMatrix("B", b.Length, transB ? n : k, transB ? k : n, ldb);
        dst.Slice(0, len).Clear();
        dst[0] = BitConverter.Int32BitsToSingle(Magic);
        dst[1] = BitConverter.Int32BitsToSingle(k);
        dst[2] = BitConverter.Int32BitsToSingle(n);
        const int nr = MicroKernels.NR;
        for (int j0 = 0; j0 < n; j0 += nr)
        {
            int w = Math.Min(nr, n - j0);
            var panel = dst.Slice(HeaderLength + j0 * k, nr * k);
            if (!transB)
            {
                for (int p = 0; p < k; p++) b.Slice(p * ldb + j0, w).CopyTo(panel.Slice(p * nr, w));
            }
            else
            {
                for (int jj = 0; jj < w; jj++)
                {
                    var src = b.Slice((j0 + jj) * ldb, k);
                    for (int p = 0; p < k; p++) panel[p * nr + jj] = src[p];
                }
            }
        }
    }

    /// <summary>Scratch floats <see cref="Run"/> needs for this problem on up to <paramref name="threads"/> threads.</summary>
    public static int ScratchLength(int m, int n, int k, int threads)
        => checked(Math.Max(1, threads) * PerWorkerScratch(m, k));

    private static int PerWorkerScratch(int m, int k) => Math.Min(RoundUp(Math.Max(m, 1), MicroKernels.MR), MC) * Math.Min(Math.Max(k, 1), KC);

    /// <summary>
    /// C = epilogue(op(A)·B) with op(A) M×K (A is K×M with row stride lda when <paramref name="transA"/>),
    /// B packed by <see cref="PackB(ReadOnlySpan{float}, int, int, bool, int)"/>, C M×N with row stride ldc.
    /// <paramref name="bias"/> has N (per-column) or M (per-row) entries as the epilogue says;
    /// <paramref name="residual"/> is M×N with row stride <paramref name="ldr"/> (0 = N), or empty.
    /// <paramref name="scratch"/> holds at least <see cref="ScratchLength"/> floats; when empty, a per-thread
    /// buffer allocated on first use is taken instead. C must not overlap A, B or the scratch; it may be the residual.
    /// </summary>
    public static void Run(int m, int n, int k, ReadOnlySpan<float> a, int lda, bool transA, ReadOnlySpan<float> packedB,
        Span<float> c, int ldc, Epilogue epilogue = default, ReadOnlySpan<float> bias = default, ReadOnlySpan<float> residual = default,
        int ldr = 0, Span<float> scratch = default, int threads = 1, ComputeIsa isa = ComputeIsa.Auto)
    {
        if (m < 0 || n < 0 || k < 0) throw new EngineException($"gemm: negative size m={m} n={n} k={k}");
        if (packedB.Length < PackedBLength(k, n) || BitConverter.SingleToInt32Bits(packedB[0]) != Magic
            || BitConverter.SingleToInt32Bits(packedB[1]) != k || BitConverter.SingleToInt32Bits(packedB[2]) != n)
            throw new EngineException($"gemm: packed B was not packed for k={k} n={n}");
        if (m == 0 || n == 0) return;
        CheckMatrix("C", c.Length, m, n, ldc);
        if (k > 0) CheckMatrix("A", a.Length, transA ? k : m, transA ? m : k, lda);
        int biasLen = epilogue.Bias switch { BiasKind.PerColumn => n, BiasKind.PerRow => m, _ => 0 };
        if (bias.Length < biasLen) throw new EngineException($"gemm: bias has {bias.Length} entries, expected {biasLen}");
        if (ldr == 0) ldr = n;
        if (!residual.IsEmpty) CheckMatrix("residual", residual.Length, m, n, ldr);
        isa = Isa.Resolve(isa);
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        if (2L * m * n * k < 1 << 18) threads = 1;

        int perWorker = PerWorkerScratch(m, k);
        if (!scratch.IsEmpty && scratch.Length < (long)perWorker * threads)
            throw new EngineException($"gemm: scratch has {scratch.Length} floats, needs {(long)perWorker * threads}");

        int mBlocks = (m + MC - 1) / MC;
        int nct = Math.Min(RoundUp(n, 2 * MicroKernels.NR), 512);
        while (threads > 1 && nct > 64 && (long)mBlocks * ((n + nct - 1) / nct) < 4 * threads) nct = RoundUp(nct / 2, 2 * MicroKernels.NR);
        int nBlocks = (n + nct - 1) / nct;

        fixed (float* ap = a)
        fixed (float* bp = packedB)
        fixed (float* cp = c)
        fixed (float* biasP = bias)
        fixed (float* resP = residual)
        fixed (float* sp = scratch)
        {
            // C += A·B when the residual is C itself (added before the activation): start from C instead of zero.
            bool inPlace = !residual.IsEmpty && resP == cp && ldr == ldc;
            if (inPlace && epilogue.ResidualAfterActivation)
                throw new EngineException("gemm: a residual added after the activation cannot be the output itself");
            var body = new GemmBody
            {
                AccumulateIntoC = inPlace,
                Isa = isa,
                M = m,
                N = n,
                K = k,
                NCt = nct,
                NBlocks = nBlocks,
                A = ap,
                Lda = lda,
                TransA = transA,
                B = bp + HeaderLength,
                C = cp,
                Ldc = ldc,
                Epi = new BoundEpilogue(epilogue, biasP, residual.IsEmpty || inPlace ? null : resP, ldr),
                Scratch = scratch.IsEmpty ? null : sp,
                PerWorker = perWorker,
            };
            ParallelFor.Run(mBlocks * nBlocks, threads, ref body);
        }
    }

    private struct GemmBody : IParallelBody
    {
        public ComputeIsa Isa;
        public int M, N, K, NCt, NBlocks, PerWorker;
        public float* A, B, C, Scratch;
        public long Lda, Ldc;
        public bool TransA, AccumulateIntoC;
        public BoundEpilogue Epi;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int index, int worker)
        {
            int ib = index / NBlocks, jb = index % NBlocks;
            int ic = ib * MC, mc = Math.Min(MC, M - ic);
            int jc = jb * NCt, nc = Math.Min(NCt, N - jc);
            float* cTile = C + ic * Ldc + jc;
            if (K == 0)
            {
                if (!AccumulateIntoC)
                {
                    for (int i = 0; i < mc; i++) new Span<float>(cTile + i * Ldc, nc).Clear();
                }
            }
            else
            {
                float* pack = Scratch != null ? Scratch + (long)worker * PerWorker : ThreadScratch.Get(PerWorker);
                for (int pc = 0; pc < K; pc += KC)
                {
                    int kc = Math.Min(KC, K - pc);
                    PackA(A, Lda, TransA, ic, mc, pc, kc, pack);
                    MicroKernels.Block(Isa, kc, pack, (long)kc * MicroKernels.MR, mc, B + (long)jc * K + (long)pc * MicroKernels.NR,
                        (long)K * MicroKernels.NR, nc, cTile, Ldc, pc > 0 || AccumulateIntoC);
                }
            }
            Epi.Apply(C, Ldc, ic, mc, jc, nc);
        }
    }

    /// <summary>Packs op(A)[ic..ic+mc, pc..pc+kc] into 12-row panels (per k, 12 consecutive floats; zero past mc).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(float* a, long lda, bool transA, int ic, int mc, int pc, int kc, float* dst)
    {
        const int mr = MicroKernels.MR;
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int h = Math.Min(mr, mc - i0);
            float* panel = dst + (long)i0 * kc;
            if (transA)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (pc + p) * lda + ic + i0;
                    float* d = panel + p * mr;
                    int ii = 0;
                    for (; ii < h; ii++) d[ii] = src[ii];
                    for (; ii < mr; ii++) d[ii] = 0;
                }
            }
            else
            {
                if (h < mr) new Span<float>(panel, kc * mr).Clear();
                for (int ii = 0; ii < h; ii++)
                {
                    float* src = a + (ic + i0 + ii) * lda + pc;
                    float* d = panel + ii;
                    for (int p = 0; p < kc; p++) d[p * mr] = src[p];
                }
            }
        }
    }

    internal static void CheckMatrix(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols)) throw new EngineException($"gemm: row stride of {name} ({ld}) is smaller than its width {cols}");
        long need = (long)(rows - 1) * ld + cols;
        if (rows > 0 && cols > 0 && length < need)
            throw new EngineException($"gemm: {name} holds {length} floats but a {rows}x{cols} matrix with stride {ld} needs {need}");
    }
}

/// <summary>Per-thread fallback scratch for callers that do not plan memory: pinned, allocated once per thread and size.</summary>
internal static unsafe class ThreadScratch
{
    [ThreadStatic] private static float[]? _buffer;

    public static float* Get(int length)
    {
        var buf = _buffer;
        if (buf is null || buf.Length < length)
        {
            buf = GC.AllocateUninitializedArray<float>(Math.Max(length, 1), pinned: true);
            _buffer = buf;
        }
        return (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buf[0]);
    }
}
