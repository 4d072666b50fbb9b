using Engine.Runtime;

namespace Engine.Tests.Ops;

public class NormalizationTests
{
    private static Tensor F(float[] v, params int[] shape) => Tensor.FromArray(v, shape);

    [Fact]
    public void BatchNormInference()
    {
        var x = F([-1, 0, 1, 2, 3, 4], 1, 2, 1, 3);
        var y = NnHarness.Run1("BatchNormalization", [x, F([1, 1.5f], 2), F([0, 1], 2), F([0, 3], 2), F([1, 1.5f], 2)]);
        double eps = 1e-5;
        var expected = new[] { -1, 0, 1 }.Select(v => (float)(v / Math.Sqrt(1 + eps)))
            .Concat(new[] { 2, 3, 4 }.Select(v => (float)((v - 3) / Math.Sqrt(1.5 + eps) * 1.5 + 1))).ToArray();
        NnHarness.Close(expected, y.As<float>());
        // The double path (no float fast path) gives the same numbers.
        var yd = NnHarness.Run1("BatchNormalization", [Tensor.FromArray(new double[] { -1, 0, 1, 2, 3, 4 }, 1, 2, 1, 3),
            Tensor.FromArray(new double[] { 1, 1.5 }, 2), Tensor.FromArray(new double[] { 0, 1 }, 2), Tensor.FromArray(new double[] { 0, 3 }, 2), Tensor.FromArray(new double[] { 1, 1.5 }, 2)]);
        NnHarness.Close(expected, yd.As<double>().Select(v => (float)v).ToArray());
    }

    [Fact]
    public void BatchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes()
    {
        var x = F([1, 2, 3, 4], 2, 1, 1, 2);
        var outs = NnHarness.Run("BatchNormalization", [x, F([2], 1), F([0.5f], 1), F([1], 1), F([3], 1)], 3, 1, ("training_mode", 1L), ("momentum", 0.8f));
        double mu = 2.5, var = 1.25;
        NnHarness.Close(new[] { 1, 2, 3, 4 }.Select(v => (float)((v - mu) / Math.Sqrt(var + 1e-5) * 2 + 0.5)).ToArray(), outs[0].As<float>());
        NnHarness.Close(new[] { (float)(1 * 0.8 + mu * 0.2) }, outs[1].As<float>());
        NnHarness.Close(new[] { (float)(3 * 0.8 + var * 0.2) }, outs[2].As<float>());
    }

    [Fact]
    public void BatchNormAcceptsLegacyPerElementParameters()
    {
        // BatchNormalization-7 spatial=0: one statistic per (channel, position).
        var x = F([1, 2, 3, 4], 1, 2, 2);
        var y = NnHarness.Run1("BatchNormalization", [x, F([1, 1, 1, 1], 2, 2), F([0, 0, 0, 0], 2, 2), F([1, 2, 3, 4], 2, 2), F([1, 1, 1, 1], 2, 2)]);
        NnHarness.Close(new float[] { 0, 0, 0, 0 }, y.As<float>());
        Assert.Throws<EngineException>(() => NnHarness.Run1("BatchNormalization", [x, F([1, 1, 1], 3), F([0, 0, 0], 3), F([1, 2, 3], 3), F([1, 1, 1], 3)]));
    }

    [Fact]
    public void InstanceNormOnnxExample()
    {
        var y = NnHarness.Run1("InstanceNormalization", [F([-1, 0, 1, -1, 2, 3], 1, 2, 1, 3), F([1, 1.5f], 2), F([0, 1], 2)]);
        double v1 = 2.0 / 3, m2 = 4.0 / 3, v2 = (Math.Pow(-1 - m2, 2) + Math.Pow(2 - m2, 2) + Math.Pow(3 - m2, 2)) / 3;
        var expected = new[] { -1.0, 0, 1 }.Select(v => (float)(v / Math.Sqrt(v1 + 1e-5)))
            .Concat(new[] { -1.0, 2, 3 }.Select(v => (float)((v - m2) / Math.Sqrt(v2 + 1e-5) * 1.5 + 1))).ToArray();
        NnHarness.Close(expected, y.As<float>());
    }

    [Fact]
    public void LayerNormProducesMeanAndInvStdDev()
    {
        var x = F([1, 2, 3, 2, 4, 9], 2, 3);
        var outs = NnHarness.Run("LayerNormalization", [x, F([1, 2, 3], 3), F([0, 0, 1], 3)], 3, 1);
        Assert.Equal(new[] { 2, 1 }, outs[1].Shape);
        NnHarness.Close(new float[] { 2, 5 }, outs[1].As<float>());
        double inv0 = 1 / Math.Sqrt(2.0 / 3 + 1e-5), inv1 = 1 / Math.Sqrt(26.0 / 3 + 1e-5);
        NnHarness.Close(new[] { (float)inv0, (float)inv1 }, outs[2].As<float>());
        NnHarness.Close(new[] { (float)(-inv0), 0, (float)(3 * inv0 + 1), (float)(-3 * inv1), (float)(-2 * inv1), (float)(12 * inv1 + 1) }, outs[0].As<float>());
    }

    [Fact]
    public void LayerNormAxisZeroNormalizesEverything()
    {
        var x = F([1, 2, 3, 4], 2, 2);
        var outs = NnHarness.Run("LayerNormalization", [x, F([1, 1, 1, 1], 2, 2)], 2, 1, ("axis", 0L));
        Assert.Equal(new[] { 1, 1 }, outs[1].Shape);
        NnHarness.Close(new[] { 2.5f }, outs[1].As<float>());
        Assert.Throws<EngineException>(() => NnHarness.Run1("LayerNormalization", [x, F([1, 1, 1], 3)]));
    }

    [Fact]
    public void GroupNormPerChannelAndLegacyPerGroup()
    {
        var x = F([1, 3, 5, 7, 0, 2, 4, 6], 1, 4, 1, 2);
        var y = NnHarness.Run1("GroupNormalization", [x, F([1, 2, 1, 1], 4), F([0, 0, 0, 1], 4)], ("num_groups", 2L));
        // Group 0 = {1,3,5,7}: mean 4, var 5. Group 1 = {0,2,4,6}: mean 3, var 5.
        double inv = 1 / Math.Sqrt(5 + 1e-5);
        var expected = new[] { -3 * inv, -1 * inv, 2 * inv, 6 * inv, -3 * inv, -1 * inv, 1 * inv + 1, 3 * inv + 1 }.Select(v => (float)v).ToArray();
        NnHarness.Close(expected, y.As<float>());
        var legacy = NnHarness.Run1("GroupNormalization", [x, F([1, 2], 2), F([0, 1], 2)], ("num_groups", 2L));
        var exp2 = new[] { -3 * inv, -1 * inv, 1 * inv, 3 * inv, -6 * inv + 1, -2 * inv + 1, 2 * inv + 1, 6 * inv + 1 }.Select(v => (float)v).ToArray();
        NnHarness.Close(exp2, legacy.As<float>());
        Assert.Throws<EngineException>(() => NnHarness.Run1("GroupNormalization", [x, F([1, 2, 3], 3), F([0, 1, 2], 3)], ("num_groups", 2L)));
    }

    [Fact]
    public void RmsNorm()
    {
        var y = NnHarness.Run1("RMSNormalization", [F([3, 4, 0, 0], 2, 2), F([1, 2], 2)]);
        double rms = Math.Sqrt(12.5 + 1e-5);
        NnHarness.Close(new[] { (float)(3 / rms), (float)(8 / rms), 0, 0 }, y.As<float>());
    }

    [Fact]
    public void LrnAcrossChannels()
    {
        var y = NnHarness.Run1("LRN", [F([1, 2, 3], 1, 3, 1, 1)], ("size", 3L), ("alpha", 0.3f));
        float L(double x, double sq) => (float)(x / Math.Pow(1 + 0.3 / 3 * sq, 0.75));
        NnHarness.Close(new[] { L(1, 5), L(2, 14), L(3, 13) }, y.As<float>());
    }

    [Fact]
    public void MeanVarianceNormalizationPerChannel()
    {
        var y = NnHarness.Run1("MeanVarianceNormalization", [F([1, 3, 10, 30], 1, 2, 1, 2)]);
        NnHarness.Close(new[] { -1f, 1, -1, 1 }, y.As<float>(), 1e-6, 1e-6);
        var all = NnHarness.Run1("MeanVarianceNormalization", [F([1, 3, 5, 7], 2, 2)], ("axes", new long[] { 0, 1 }));
        double sd = Math.Sqrt(5);
        NnHarness.Close(new[] { (float)(-3 / sd), (float)(-1 / sd), (float)(1 / sd), (float)(3 / sd) }, all.As<float>(), 1e-6, 1e-6);
    }

    [Fact]
    public void LpNormalizationL1L2AndZeroVector()
    {
        Assert.Equal(new[] { 0.6f, 0.8f, 0, 0 }, NnHarness.Run1("LpNormalization", [F([3, 4, 0, 0], 2, 2)]).As<float>());
        NnHarness.Close(new[] { 3 / 7f, 4 / 7f }, NnHarness.Run1("LpNormalization", [F([3, 4], 2)], ("p", 1L)).As<float>());
        NnHarness.Close(new[] { 0.5f, 0.5f, -0.5f, 0.5f }, NnHarness.Run1("LpNormalization", [F([3, 4, -3, 4], 2, 2)], ("axis", 0L), ("p", 1L)).As<float>());
    }
}
