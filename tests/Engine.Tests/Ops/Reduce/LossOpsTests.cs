using Engine.Runtime;

namespace Engine.Tests.Ops;

public class LossOpsTests
{
    private static readonly float[] Scores = [0.1f, -1.2f, 2.0f, 0.5f, 0.3f, 0.7f, 1.1f, -0.4f, 0.0f];

    private static double[] LogSoftmaxRows(float[] x, int n, int c)
    {
        var r = new double[x.Length];
        for (int i = 0; i < n; i++)
        {
            double lse = Math.Log(Enumerable.Range(0, c).Sum(j => Math.Exp(x[i * c + j])));
            for (int j = 0; j < c; j++) r[i * c + j] = x[i * c + j] - lse;
        }
        return r;
    }

    [Fact]
    public void NllMeanWithWeightsDividesByTheWeightSum()
    {
        var input = Tensor.FromArray(Scores, 3, 3);
        var target = Tensor.FromArray(new long[] { 2, 0, 1 }, 3);
        var weight = Tensor.FromArray(new[] { 0.5f, 2f, 1f }, 3);
        var y = ReduceFamilyRunner.Run1("NegativeLogLikelihoodLoss", [input, target, weight]);
        double expected = -(Scores[2] * 1.0 + Scores[3] * 0.5 + Scores[7] * 2.0) / (1 + 0.5 + 2);
        Assert.Empty(y.Shape);
        Assert.Equal(expected, y.As<float>()[0], 5);
    }

    [Fact]
    public void NllIgnoreIndexDropsTargetsFromLossAndCount()
    {
        var input = Tensor.FromArray(Scores, 3, 3);
        var target = Tensor.FromArray(new long[] { 2, -1, 1 }, 3);
        var none = ReduceFamilyRunner.Run1("NegativeLogLikelihoodLoss", [input, target], ("reduction", "none"), ("ignore_index", -1L));
        ReduceFamilyRunner.Close([-Scores[2], 0, -Scores[7]], none);
        var mean = ReduceFamilyRunner.Run1("NegativeLogLikelihoodLoss", [input, target], ("ignore_index", -1L));
        Assert.Equal(-(Scores[2] + Scores[7]) / 2, mean.As<float>()[0], 5);
    }

    [Fact]
    public void NllHandlesSpatialDims()
    {
        // input [N=1, C=2, d=3], target [1, 3]
        var input = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 1, 2, 3);
        var target = Tensor.FromArray(new long[] { 1, 0, 1 }, 1, 3);
        var sum = ReduceFamilyRunner.Run1("NegativeLogLikelihoodLoss", [input, target], ("reduction", "sum"));
        Assert.Equal(-(4f + 2f + 6f), sum.As<float>()[0]);
    }

    [Fact]
    public void NllRejectsOutOfRangeTargets()
    {
        var input = Tensor.FromArray(Scores, 3, 3);
        var target = Tensor.FromArray(new long[] { 3, 0, 1 }, 3);
        var e = Assert.Throws<EngineException>(() => ReduceFamilyRunner.Run1("NegativeLogLikelihoodLoss", [input, target]));
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void SoftmaxCrossEntropyReturnsLossAndLogProb()
    {
        var scores = Tensor.FromArray(Scores, 3, 3);
        var labels = Tensor.FromArray(new int[] { 0, 2, 1 }, 3);
        var outs = ReduceFamilyRunner.Run("SoftmaxCrossEntropyLoss", [scores, labels], 2, attrs: ("reduction", "none"));
        var lp = LogSoftmaxRows(Scores, 3, 3);
        ReduceFamilyRunner.Close(lp, outs[1]);
        ReduceFamilyRunner.Close([-lp[0], -lp[5], -lp[7]], outs[0]);
        var mean = ReduceFamilyRunner.Run1("SoftmaxCrossEntropyLoss", [scores, labels]);
        Assert.Equal(-(lp[0] + lp[5] + lp[7]) / 3, mean.As<float>()[0], 5);
    }

    [Fact]
    public void SoftmaxCrossEntropyIsStableForHugeScores()
    {
        var scores = Tensor.FromArray(new[] { 1000.0, 0.0 }, 1, 2);
        var labels = Tensor.FromArray(new long[] { 1 }, 1);
        var y = ReduceFamilyRunner.Run1("SoftmaxCrossEntropyLoss", [scores, labels]);
        Assert.Equal(1000.0, y.As<double>()[0], 9);
    }
}
