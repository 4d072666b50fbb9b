using Engine.Runtime;

namespace Engine.Tests.Ops;

public class LabelEncoderOpsTests
{
    [Fact]
    public void MapsIntegersToStringsWithTheStringDefault()
    {
        var y = MlHarness.Run1("LabelEncoder", Tensor.FromArray(new long[] { 1, 2, 9, 1 }, 2, 2),
            ("keys_int64s", new long[] { 1, 2 }), ("values_strings", new[] { "one", "two" }), ("default_string", "?"));
        Assert.Equal(new[] { 2, 2 }, y.Shape);
        Assert.Equal(new[] { "one", "two", "?", "one" }, y.As<string>());
    }

    [Fact]
    public void FloatKeysMatchNaNAndTheLastRepeatedKeyWins()
    {
        var y = MlHarness.Run1("LabelEncoder", Tensor.FromArray(new[] { float.NaN, 0.5f, 2f, -0f }, 4),
            ("keys_floats", new[] { float.NaN, 0.5f, 0.5f, 0f }), ("values_int64s", new long[] { 7, 1, 2, 3 }));
        Assert.Equal(new long[] { 7, 2, -1, 3 }, y.As<long>());
    }

    [Fact]
    public void StringsToFloatsUseDefaultFloat()
    {
        var y = MlHarness.Run1("LabelEncoder", Tensor.FromArray(new[] { "a", "z" }, 2),
            ("keys_strings", new[] { "a" }), ("values_floats", new[] { 1.5f }), ("default_float", 9f));
        Assert.Equal(new float[] { 1.5f, 9 }, y.As<float>());
    }

    [Fact]
    public void TensorKeysAndValuesKeepTheirTypes()
    {
        var y = MlHarness.Run1("LabelEncoder", Tensor.FromArray(new[] { 3, 4, 5 }, 3),
            ("keys_tensor", Tensor.FromArray(new[] { 3, 5 }, 2)), ("values_tensor", Tensor.FromArray(new short[] { 30, 50 }, 2)),
            ("default_tensor", Tensor.FromArray(new short[] { -9 }, 1)));
        Assert.Equal(DataType.Int16, y.Type);
        Assert.Equal(new short[] { 30, -9, 50 }, y.As<short>());
    }

    [Fact]
    public void RejectsKeysAndValuesOfDifferentLengths()
    {
        Assert.Throws<EngineException>(() => MlHarness.Run1("LabelEncoder", Tensor.FromArray(new long[] { 1 }, 1),
            ("keys_int64s", new long[] { 1, 2 }), ("values_int64s", new long[] { 1 })));
    }
}
