using Engine.Runtime;
using Engine.Tests.Ops.Loss;
using CheckCase = Engine.Tests.Autodiff.Nn.OpGradCheck.Case;

namespace Engine.Tests.Autodiff.Nn;

/// <summary>Gradient rules of the loss ops against finite differences (float64).</summary>
public class LossGradientTests
{
    private static readonly string[] Reductions = ["none", "mean", "sum"];

    [Theory]
    [InlineData("MSELoss")]
    [InlineData("L1Loss")]
    [InlineData("HuberLoss")]
    [InlineData("BCELoss")]
    [InlineData("BCEWithLogitsLoss")]
    [InlineData("HingeLoss")]
    [InlineData("KLDivLoss")]
    public void PointwiseLossesMatchFiniteDifferences(string op)
    {
        var rng = new Random(op.Length);
        foreach (var reduction in Reductions.Append(op == "KLDivLoss" ? "batchmean" : "mean"))
        {
            int[] shape = [rng.Next(1, 4), rng.Next(1, 5)];
            // Away from kinks: |x − t| not near 0 or delta, probabilities inside (0, 1).
            var x = op == "BCELoss" ? LossRunner.Random(rng, 0.1, 0.9, shape) : op == "KLDivLoss" ? LossRunner.Random(rng, -3, -0.1, shape) : LossRunner.Random(rng, -2, 2, shape);
            var t = op switch
            {
                "BCELoss" or "BCEWithLogitsLoss" or "KLDivLoss" => LossRunner.Random(rng, 0.05, 0.95, shape[1]),
                "HingeLoss" => Tensor.FromArray(Enumerable.Range(0, shape[0] * shape[1]).Select(i => (i % 2 == 0 ? 1.0 : -1.0) * (0.5 + 0.1 * i)).ToArray(), shape),
                _ => Tensor.FromArray(x.ToDoubleArray().Select((v, i) => v + (i % 2 == 0 ? 0.3 : -0.4) * (1 + i % 3)).ToArray(), shape),
            };
            Tensor? w = op.StartsWith("BCE") ? LossRunner.Random(rng, 0.5, 2, shape[1]) : null;
            (string, object)[] attrs = op == "HuberLoss" ? [("reduction", reduction), ("delta", 0.5f)] : [("reduction", reduction)];
            OpGradCheck.Check(new CheckCase("ai.engine::" + op, w is null ? [x, t] : [x, t, w], [0, 1], attrs) { Tolerance = 1e-5 });
        }
    }

    [Fact]
    public void KlDivWithLogTargetsMatchesFiniteDifferences()
    {
        var rng = new Random(2);
        var x = LossRunner.Random(rng, -3, -0.1, 3, 4);
        var t = LossRunner.Random(rng, -3, -0.1, 3, 4);
        OpGradCheck.Check(new CheckCase("ai.engine::KLDivLoss", [x, t], [0, 1], [("log_target", 1L), ("reduction", "batchmean")]));
    }

    [Theory]
    [InlineData("mean", 0.0f, true, false)]
    [InlineData("sum", 0.1f, false, true)]
    [InlineData("none", 0.25f, true, true)]
    public void SoftmaxCrossEntropyWithIntegerLabels(string reduction, float eps, bool weighted, bool spatial)
    {
        var rng = new Random(3);
        int n = 3, c = 4;
        var x = LossRunner.Random(rng, -2, 2, spatial ? [n, c, 2] : [n, c]);
        var labels = spatial ? Tensor.FromArray(new long[] { 0, 3, -1, 2, 1, 1 }, n, 2) : Tensor.FromArray(new long[] { 3, -1, 1 }, n);
        var w = weighted ? LossRunner.Random(rng, 0.5, 2, c) : null;
        (string, object)[] attrs = [("reduction", reduction), ("label_smoothing", eps), ("ignore_index", -1L)];
        OpGradCheck.Check(new CheckCase("ai.engine::SoftmaxCrossEntropyLoss", [x, labels, w], [0], attrs));
        // Both outputs differentiated: the log_prob output's gradient joins the loss's.
        OpGradCheck.Check(new CheckCase("ai.engine::SoftmaxCrossEntropyLoss", [x, labels, w], [0], attrs) { Outputs = 2 });
    }

    [Fact]
    public void OnnxSoftmaxCrossEntropyAndNllMatchFiniteDifferences()
    {
        var rng = new Random(4);
        var x = LossRunner.Random(rng, -2, 2, 5, 3);
        var labels = Tensor.FromArray(new long[] { 0, 2, 1, 1, 2 }, 5);
        var w = LossRunner.Random(rng, 0.5, 2, 3);
        foreach (var reduction in Reductions)
        {
            OpGradCheck.Check(new CheckCase("SoftmaxCrossEntropyLoss", [x, labels, w], [0], [("reduction", reduction)]) { Outputs = 2 });
            OpGradCheck.Check(new CheckCase("NegativeLogLikelihoodLoss", [x, labels, w], [0], [("reduction", reduction), ("ignore_index", 1L)]));
        }
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("none")]
    public void SoftmaxCrossEntropyWithProbabilityLabelsDifferentiatesBoth(string reduction)
    {
        var rng = new Random(5);
        var x = LossRunner.Random(rng, -2, 2, 3, 4, 2);
        var p = LossRunner.Random(rng, 0.1, 1, 3, 4, 2);
        var w = LossRunner.Random(rng, 0.5, 2, 4);
        OpGradCheck.Check(new CheckCase("ai.engine::SoftmaxCrossEntropyLoss", [x, p, w], [0, 1], [("reduction", reduction), ("label_smoothing", 0.2f)]));
    }

    [Fact]
    public void EmbeddingLossesAndCtcMatchFiniteDifferences()
    {
        var rng = new Random(6);
        var a = LossRunner.Random(rng, -1, 1, 3, 5);
        var b = LossRunner.Random(rng, -1, 1, 3, 5);
        var n = LossRunner.Random(rng, -1, 1, 3, 5);
        var y = Tensor.FromArray(new long[] { 1, -1, -1 }, 3);
        OpGradCheck.Check(new CheckCase("ai.engine::CosineEmbeddingLoss", [a, b, y], [0, 1], [("margin", -0.8f)]));
        OpGradCheck.Check(new CheckCase("ai.engine::TripletMarginLoss", [a, b, n], [0, 1, 2], [("margin", 2.0f), ("reduction", "sum")]) { Tolerance = 1e-5 });
        var lp = LossRunner.Random(rng, -3, 0, 5, 2, 3);
        var targets = Tensor.FromArray(new long[] { 1, 2, 2, 0 }, 2, 2);
        OpGradCheck.Check(new CheckCase("ai.engine::CTCLoss", [lp, targets, Tensor.FromArray(new long[] { 5, 4 }, 2), Tensor.FromArray(new long[] { 2, 1 }, 2)], [0], []));
    }
}
