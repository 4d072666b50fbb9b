using Engine.Runtime;
using static Engine.Tests.Ops.Linalg.LinalgHarness;

namespace Engine.Tests.Ops.Linalg;

public class MatMulTests
{
    /// <summary>numpy.matmul computed from its definition, in double.</summary>
    private static (double[] Data, int[] Shape) NaiveMatMul(double[] a, int[] aShape, double[] b, int[] bShape)
    {
        int[] a2 = aShape.Length == 1 ? [1, aShape[0]] : aShape;
        int[] b2 = bShape.Length == 1 ? [bShape[0], 1] : bShape;
        int m = a2[^2], k = a2[^1], n = b2[^1];
        int rank = Math.Max(a2.Length, b2.Length);
        var batch = new int[rank - 2];
        for (int i = 0; i < batch.Length; i++)
        {
            int ai = i - (rank - a2.Length), bi = i - (rank - b2.Length);
            int da = ai >= 0 ? a2[ai] : 1, db = bi >= 0 ? b2[bi] : 1;
            batch[i] = Math.Max(da, db);
        }
        int count = batch.Aggregate(1, (x, y) => x * y);
        var r = new double[count * m * n];
        for (int bt = 0; bt < count; bt++)
        {
            // Decompose the batch index and map it into each operand (size-1 dims broadcast).
            int rem = bt, aOff = 0, bOff = 0, aStride = m * k, bStride = k * n;
            for (int i = batch.Length - 1; i >= 0; i--)
            {
                int idx = rem % batch[i];
                rem /= batch[i];
                int ai = i - (rank - a2.Length), bi = i - (rank - b2.Length);
                if (ai >= 0) { aOff += (a2[ai] == 1 ? 0 : idx) * aStride; aStride *= a2[ai]; }
                if (bi >= 0) { bOff += (b2[bi] == 1 ? 0 : idx) * bStride; bStride *= b2[bi]; }
            }
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (int p = 0; p < k; p++) acc += a[aOff + i * k + p] * b[bOff + p * n + j];
                    r[bt * m * n + i * n + j] = acc;
                }
        }
        var shape = new List<int>(batch);
        if (aShape.Length > 1) shape.Add(m);
        if (bShape.Length > 1) shape.Add(n);
        return (r, shape.ToArray());
    }

    public static TheoryData<int[], int[]> Shapes => new()
    {
        { [3], [3] },
        { [4], [2, 4, 1] },
        { [1, 2, 4, 3], [3] },
        { [5, 7], [7, 3] },
        { [3, 1, 3, 4], [1, 2, 4, 2] },
        { [2, 3, 5, 6], [6, 9] },
        { [6, 9], [2, 3, 9, 4] },
        { [0, 3], [3, 4] },
        { [2, 0], [0, 4] },
        { [40, 70, 33], [33, 65] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FloatMatchesDefinition(int[] aShape, int[] bShape)
    {
        int na = aShape.Aggregate(1, (x, y) => x * y), nb = bShape.Aggregate(1, (x, y) => x * y);
        var a = Random(na, 1);
        var b = Random(nb, 2);
        var (want, shape) = NaiveMatMul(a.Select(x => (double)x).ToArray(), aShape, b.Select(x => (double)x).ToArray(), bShape);
        foreach (int threads in new[] { 1, 2 })
        {
            var y = Run("MatMul", [Tensor.FromArray(a, aShape), Tensor.FromArray(b, bShape)], threads);
            Assert.Equal(shape, y.Shape);
            Close(want, y.ToDoubleArray());
        }
    }

    [Fact]
    public void DoubleAndIntegerTypes()
    {
        int[] aShape = [2, 3, 4], bShape = [4, 5];
        var a = Enumerable.Range(0, 24).Select(i => (double)(i % 7 - 3)).ToArray();
        var b = Enumerable.Range(0, 20).Select(i => (double)(i % 5 - 2)).ToArray();
        var (want, shape) = NaiveMatMul(a, aShape, b, bShape);

        var yd = Run("MatMul", [Tensor.FromArray(a, aShape), Tensor.FromArray(b, bShape)]);
        Assert.Equal(DataType.Double, yd.Type);
        Close(want, yd.ToDoubleArray(), 1e-12, 0);

        var yi = Run("MatMul", [Tensor.FromArray(a.Select(x => (long)x).ToArray(), aShape), Tensor.FromArray(b.Select(x => (long)x).ToArray(), bShape)]);
        Assert.Equal(shape, yi.Shape);
        Assert.Equal(want.Select(x => (long)x).ToArray(), yi.As<long>());

        var yu = Run("MatMul", [Tensor.FromArray(a.Select(x => (uint)(x + 3)).ToArray(), aShape), Tensor.FromArray(b.Select(x => (uint)(x + 2)).ToArray(), bShape)]);
        var (wantU, _) = NaiveMatMul(a.Select(x => x + 3).ToArray(), aShape, b.Select(x => x + 2).ToArray(), bShape);
        Assert.Equal(wantU.Select(x => (uint)x).ToArray(), yu.As<uint>());
    }

    [Fact]
    public void HalfPrecisionRoundsOnce()
    {
        var a = Random(12, 3);
        var b = Random(12, 4);
        var (want, _) = NaiveMatMul(a.Select(x => (double)(float)(Half)x).ToArray(), [3, 4], b.Select(x => (double)(float)(Half)x).ToArray(), [4, 3]);
        var y = Run("MatMul", [Tensor.FromArray(a.Select(x => (Half)x).ToArray(), 3, 4), Tensor.FromArray(b.Select(x => (Half)x).ToArray(), 4, 3)]);
        Assert.Equal(DataType.Float16, y.Type);
        Close(want.Select(x => (double)(Half)x).ToArray(), y.ToDoubleArray(), 1e-3, 1e-3);
    }

    [Fact]
    public void MismatchedInnerDimsFailWithNodeName()
    {
        var e = Assert.ThrowsAny<EngineException>(() => Run("MatMul", [Tensor.FromArray(new float[6], 2, 3), Tensor.FromArray(new float[8], 4, 2)]));
        Assert.Contains("n", e.Message);
        Assert.ThrowsAny<EngineException>(() => Run("MatMul", [Tensor.FromArray(new float[12], 2, 2, 3), Tensor.FromArray(new float[18], 3, 3, 2)]));
    }

    [Theory]
    [InlineData(0, 0, 1f, 1f, new[] { 1, 4 })]
    [InlineData(1, 0, 0.5f, 2f, new[] { 3, 4 })]
    [InlineData(0, 1, -1f, 0.25f, new[] { 3, 1 })]
    [InlineData(1, 1, 2f, 1f, new int[0])]
    [InlineData(1, 1, 2f, 0f, new[] { 4 })]
    public void GemmMatchesDefinition(int transA, int transB, float alpha, float beta, int[] cShape)
    {
        int m = 3, k = 5, n = 4;
        var a = Random(m * k, 5);
        var b = Random(k * n, 6);
        var c = Random(cShape.Aggregate(1, (x, y) => x * y), 7);
        var want = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++) acc += (double)(transA != 0 ? a[p * m + i] : a[i * k + p]) * (transB != 0 ? b[j * k + p] : b[p * n + j]);
                int ci = cShape.Length switch { 0 => 0, 1 => cShape[0] == 1 ? 0 : j, _ => (cShape[0] == 1 ? 0 : i) * cShape[1] + (cShape[1] == 1 ? 0 : j) };
                want[i * n + j] = alpha * acc + beta * c[ci];
            }
        int[] aShape = transA != 0 ? [k, m] : [m, k], bShape = transB != 0 ? [n, k] : [k, n];
        var y = Run("Gemm", [Tensor.FromArray(a, aShape), Tensor.FromArray(b, bShape), Tensor.FromArray(c, cShape)],
            ("transA", (long)transA), ("transB", (long)transB), ("alpha", alpha), ("beta", beta));
        Assert.Equal(new[] { m, n }, y.Shape);
        Close(want, y.ToDoubleArray());

        var yd = Run("Gemm", [Tensor.FromArray(a.Select(x => (double)x).ToArray(), aShape), Tensor.FromArray(b.Select(x => (double)x).ToArray(), bShape),
            Tensor.FromArray(c.Select(x => (double)x).ToArray(), cShape)],
            ("transA", (long)transA), ("transB", (long)transB), ("alpha", alpha), ("beta", beta));
        Close(want, yd.ToDoubleArray(), 1e-6, 1e-7);
    }

    [Fact]
    public void GemmWithoutC()
    {
        var y = Run("Gemm", [Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2), Tensor.FromArray(new float[] { 5, 6, 7, 8 }, 2, 2)], ("alpha", 2f));
        Assert.Equal(new float[] { 38, 44, 86, 100 }, y.As<float>());
        Assert.ThrowsAny<EngineException>(() => Run("Gemm", [Tensor.FromArray(new float[4], 2, 2), Tensor.FromArray(new float[4], 2, 2), Tensor.FromArray(new float[3], 3)]));
    }

    [Fact]
    public void GemmOpset6BroadcastAttributeImports()
    {
        var a = Tensor.FromArray(Random(6, 8), 2, 3);
        var b = Tensor.FromArray(Random(12, 9), 3, 4);
        var c = Tensor.FromArray(Random(4, 10), 4);
        // ORT has no Gemm-6 kernel: compare our opset-6 import with ORT's opset-9 answer.
        var want = MatchesOrt("Gemm", 9, [("a", a, false), ("b", b, false), ("c", c, false)], 2, ("beta", 0.5f));
        var model = Model("Gemm", 6, [("a", a, false), ("b", b, false), ("c", c, false)], 2, DataType.Float, ("broadcast", 1L), ("beta", 0.5f));
        Close(want, RunOurs(model, new() { ["a"] = a, ["b"] = b, ["c"] = c }));
    }
}
