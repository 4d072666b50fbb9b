using Engine.Runtime;

namespace Engine.Tests.Ops;

public class EncoderOpsTests
{
    [Fact]
    public void ImputerReplacesNaNPerFeature()
    {
        var x = Tensor.FromArray(new[] { float.NaN, 1, 2, float.NaN }, 2, 2);
        var y = MlHarness.Run1("Imputer", x, ("imputed_value_floats", new[] { 10f, 20f }), ("replaced_value_float", float.NaN));
        Assert.Equal(new float[] { 10, 1, 2, 20 }, y.As<float>());
    }

    [Fact]
    public void ImputerReplacesAMarkerIntegerWithOneValue()
    {
        var y = MlHarness.Run1("Imputer", Tensor.FromArray(new long[] { -1, 5, -1 }, 3),
            ("imputed_value_int64s", new long[] { 0 }), ("replaced_value_int64", -1L));
        Assert.Equal(new long[] { 0, 5, 0 }, y.As<long>());
    }

    [Fact]
    public void OneHotEncoderAddsACategoryAxis()
    {
        var y = MlHarness.Run1("OneHotEncoder", Tensor.FromArray(new[] { "b", "z", "a" }, 1, 3), ("cats_strings", new[] { "a", "b" }));
        Assert.Equal(new[] { 1, 3, 2 }, y.Shape);
        Assert.Equal(new float[] { 0, 1, 0, 0, 1, 0 }, y.As<float>());
    }

    [Fact]
    public void OneHotEncoderFailsOnUnknownCategoryWhenZerosIsOff()
    {
        Assert.Throws<EngineException>(() => MlHarness.Run1("OneHotEncoder", Tensor.FromArray(new long[] { 3 }, 1),
            ("cats_int64s", new long[] { 1, 2 }), ("zeros", 0L)));
        var y = MlHarness.Run1("OneHotEncoder", Tensor.FromArray(new double[] { 2, 1.5 }, 2), ("cats_int64s", new long[] { 1, 2 }));
        Assert.Equal(new float[] { 0, 1, 0, 0 }, y.As<float>());
    }

    [Fact]
    public void CategoryMapperMapsBothWays()
    {
        (string, object)[] cats = [("cats_strings", new[] { "cat", "dog" }), ("cats_int64s", new long[] { 7, 9 })];
        Assert.Equal(new long[] { 9, -1, 7 }, MlHarness.Run1("CategoryMapper", Tensor.FromArray(new[] { "dog", "cow", "cat" }, 3), cats).As<long>());
        Assert.Equal(new[] { "cat", "_Unused" }, MlHarness.Run1("CategoryMapper", Tensor.FromArray(new long[] { 7, 8 }, 2), cats).As<string>());
    }

    [Fact]
    public void FeatureVectorizerConcatenatesPaddingShortInputs()
    {
        var a = Tensor.FromArray(new[] { 1, 2, 3, 4 }, 2, 2);
        var b = Tensor.FromArray(new double[] { 5, 6 }, 2, 1);
        var y = MlHarness.Run("FeatureVectorizer", [a, b], 1, ("inputdimensions", new long[] { 2, 2 }))[0];
        Assert.Equal(new[] { 2, 4 }, y.Shape);
        Assert.Equal(new float[] { 1, 2, 5, 0, 3, 4, 6, 0 }, y.As<float>());
    }
}
