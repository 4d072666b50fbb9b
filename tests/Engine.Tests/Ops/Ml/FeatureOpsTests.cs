using Engine.Runtime;

namespace Engine.Tests.Ops;

public class FeatureOpsTests
{
    [Fact]
    public void ArrayFeatureExtractorPicksLastAxisColumnsInIndexOrder()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 3, 4);
        var z = MlHarness.Run("ArrayFeatureExtractor", [x, Tensor.FromArray(new long[] { 3, 1 }, 2)], 1)[0];
        Assert.Equal(new[] { 3, 2 }, z.Shape);
        Assert.Equal(new float[] { 3, 1, 7, 5, 11, 9 }, z.As<float>());
    }

    [Fact]
    public void ArrayFeatureExtractorOneDimensionalInputGivesOneRowAndKeepsStrings()
    {
        var x = Tensor.FromArray(new[] { "a", "b", "c", "d", "e" }, 5);
        var z = MlHarness.Run("ArrayFeatureExtractor", [x, Tensor.FromArray(new long[] { 4, 0 }, 2)], 1)[0];
        Assert.Equal(new[] { 1, 2 }, z.Shape);
        Assert.Equal(new[] { "e", "a" }, z.As<string>());
    }

    [Fact]
    public void ArrayFeatureExtractorRejectsOutOfRangeIndex()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        var e = Assert.Throws<EngineException>(() => MlHarness.Run("ArrayFeatureExtractor", [x, Tensor.FromArray(new long[] { 3 }, 1)], 1));
        Assert.Contains("out of range", e.Message);
    }

    [Fact]
    public void BinarizerIsStrictlyGreaterThanThresholdInTheInputType()
    {
        var y = MlHarness.Run1("Binarizer", Tensor.FromArray(new float[] { -1, 0.5f, 0.6f, 2 }, 4), ("threshold", 0.5f));
        Assert.Equal(new float[] { 0, 0, 1, 1 }, y.As<float>());
        var yi = MlHarness.Run1("Binarizer", Tensor.FromArray(new long[] { -3, 0, 1, 7 }, 2, 2));
        Assert.Equal(new long[] { 0, 0, 1, 1 }, yi.As<long>());
    }

    [Fact]
    public void ScalerOffsetsThenScalesPerFeatureAndBroadcastsSingleValues()
    {
        var x = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 2, 2);
        var y = MlHarness.Run1("Scaler", x, ("offset", new[] { 1f, 2f }), ("scale", new[] { 2f, 0.5f }));
        Assert.Equal(DataType.Float, y.Type);
        Assert.Equal(new float[] { 0, 0, 4, 1 }, y.As<float>());
        var y1 = MlHarness.Run1("Scaler", Tensor.FromArray(new float[] { 1, 3 }, 2), ("offset", new[] { 1f }), ("scale", new[] { 3f }));
        Assert.Equal(new float[] { 0, 6 }, y1.As<float>());
    }

    [Fact]
    public void NormalizerModesWorkPerRowAndLeaveZeroRowsAlone()
    {
        var x = Tensor.FromArray(new float[] { 1, -3, 0, 0 }, 2, 2);
        MlHarness.Close([0.25, -0.75, 0, 0], MlHarness.Run1("Normalizer", x, ("norm", "L1")));
        MlHarness.Close([0.6, -0.8], MlHarness.Run1("Normalizer", Tensor.FromArray(new double[] { 3, -4 }, 1, 2), ("norm", "L2")));
        MlHarness.Close([0.25, 0.5, 1], MlHarness.Run1("Normalizer", Tensor.FromArray(new[] { 1, 2, 4 }, 3)));
    }

    [Fact]
    public void NormalizerRejectsUnknownNorm()
    {
        Assert.Throws<EngineException>(() => MlHarness.Run1("Normalizer", Tensor.FromArray(new float[] { 1 }, 1), ("norm", "L3")));
    }
}
