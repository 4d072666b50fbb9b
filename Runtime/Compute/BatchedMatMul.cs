using System.Runtime.CompilerServices;

namespace Engine.Runtime.Compute;

/// <summary>
/// Batched MatMul (numpy semantics, 3-D/4-D/5-D with broadcast batch dims) on <see cref="PackedGemm"/>.
/// A constant B is packed once by <see cref="PackB"/> (every distinct B matrix, one after the other);
/// a dynamic B is packed per call into the caller's scratch by <see cref="RunDynamic"/>.
/// </summary>
/// <remarks>
/// Three schedules: a single B shared by contiguous A matrices folds the batch into M (one big GEMM, split
/// across threads by PackedGemm); many small products run one whole product per task in parallel; a few large
/// ones run one after the other, each split across threads.
/// </remarks>
public static unsafe class BatchedMatMul
{
    /// <summary>Floats of one packed B matrix.</summary>
    public static int PackedMatrixLength(in BatchedMatMulShape s) => PackedGemm.PackedBLength(s.K, s.N);

    /// <summary>Length of all of B's matrices packed.</summary>
    public static int PackedBLength(in BatchedMatMulShape s) => checked(s.BCount * PackedMatrixLength(s));

    /// <summary>Packs each of B's <see cref="BatchedMatMulShape.BCount"/> K×N matrices for <see cref="Run"/>.</summary>
    public static float[] PackB(ReadOnlySpan<float> b, in BatchedMatMulShape s)
    {
        s.Validate();
        var dst = new float[PackedBLength(s)];
        fixed (float* bp = b)
        fixed (float* dp = dst)
        {
            if (b.Length < (long)s.BCount * s.K * s.N) throw new EngineException($"batched matmul: B has {b.Length} floats, expected {(long)s.BCount * s.K * s.N}");
            PackAll(s, bp, dp, 1);
        }
        return dst;
    }

    private static bool PerBatch(in BatchedMatMulShape s, int threads)
        => threads > 1 && s.Batch >= 2 && (s.Batch >= threads || 2L * s.M * s.N * s.K < 1 << 22);

    private static int GemmScratch(in BatchedMatMulShape s, int threads)
    {
        if (s.FoldsIntoM) return PackedGemm.ScratchLength(checked(s.Batch * s.M), s.N, s.K, threads);
        return PerBatch(s, threads) ? threads * PackedGemm.ScratchLength(s.M, s.N, s.K, 1) : PackedGemm.ScratchLength(s.M, s.N, s.K, threads);
    }

    /// <summary>Scratch floats <see cref="Run"/> needs (B pre-packed).</summary>
    public static int ScratchLength(in BatchedMatMulShape s, int threads)
    {
        s.Validate();
        return GemmScratch(s, Math.Clamp(threads, 1, ParallelFor.MaxThreads));
    }

    /// <summary>Scratch floats <see cref="RunDynamic"/> needs: the packed B matrices plus the GEMM scratch.</summary>
    public static int DynamicScratchLength(in BatchedMatMulShape s, int threads) => checked(PackedBLength(s) + ScratchLength(s, threads));

    /// <summary>C = A·B for a B given as plain K×N matrices: packs them into the front of <paramref name="scratch"/>.</summary>
    public static void RunDynamic(in BatchedMatMulShape s, float* a, float* b, float* c, float* scratch, int threads = 1, ComputeIsa isa = ComputeIsa.Auto)
    {
        s.Validate();
        if (s.Batch == 0 || s.M == 0 || s.N == 0) return;
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        PackAll(s, b, scratch, threads);
        Run(s, a, scratch, c, scratch + PackedBLength(s), threads, isa);
    }

    /// <summary>
    /// C = A·B with B packed by <see cref="PackB"/>. <paramref name="scratch"/> holds <see cref="ScratchLength"/>
    /// floats. C must not overlap A, B or the scratch.
    /// </summary>
    public static void Run(in BatchedMatMulShape s, float* a, float* packedB, float* c, float* scratch, int threads = 1, ComputeIsa isa = ComputeIsa.Auto)
    {
        s.Validate();
        if (s.Batch == 0 || s.M == 0 || s.N == 0) return;
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        int packed = PackedMatrixLength(s);
        long mk = (long)s.M * s.K, mn = (long)s.M * s.N;
        if (s.FoldsIntoM)
        {
            int rows = checked(s.Batch * s.M);
            PackedGemm.Run(rows, s.N, s.K, new ReadOnlySpan<float>(a, checked((int)(rows * (long)s.K))), s.K, false,
                new ReadOnlySpan<float>(packedB, packed), new Span<float>(c, checked((int)(rows * (long)s.N))), s.N,
                scratch: new Span<float>(scratch, GemmScratch(s, threads)), threads: threads, isa: isa);
            return;
        }
        if (PerBatch(s, threads))
        {
            var body = new BatchBody
            {
                S = s,
                A = a,
                B = packedB,
                C = c,
                Scratch = scratch,
                PerWorker = PackedGemm.ScratchLength(s.M, s.N, s.K, 1),
                Packed = packed,
                Isa = isa,
            };
            ParallelFor.Run(s.Batch, threads, ref body);
            return;
        }
        int scr = GemmScratch(s, threads);
        for (int i = 0; i < s.Batch; i++)
        {
            PackedGemm.Run(s.M, s.N, s.K, new ReadOnlySpan<float>(a + s.AIndex(i) * mk, (int)mk), s.K, false,
                new ReadOnlySpan<float>(packedB + (long)s.BIndex(i) * packed, packed), new Span<float>(c + i * mn, (int)mn), s.N,
                scratch: new Span<float>(scratch, scr), threads: threads, isa: isa);
        }
    }

    private struct BatchBody : IParallelBody
    {
        public BatchedMatMulShape S;
        public float* A, B, C, Scratch;
        public int PerWorker, Packed;
        public ComputeIsa Isa;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int i, int worker)
        {
            long mk = (long)S.M * S.K, mn = (long)S.M * S.N;
            PackedGemm.Run(S.M, S.N, S.K, new ReadOnlySpan<float>(A + S.AIndex(i) * mk, (int)mk), S.K, false,
                new ReadOnlySpan<float>(B + (long)S.BIndex(i) * Packed, Packed), new Span<float>(C + i * mn, (int)mn), S.N,
                scratch: new Span<float>(Scratch + (long)worker * PerWorker, PerWorker), threads: 1, isa: Isa);
        }
    }

    private static void PackAll(in BatchedMatMulShape s, float* b, float* dst, int threads)
    {
        if (s.N == 0) return;
        var body = new PackBody { K = s.K, N = s.N, B = b, Dst = dst, Packed = PackedMatrixLength(s) };
        ParallelFor.Run(s.BCount, (long)s.BCount * s.K * s.N < 1 << 16 ? 1 : threads, ref body);
    }

    private struct PackBody : IParallelBody
    {
        public int K, N, Packed;
        public float* B, Dst;

        public readonly void Execute(int i, int worker)
        {
            long kn = (long)K * N;
            PackedGemm.PackB(new ReadOnlySpan<float>(B + i * kn, (int)kn), K, N, false, 0, new Span<float>(Dst + (long)i * Packed, Packed));
        }
    }
}
