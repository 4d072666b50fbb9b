using System.Runtime.Intrinsics.X86;
using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Tests.Ops.Linalg;

public class SgemmTests
{
    public static IEnumerable<object[]> Paths()
    {
        yield return [Sgemm.Path.Scalar];
        if (Avx2.IsSupported && Fma.IsSupported) yield return [Sgemm.Path.Avx2];
        if (Avx512F.IsSupported) yield return [Sgemm.Path.Avx512];
    }

    private static readonly int[] Sizes = [1, 7, 17, 63, 129];

    /// <summary>C = alpha·op(A)·op(B) + beta·C computed in double, straight from the definition.</summary>
    private static float[] Naive(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var r = (float[])c.Clone();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                    acc += (double)(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                r[i * ldc + j] = beta == 0 ? (float)(alpha * acc) : (float)(alpha * acc + beta * c[i * ldc + j]);
            }
        return r;
    }

    private static float[] Random(Random rnd, int len)
    {
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rnd.NextDouble() * 2 - 1);
        return x;
    }

    private static void Check(Sgemm.Path path, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad, int threads, int seed)
    {
        var rnd = new Random(seed);
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        var a = Random(rnd, (aRows - 1) * lda + aCols);
        var b = Random(rnd, (bRows - 1) * ldb + bCols);
        var c = Random(rnd, (m - 1) * ldc + n + pad);
        var want = Naive(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        var got = (float[])c.Clone();
        Sgemm.Gemm(path, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, got, ldc, threads);
        for (int i = 0; i < got.Length; i++)
        {
            float tol = 1e-4f * (k + 1);
            Assert.True(Math.Abs(got[i] - want[i]) <= tol,
                $"{path} ta={ta} tb={tb} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}: element {i} is {got[i]}, want {want[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesNaiveOnOddSizesAllTransposes(Sgemm.Path path)
    {
        int seed = 0;
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (int m in Sizes)
                    foreach (int n in Sizes)
                        foreach (int k in Sizes)
                        {
                            // Cover the alpha/beta/stride variants on a rotating basis to keep the test quick.
                            float alpha = (seed % 3) switch { 0 => 1f, 1 => -0.5f, _ => 2f };
                            float beta = (seed % 4) switch { 0 => 0f, 1 => 1f, 2 => 0.25f, _ => -1f };
                            int pad = seed % 2 == 0 ? 0 : 3;
                            Check(path, ta, tb, m, n, k, alpha, beta, pad, 1, seed++);
                        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void LargeBlockedAndThreaded(Sgemm.Path path)
    {
        // Sizes beyond one K block (256) and one M block, with edge tiles in every direction.
        Check(path, false, false, 201, 300, 517, 1f, 0f, 5, 1, 1);
        Check(path, true, true, 201, 300, 517, 0.5f, 2f, 1, 2, 2);
        Check(path, true, false, 3, 2100, 300, 1f, 1f, 0, 2, 3);
        Check(path, false, true, 300, 5, 70, -1f, 0.5f, 2, 2, 4);
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        var a = new float[] { 1, 2, 3, 4 };
        var b = new float[] { 1, 0, 0, 1 };
        var c = new float[] { float.NaN, float.NaN, float.NaN, float.NaN };
        Sgemm.Gemm(false, false, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
    }

    [Fact]
    public void KZeroScalesC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Sgemm.Gemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 3f, c, 2);
        Assert.Equal(new float[] { 3, 6, 9, 12 }, c);
        Sgemm.Gemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Assert.Equal(new float[] { 0, 0, 0, 0 }, c);
    }

    [Fact]
    public void ShortBufferIsRejected()
    {
        var c = new float[4];
        Assert.Throws<EngineException>(() => Sgemm.Gemm(false, false, 2, 2, 2, 1f, new float[3], 2, new float[4], 2, 0f, c, 2));
        Assert.Throws<EngineException>(() => Sgemm.Gemm(false, false, 2, 2, 2, 1f, new float[4], 1, new float[4], 2, 0f, c, 2));
    }
}
