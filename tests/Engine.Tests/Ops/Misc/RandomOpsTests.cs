using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

public class RandomOpsTests
{
    [Fact]
    public void RandomOpsAreImpureAndOpaque()
    {
        foreach (var op in new[] { "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial" })
        {
            var s = OpRegistry.Default.Get(op);
            Assert.False(s.IsPure, op);
            Assert.Equal(FusionKind.Opaque, s.Fusion);
        }
    }

    [Fact]
    public void UniformStaysInRangeAndSeedIsReproducible()
    {
        var a = ReduceFamilyRunner.Run("RandomUniform", [], 1, false, 0, ("shape", new long[] { 50, 40 }), ("low", -2f), ("high", 3f), ("seed", 5f))[0];
        var b = ReduceFamilyRunner.Run("RandomUniform", [], 1, false, 7, ("shape", new long[] { 50, 40 }), ("low", -2f), ("high", 3f), ("seed", 5f))[0];
        Assert.Equal(new[] { 50, 40 }, a.Shape);
        Assert.All(a.As<float>(), v => Assert.InRange(v, -2f, 3f));
        Assert.Equal(a.As<float>(), b.As<float>());
        Assert.InRange(a.As<float>().Average(), 0.2, 0.8);
    }

    [Fact]
    public void NormalLikeTakesShapeAndTypeFromInput()
    {
        var x = Tensor.Zeros(DataType.Double, 100, 100);
        var y = ReduceFamilyRunner.Run1("RandomNormalLike", [x], ("mean", 3f), ("scale", 2f));
        Assert.Equal(DataType.Double, y.Type);
        var v = y.As<double>();
        double mean = v.Average();
        double sd = Math.Sqrt(v.Sum(t => (t - mean) * (t - mean)) / v.Length);
        Assert.InRange(mean, 2.9, 3.1);
        Assert.InRange(sd, 1.9, 2.1);
    }

    [Fact]
    public void BernoulliRespectsCertainProbabilities()
    {
        var p = Tensor.FromArray(new[] { 0f, 1f, 0f, 1f }, 4);
        var y = ReduceFamilyRunner.Run1("Bernoulli", [p], ("dtype", (long)DataType.Bool));
        Assert.Equal(new[] { false, true, false, true }, y.As<bool>());
    }

    [Fact]
    public void MultinomialSamplesOnlyPossibleClasses()
    {
        var logits = Tensor.FromArray(new[] { float.NegativeInfinity, 0f, float.NegativeInfinity, 0f, 0f, float.NegativeInfinity }, 2, 3);
        var y = ReduceFamilyRunner.Run1("Multinomial", [logits], ("sample_size", 20L), ("dtype", (long)DataType.Int64));
        Assert.Equal(new[] { 2, 20 }, y.Shape);
        var s = y.As<long>();
        Assert.All(s[..20], v => Assert.Equal(1L, v));
        Assert.All(s[20..], v => Assert.InRange(v, 0L, 1L));
        Assert.Contains(0L, s[20..]);
        Assert.Contains(1L, s[20..]);
    }
}
