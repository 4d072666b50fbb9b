using Engine.Runtime;
using Engine.Tests.Support;
using Engine.Training;

namespace Engine.Tests.Training;

/// <summary>Metrics against hand-counted values; the seeded generator, splits and the digits loader.</summary>
public class MetricsAndDataTests
{
    [Fact]
    public void ConfusionMatrixAndMacroScores()
    {
        long[] labels = [0, 0, 0, 1, 1, 2];
        long[] predicted = [0, 0, 1, 1, 2, 2];
        var m = ClassificationMetrics.From(labels, predicted, 3);
        Assert.Equal(new long[,] { { 2, 1, 0 }, { 0, 1, 1 }, { 0, 0, 1 } }, m.Confusion);
        Assert.Equal(4.0 / 6, m.Accuracy, 12);
        // precision: c0 2/2, c1 1/2, c2 1/2; recall: c0 2/3, c1 1/2, c2 1/1.
        Assert.Equal((1 + 0.5 + 0.5) / 3, m.MacroPrecision, 12);
        Assert.Equal((2.0 / 3 + 0.5 + 1) / 3, m.MacroRecall, 12);
        double f0 = 2 * 1 * (2.0 / 3) / (1 + 2.0 / 3), f1 = 0.5, f2 = 2 * 0.5 * 1 / 1.5;
        Assert.Equal((f0 + f1 + f2) / 3, m.MacroF1, 12);
    }

    [Fact]
    public void ClassesNeverPredictedScoreZeroNotNaN()
    {
        var m = ClassificationMetrics.From([0, 1], [0, 0], 3);
        Assert.Equal(0, m.Precision[1]);
        Assert.Equal(0, m.Recall[2]);
        Assert.False(double.IsNaN(m.MacroF1));
    }

    [Fact]
    public void ArgMaxAndCrossEntropy()
    {
        var logits = Tensor.FromArray(new[] { 1f, 3f, 2f, 0f, 0f, 0f }, 2, 3);
        Assert.Equal([1L, 0L], ClassificationMetrics.ArgMax(logits));
        double expected = (-(3 - Math.Log(Math.Exp(1) + Math.Exp(3) + Math.Exp(2))) + Math.Log(3)) / 2;
        Assert.Equal(expected, ClassificationMetrics.CrossEntropy(logits, [1L, 2L]), 9);
    }

    [Fact]
    public void RngIsSeededAndResumable()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        Assert.Equal(a.Permutation(100), b.Permutation(100));
        var saved = a.State;
        var next = a.NextUInt64();
        Assert.Equal(next, new Rng(saved).NextUInt64());
        Assert.NotEqual(new Rng(1).Permutation(50), new Rng(2).Permutation(50));
        var p = new Rng(7).Permutation(1000);
        Assert.Equal(Enumerable.Range(0, 1000), p.Order());
    }

    [Fact]
    public void DigitsLoadAndSplitEightyTwenty()
    {
        var d = DatasetRegistry.Load("digits", Paths.SharedPath("datasets"));
        Assert.Equal(1797, d.Count);
        Assert.Equal([64], d.SampleShape);
        Assert.Equal(10, d.Classes);
        Assert.InRange(d.Features.Max(), 0.99f, 1.0f);
        var (test, train) = d.Split(0.2, new Rng(0));
        Assert.Equal(359, test.Count);
        Assert.Equal(1438, train.Count);
        var (test2, _) = d.Split(0.2, new Rng(0));
        Assert.Equal(test.Labels, test2.Labels);
    }

    [Fact]
    public void UnknownNamesAreOneLineErrors()
    {
        Assert.Contains("unknown dataset 'nope'", Assert.Throws<EngineException>(() => DatasetRegistry.Load("nope", ".")).Message);
        Assert.Contains("unknown model 'nope'", Assert.Throws<EngineException>(() => ModelRegistry.Create("nope")).Message);
        Assert.Contains("unknown optimizer 'nope'", Assert.Throws<EngineException>(() => Optimizer.Create("nope")).Message);
        Assert.Contains("not found", Assert.Throws<EngineException>(() => DatasetRegistry.Load("digits", "/nonexistent")).Message);
    }
}
