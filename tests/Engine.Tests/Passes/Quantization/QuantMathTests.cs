using Engine.Passes.Quantization;
using Engine.Runtime;
using Google.Protobuf;
using Xunit;

namespace Engine.Tests.Passes.Quantization;

/// <summary>The quantization arithmetic against hand computations.</summary>
public class QuantMathTests
{
    [Fact]
    public void PerChannelWeightsUseEachChannelsMaxAbs()
    {
        // Two output channels (axis 0) of three values.
        var w = new Tensor(DataType.Float, [2, 3], new[] { 0.5f, -1.27f, 0.01f, 2.54f, 0f, -0.02f });
        var (q, scales) = QuantParams.PerChannel(w, 0);
        Assert.Equal(new[] { 0.01f, 0.02f }, scales, (a, b) => Math.Abs(a - b) < 1e-7f);
        Assert.Equal(new sbyte[] { 50, -127, 1, 127, 0, -1 }, q);
        // Along axis 1 (Gemm's [K, N] weight): three channels.
        var (_, s1) = QuantParams.PerChannel(w, 1);
        Assert.Equal(3, s1.Length);
        Assert.Equal(2.54f / 127, s1[0], 6);
    }

    [Fact]
    public void ActivationRangesContainZeroExactly()
    {
        var (s, zp) = QuantParams.ForActivation(0.5f, 2.55f, ActivationType.UInt8);
        Assert.Equal(0.01f, s, 6);
        Assert.Equal(0, zp);
        (s, zp) = QuantParams.ForActivation(-1f, 1.55f, ActivationType.UInt8);
        Assert.Equal(0.01f, s, 6);
        Assert.Equal(100, zp);
        (s, zp) = QuantParams.ForActivation(-2.54f, 1f, ActivationType.Int8);
        Assert.Equal(0.02f, s, 6);
        Assert.Equal(0, zp);
    }

    [Fact]
    public void BiasIsInt32AtInputTimesWeightScale()
    {
        var (q, scales) = QuantParams.Bias(new Tensor(DataType.Float, [2], new[] { 0.3f, -0.06f }), 0.1f, [0.01f, 0.02f]);
        Assert.Equal(new[] { 300, -30 }, q);
        Assert.Equal(0.002f, scales[1], 7);
    }

    [Fact]
    public void PercentileClipsOutliersAndEntropyFindsTheBulk()
    {
        var rng = new Random(3);
        var values = new float[100_000];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        values[17] = 40f; // one far outlier
        var stats = new ActivationStats(1 << 17, 1);
        stats.Add(values);
        Assert.Equal(40f, stats.Max);
        var mm = RangeChooser.Choose(stats, new QuantizationOptions());
        Assert.Equal(40f, mm.Hi);
        var pct = RangeChooser.Choose(stats, new QuantizationOptions { Method = CalibrationMethod.Percentile, Percentile = 99.9 });
        Assert.InRange(pct.Hi, 2.8f, 3.6f); // the 99.9th percentile of N(0, 1) is 3.09
        Assert.InRange(stats.ClippedFraction(pct.Lo, pct.Hi), 0.001, 0.003);
        var ent = RangeChooser.Choose(stats, new QuantizationOptions { Method = CalibrationMethod.Entropy });
        Assert.InRange(ent.Hi, 2f, 12f);
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        Assert.Equal(0x3F80, WeightStorage.ToBFloat16(1f));
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to the even mantissa (1).
        Assert.Equal(0x3F80, WeightStorage.ToBFloat16(1.00390625f));
        Assert.Equal(0x3F81, WeightStorage.ToBFloat16(1.0078125f));
        Assert.Equal(0x3F82, WeightStorage.ToBFloat16(1.01171875f)); // 1 + 3·2^-8 → up to even 1 + 2^-6
    }
}
