using CsCheck;
using Engine.Graph;
using Engine.Runtime;
using Engine.Tests.Ops.Loss;
using CheckCase = Engine.Tests.Autodiff.Nn.OpGradCheck.Case;

namespace Engine.Tests.Autodiff.Nn;

/// <summary>Softmax, normalization and Dropout gradients against finite differences (float64).</summary>
public class NormalizationGradientTests
{
    private static int[] Shape(Random rng, int rank) => Enumerable.Range(0, rank).Select(_ => rng.Next(1, 5)).ToArray();

    [Fact]
    public void SoftmaxAndLogSoftmaxOnAnyAxis() =>
        Gen.Int[0, 1_000_000].Sample(seed =>
        {
            var rng = new Random(seed);
            int rank = rng.Next(1, 4);
            long axis = rng.Next(-rank, rank);
            var x = LossRunner.Random(rng, -2, 2, Shape(rng, rank));
            OpGradCheck.Check(new CheckCase("Softmax", [x], [0], [("axis", axis)]));
            OpGradCheck.Check(new CheckCase("LogSoftmax", [x], [0], [("axis", axis)]));
        }, iter: 10, threads: 1);

    [Fact]
    public void BatchNormalizationInTrainingModeDifferentiatesThroughBatchStatistics() =>
        Gen.Int[0, 1_000_000].Sample(seed =>
        {
            var rng = new Random(seed);
            int rank = rng.Next(2, 5);
            var shape = Shape(rng, rank);
            shape[0] = rng.Next(2, 4);
            int c = shape[1];
            var x = LossRunner.Random(rng, -2, 2, shape);
            var scale = LossRunner.Random(rng, 0.5, 1.5, c);
            var bias = LossRunner.Random(rng, -1, 1, c);
            var mean = LossRunner.Random(rng, -1, 1, c);
            var variance = LossRunner.Random(rng, 0.5, 2, c);
            OpGradCheck.Check(new CheckCase("BatchNormalization", [x, scale, bias, mean, variance], [0, 1, 2, 3, 4],
                [("training_mode", 1L), ("epsilon", 1e-3f)])
            { Outputs = 3, SkipOutputs = [1, 2], Tolerance = 1e-5 });
        }, iter: 8, threads: 1);

    [Fact]
    public void BatchNormalizationInInferenceModeDifferentiatesTheGivenStatistics()
    {
        var rng = new Random(3);
        var x = LossRunner.Random(rng, -2, 2, 2, 3, 4);
        OpGradCheck.Check(new CheckCase("BatchNormalization",
            [x, LossRunner.Random(rng, 0.5, 1.5, 3), LossRunner.Random(rng, -1, 1, 3), LossRunner.Random(rng, -1, 1, 3), LossRunner.Random(rng, 0.5, 2, 3)],
            [0, 1, 2, 3, 4], []));
    }

    [Fact]
    public void BatchNormalizationRunningStatisticsFollowTheMomentumRule()
    {
        var rng = new Random(5);
        var x = LossRunner.Random(rng, -2, 2, 4, 2, 3);
        var mean = Tensor.FromArray(new[] { 0.5, -0.5 }, 2);
        var variance = Tensor.FromArray(new[] { 1.0, 2.0 }, 2);
        var outs = LossRunner.Run("::BatchNormalization", [x, Tensor.FromArray(new[] { 1.0, 1.0 }, 2), Tensor.FromArray(new[] { 0.0, 0.0 }, 2), mean, variance], 3,
            ("training_mode", 1L), ("momentum", 0.8f));
        var xv = x.ToDoubleArray();
        for (int c = 0; c < 2; c++)
        {
            var vals = Enumerable.Range(0, 4).SelectMany(n => Enumerable.Range(0, 3).Select(k => xv[(n * 2 + c) * 3 + k])).ToArray();
            double mu = vals.Average(), biased = vals.Select(v => (v - mu) * (v - mu)).Average();
            Assert.Equal(0.8 * mean.ToDoubleArray()[c] + 0.2 * mu, outs[1].ToDoubleArray()[c], 6);
            // ONNX (unlike PyTorch) updates the running variance with the biased batch variance.
            Assert.Equal(0.8 * variance.ToDoubleArray()[c] + 0.2 * biased, outs[2].ToDoubleArray()[c], 6);
        }
    }

    [Fact]
    public void LayerNormalizationOnRandomAxes() =>
        Gen.Int[0, 1_000_000].Sample(seed =>
        {
            var rng = new Random(seed);
            int rank = rng.Next(2, 4);
            var shape = Shape(rng, rank);
            long axis = rng.Next(1, rank);
            var tail = shape[(int)axis..];
            var x = LossRunner.Random(rng, -2, 2, shape);
            var scale = LossRunner.Random(rng, 0.5, 1.5, tail);
            var bias = rng.Next(2) == 0 ? LossRunner.Random(rng, -1, 1, tail) : null;
            OpGradCheck.Check(new CheckCase("LayerNormalization", [x, scale, bias], bias is null ? [0, 1] : [0, 1, 2],
                [("axis", rng.Next(2) == 0 ? axis : axis - rank)])
            { Tolerance = 1e-5 });
        }, iter: 8, threads: 1);

    [Theory]
    [InlineData(2, 4, 3, 2)]
    [InlineData(1, 6, 5, 3)]
    [InlineData(2, 3, 2, 1)]
    public void GroupAndInstanceNormalization(int n, int c, int spatial, int groups)
    {
        var rng = new Random(c * 10 + groups);
        var x = LossRunner.Random(rng, -2, 2, n, c, spatial, 2);
        var scale = LossRunner.Random(rng, 0.5, 1.5, c);
        var bias = LossRunner.Random(rng, -1, 1, c);
        OpGradCheck.Check(new CheckCase("GroupNormalization", [x, scale, bias], [0, 1, 2], [("num_groups", (long)groups), ("epsilon", 1e-3f)]) { Tolerance = 1e-5 });
        OpGradCheck.Check(new CheckCase("InstanceNormalization", [x, scale, bias], [0, 1, 2], [("epsilon", 1e-3f)]) { Tolerance = 1e-5 });
    }

    [Fact]
    public void DropoutReusesTheForwardMask()
    {
        var rng = new Random(6);
        var x = LossRunner.Random(rng, -2, 2, 3, 7);
        var ratio = Tensor.Scalar(0.3);
        var training = Tensor.Scalar(true);
        OpGradCheck.Check(new CheckCase("Dropout", [x, ratio, training], [0], [("seed", 42L)]) { Outputs = 2 });
        // Without a mask output: the rule adds one to the forward node.
        OpGradCheck.Check(new CheckCase("Dropout", [x, ratio, training], [0], [("seed", 42L)]));
        // Inference mode: the identity.
        OpGradCheck.Check(new CheckCase("Dropout", [x, ratio, Tensor.Scalar(false)], [0], [("seed", 7L)]));
    }

    [Fact]
    public void DropoutGradientIsZeroExactlyWhereTheMaskDropped()
    {
        var g = new Graph.Graph("d");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 4, 50));
        var ratio = g.AddInitializer("ratio", Tensor.Scalar(0.5f));
        var training = g.AddInitializer("training", Tensor.Scalar(true));
        var node = NodeFactory.Create(OpRegistry.Default.Get("Dropout"), "drop", [x, ratio, training], 1, ("seed", 3L));
        g.AddNode(node);
        var b = new GraphBuilder(g, "l");
        // Σ|y| (inputs are positive, so each kept element's gradient is the scale 2).
        var loss = b.Op("ai.engine::L1Loss", [node.Outputs[0], b.Const(Tensor.Scalar(0f))], ("reduction", "sum"));
        g.Outputs.Add(loss);
        TypePropagation.Run(g);
        var grads = Engine.Passes.Autodiff.Differentiate(g, loss, [x], new Engine.Passes.AutodiffOptions { ExposeGradients = true });
        g.Outputs.Add(node.Outputs[1]!);
        var data = Enumerable.Range(0, 200).Select(i => 1f + i).ToArray();
        var outs = new ReferenceExecutor(g).Run([Tensor.FromArray(data, 4, 50)]);
        var dx = outs[1]!.As<float>();
        var mask = outs[2]!.As<bool>();
        Assert.Contains(mask, m => !m);
        Assert.Contains(mask, m => m);
        for (int i = 0; i < 200; i++) Assert.Equal(mask[i] ? 2f : 0f, dx[i]);
    }
}
