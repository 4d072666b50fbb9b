using Engine.Runtime;

namespace Engine.Tests.Ops.Loss;

public class EmbeddingLossTests
{
    [Fact]
    public void CosineEmbeddingMatchesTheReference()
    {
        var rng = new Random(1);
        var a = LossRunner.Random(rng, -1, 1, 4, 3);
        var b = LossRunner.Random(rng, -1, 1, 4, 3);
        var y = Tensor.FromArray(new long[] { 1, -1, -1, 1 }, 4);
        var av = a.ToDoubleArray();
        var bv = b.ToDoubleArray();
        var expected = new double[4];
        for (int i = 0; i < 4; i++)
        {
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < 3; k++)
            {
                dot += av[i * 3 + k] * bv[i * 3 + k];
                na += av[i * 3 + k] * av[i * 3 + k];
                nb += bv[i * 3 + k] * bv[i * 3 + k];
            }
            double cos = dot / Math.Sqrt(na * nb);
            expected[i] = i is 0 or 3 ? 1 - cos : Math.Max(0, cos - 0.1);
        }
        LossRunner.Close(expected, LossRunner.Run1("CosineEmbeddingLoss", [a, b, y], ("margin", 0.1f), ("reduction", "none")).ToDoubleArray(), 1e-9);
        Assert.Equal(expected.Average(), LossRunner.Scalar("CosineEmbeddingLoss", [a, b, y], ("margin", 0.1f)), 7);
    }

    [Theory]
    [InlineData("mean", -0.5f)]
    [InlineData("sum", 0.2f)]
    [InlineData("none", 0.0f)]
    public void CosineEmbeddingGradientMatchesFiniteDifferences(string reduction, float margin)
    {
        var rng = new Random(2);
        var a = LossRunner.Random(rng, -1, 1, 5, 4);
        var b = LossRunner.Random(rng, -1, 1, 5, 4);
        var y = Tensor.FromArray(new long[] { 1, -1, -1, 1, -1 }, 5);
        (string, object)[] attrs = [("reduction", reduction), ("margin", margin)];
        var dY = reduction == "none" ? LossRunner.Random(rng, -1, 1, 5) : Tensor.FromArray(new[] { 0.7 });
        var g = LossRunner.Run("CosineEmbeddingLossGrad", [dY, a, b, y], 2, attrs);
        LossRunner.CheckGradient("CosineEmbeddingLoss", [a, b, y], 0, dY, g[0].ToDoubleArray(), attrs);
        LossRunner.CheckGradient("CosineEmbeddingLoss", [a, b, y], 1, dY, g[1].ToDoubleArray(), attrs);
    }

    [Fact]
    public void TripletMarginMatchesTheReference()
    {
        var rng = new Random(3);
        var a = LossRunner.Random(rng, -1, 1, 3, 4);
        var p = LossRunner.Random(rng, -1, 1, 3, 4);
        var n = LossRunner.Random(rng, -1, 1, 3, 4);
        double D(double[] u, double[] v, int i) => Math.Sqrt(Enumerable.Range(0, 4).Sum(k => Math.Pow(u[i * 4 + k] - v[i * 4 + k] + 1e-6, 2)));
        var (av, pv, nv) = (a.ToDoubleArray(), p.ToDoubleArray(), n.ToDoubleArray());
        var plain = Enumerable.Range(0, 3).Select(i => Math.Max(D(av, pv, i) - D(av, nv, i) + 0.5, 0)).ToArray();
        var swapped = Enumerable.Range(0, 3).Select(i => Math.Max(D(av, pv, i) - Math.Min(D(av, nv, i), D(pv, nv, i)) + 0.5, 0)).ToArray();
        LossRunner.Close(plain, LossRunner.Run1("TripletMarginLoss", [a, p, n], ("margin", 0.5f), ("reduction", "none")).ToDoubleArray(), 1e-6);
        LossRunner.Close(swapped, LossRunner.Run1("TripletMarginLoss", [a, p, n], ("margin", 0.5f), ("swap", 1L), ("reduction", "none")).ToDoubleArray(), 1e-6);
    }

    [Theory]
    [InlineData(2.0f, 0L, "mean")]
    [InlineData(1.0f, 0L, "sum")]
    [InlineData(3.0f, 1L, "none")]
    public void TripletMarginGradientMatchesFiniteDifferences(float norm, long swap, string reduction)
    {
        var rng = new Random(4);
        var a = LossRunner.Random(rng, -1, 1, 4, 3);
        var p = LossRunner.Random(rng, -1, 1, 4, 3);
        var n = LossRunner.Random(rng, -1, 1, 4, 3);
        (string, object)[] attrs = [("reduction", reduction), ("p", norm), ("swap", swap), ("margin", 1.0f)];
        var dY = reduction == "none" ? LossRunner.Random(rng, -1, 1, 4) : Tensor.FromArray(new[] { 1.5 });
        var g = LossRunner.Run("TripletMarginLossGrad", [dY, a, p, n], 3, attrs);
        for (int i = 0; i < 3; i++) LossRunner.CheckGradient("TripletMarginLoss", [a, p, n], i, dY, g[i].ToDoubleArray(), attrs, 1e-5);
    }
}
