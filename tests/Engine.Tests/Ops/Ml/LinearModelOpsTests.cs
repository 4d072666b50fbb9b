using Engine.Runtime;

namespace Engine.Tests.Ops;

public class LinearModelOpsTests
{
    [Fact]
    public void LinearRegressorComputesEachTargetWithItsIntercept()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        var y = MlHarness.Run1("LinearRegressor", x,
            ("coefficients", new[] { 1f, 1f, 2f, -1f }), ("intercepts", new[] { 0.5f, 0f }), ("targets", 2L));
        Assert.Equal(new[] { 2, 2 }, y.Shape);
        Assert.Equal(new float[] { 3.5f, 0, 7.5f, 2 }, y.As<float>());
    }

    [Fact]
    public void LinearRegressorTreatsOneDimensionalInputAsOneRow()
    {
        var y = MlHarness.Run1("LinearRegressor", Tensor.FromArray(new double[] { 2, 3 }, 2), ("coefficients", new[] { 10f, 1f }));
        Assert.Equal(new[] { 1, 1 }, y.Shape);
        Assert.Equal(new float[] { 23 }, y.As<float>());
    }

    [Fact]
    public void LinearRegressorRejectsCoefficientCountMismatch()
    {
        Assert.Throws<EngineException>(() => MlHarness.Run1("LinearRegressor", Tensor.FromArray(new float[] { 1, 2, 3 }, 1, 3), ("coefficients", new[] { 1f, 2f })));
    }

    [Fact]
    public void LinearClassifierPicksTheArgmaxLabelPerRow()
    {
        var x = Tensor.FromArray(new float[] { 2, 1, 0, 3, -1, -1 }, 3, 2);
        var r = MlHarness.Run2("LinearClassifier", x,
            ("coefficients", new[] { 1f, 0f, 0f, 1f, -1f, -1f }), ("intercepts", new[] { 0f, 0f, 1f }),
            ("classlabels_ints", new long[] { 10, 20, 30 }));
        Assert.Equal(new long[] { 10, 20, 30 }, r[0].As<long>());
        Assert.Equal(new float[] { 2, 1, -2, 0, 3, -2, -1, -1, 3 }, r[1].As<float>());
    }

    [Fact]
    public void LinearClassifierBinaryModelScoresBothClassesAndAppliesLogistic()
    {
        var x = Tensor.FromArray(new float[] { 2, 1, 0, 3 }, 2, 2);
        var r = MlHarness.Run2("LinearClassifier", x,
            ("coefficients", new[] { 1f, -1f }), ("intercepts", new[] { 0f }),
            ("classlabels_strings", new[] { "no", "yes" }), ("post_transform", "LOGISTIC"));
        Assert.Equal(new[] { "yes", "no" }, r[0].As<string>());
        Assert.Equal(new[] { 2, 2 }, r[1].Shape);
        double s1 = 1 / (1 + Math.Exp(-1.0)), s2 = 1 / (1 + Math.Exp(3.0));
        MlHarness.Close([1 - s1, s1, 1 - s2, s2], r[1]);
    }

    [Fact]
    public void LinearClassifierSoftmaxRowsSumToOne()
    {
        var x = Tensor.FromArray(new float[] { 1, 2 }, 1, 2);
        var r = MlHarness.Run2("LinearClassifier", x,
            ("coefficients", new[] { 1f, 0f, 0f, 1f }), ("classlabels_ints", new long[] { 0, 1 }), ("post_transform", "SOFTMAX"));
        double e1 = Math.Exp(1 - 2.0), sum = e1 + 1;
        MlHarness.Close([e1 / sum, 1 / sum], r[1]);
        Assert.Equal(new long[] { 1 }, r[0].As<long>());
    }
}
