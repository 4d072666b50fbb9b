using Engine.Runtime;
using Engine.Runtime.Compute;
using static Engine.Tests.Compute.ComputeReference;

namespace Engine.Tests.Compute;

public class PackedGemmTests
{
    public static IEnumerable<object[]> Shapes()
    {
        int[][] sizes =
        [
            [1, 1, 1], [3, 7, 17], [17, 65, 3], [65, 17, 129], [129, 129, 65], [7, 129, 300], [100, 70, 513], [13, 33, 1], [25, 1, 40],
        ];
        foreach (var s in sizes)
            foreach (var isa in Paths)
                yield return [s[0], s[1], s[2], isa];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesNaiveProductForAllTransposesAndThreadCounts(int m, int n, int k, ComputeIsa isa)
    {
        if (!IsSupported(isa)) return;
        var a = Random(m * k, m * 31 + k);
        var b = Random(k * n, n * 17 + k);
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (int threads in new[] { 1, 2 })
                {
                    var packed = PackedGemm.PackB(b, k, n, transB);
                    var c = new float[m * n];
                    Array.Fill(c, float.NaN); // the product must overwrite, never read, C
                    PackedGemm.Run(m, n, k, a, transA ? m : k, transA, packed, c, n, threads: threads, isa: isa);
                    var expected = Gemm(m, n, k, a, transA, b, transB, Epilogue.None, null, null);
                    Close(expected, c, what: $"{m}x{n}x{k} tA={transA} tB={transB} t={threads} {isa}");
                }
    }

    public static IEnumerable<object[]> Epilogues()
    {
        Activation[] acts =
        [
            Activation.None, Activation.Relu, Activation.Relu6, Activation.Clip(-0.5f, 0.25f), Activation.LeakyRelu(0.1f),
            Activation.Sigmoid, Activation.Tanh, Activation.Gelu, Activation.GeluTanh, Activation.Silu,
        ];
        foreach (var act in acts)
            foreach (var bias in new[] { BiasKind.None, BiasKind.PerColumn, BiasKind.PerRow })
                foreach (var isa in Paths)
                    yield return [act.Kind, act.Alpha, act.Beta, bias, isa];
    }

    [Theory]
    [MemberData(nameof(Epilogues))]
    public void FusedEpiloguesMatchTheirDefinition(ActivationKind kind, float alpha, float beta, BiasKind biasKind, ComputeIsa isa)
    {
        if (!IsSupported(isa)) return;
        const int m = 37, n = 71, k = 29;
        var a = Random(m * k, 1, -2, 2);
        var b = Random(k * n, 2);
        var bias = Random(biasKind == BiasKind.PerRow ? m : n, 3);
        var residual = Random(m * n, 4, -3, 3);
        var packed = PackedGemm.PackB(b, k, n);
        foreach (bool withResidual in new[] { false, true })
            foreach (bool after in new[] { false, true })
                foreach (int threads in new[] { 1, 2 })
                {
                    if (!withResidual && after) continue;
                    var e = new Epilogue(biasKind, new Activation(kind, alpha, beta), after);
                    var c = new float[m * n];
                    var scratch = new float[PackedGemm.ScratchLength(m, n, k, threads)];
                    PackedGemm.Run(m, n, k, a, k, false, packed, c, n, e, bias, withResidual ? residual : default, 0, scratch, threads, isa);
                    var expected = Gemm(m, n, k, a, false, b, false, e, bias, withResidual ? residual : null);
                    Close(expected, c, what: $"{e} res={withResidual} t={threads} {isa}");
                }
    }

    [Fact]
    public void ResidualMayBeTheOutputItselfAndStridesAreHonoured()
    {
        const int m = 20, n = 35, k = 18, ldc = 40, lda = 21;
        var a = Random(m * lda, 5);
        var b = Random(k * n, 6);
        var c = Random(m * ldc, 7);
        var before = (float[])c.Clone();
        var aDense = new float[m * k];
        for (int i = 0; i < m; i++) Array.Copy(a, i * lda, aDense, i * k, k);
        PackedGemm.Run(m, n, k, a, lda, false, PackedGemm.PackB(b, k, n), c, ldc, Epilogue.Of(Activation.Relu), residual: c, ldr: ldc);
        var product = Gemm(m, n, k, aDense, false, b, false, Epilogue.None, null, null);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                if (j >= n) Assert.Equal(before[i * ldc + j], c[i * ldc + j]); // padding columns of C are untouched
                else Assert.True(Math.Abs(Math.Max(product[i * n + j] + before[i * ldc + j], 0) - c[i * ldc + j]) < 1e-4);
            }
    }

    [Fact]
    public void ZeroDepthGivesTheEpilogueOfZero()
    {
        var c = new float[6];
        Array.Fill(c, float.NaN);
        float[] bias = [1, -2, 3];
        PackedGemm.Run(2, 3, 0, [], 1, false, PackedGemm.PackB([], 0, 3), c, 3, Epilogue.Of(Activation.Relu, BiasKind.PerColumn), bias);
        Assert.Equal(new float[] { 1, 0, 3, 1, 0, 3 }, c);
    }

    [Fact]
    public void RejectsMismatchedPackingAndShortBuffers()
    {
        var packed = PackedGemm.PackB(new float[12], 3, 4);
        Assert.Throws<EngineException>(() => PackedGemm.Run(2, 4, 4, new float[8], 4, false, packed, new float[8], 4));
        Assert.Throws<EngineException>(() => PackedGemm.Run(2, 4, 3, new float[5], 3, false, packed, new float[8], 4));
        Assert.Throws<EngineException>(() => PackedGemm.Run(2, 4, 3, new float[6], 3, false, packed, new float[8], 4,
            Epilogue.Of(Activation.None, BiasKind.PerColumn), new float[3]));
    }

    [Fact]
    public void NoAllocationPerCallAfterWarmUp()
    {
        const int m = 130, n = 200, k = 300;
        var a = Random(m * k, 8);
        var packed = PackedGemm.PackB(Random(k * n, 9), k, n);
        var bias = Random(n, 10);
        var c = new float[m * n];
        var scratch = new float[PackedGemm.ScratchLength(m, n, k, 2)];
        var e = Epilogue.Of(Activation.Gelu, BiasKind.PerColumn);
        foreach (var withScratch in new[] { true, false })
        {
            // One single-threaded call first: with 2 threads the worker may take every block during warm-up, and the
            // calling thread would then allocate its per-thread fallback scratch inside the measured loop.
            PackedGemm.Run(m, n, k, a, k, false, packed, c, n, e, bias, default, 0, withScratch ? scratch : default, 1);
            for (int i = 0; i < 3; i++) PackedGemm.Run(m, n, k, a, k, false, packed, c, n, e, bias, default, 0, withScratch ? scratch : default, 2);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) PackedGemm.Run(m, n, k, a, k, false, packed, c, n, e, bias, default, 0, withScratch ? scratch : default, 2);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    internal static bool IsSupported(ComputeIsa isa) => isa switch
    {
        ComputeIsa.Avx512 => System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
        ComputeIsa.Avx2 => System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported,
        _ => true,
    };
}
