using Engine.Builder;
using Engine.Builder.Zoo;
using Engine.Graph;
using Engine.Runtime;
using Engine.Training;
using Xunit;

namespace Engine.Tests.Builder;

/// <summary>
/// Every zoo model trains: its training-mode graph plus a loss suited to its task (softmax cross-entropy for
/// classifiers, per-pixel for U-Net, per-token for seq2seq/GPT, MSE for the autoencoder and generator,
/// BCE-with-logits for the discriminator) becomes a train step; a few Adam steps on one fixed batch lower the
/// loss, and the compiled step agrees with the reference step.
/// </summary>
public class ZooTrainingStepTests
{
    public static TheoryData<string> Names => new(ModelZoo.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void A_few_steps_lower_the_loss_and_the_compiled_step_agrees(string name)
    {
        const int batch = 2, steps = 4;
        var reference = Losses(name, batch, steps, StepBackend.Reference);
        Assert.All(reference, l => Assert.True(double.IsFinite(l), $"{name}: loss {l}"));
        Assert.True(reference[^1] < reference[0], $"{name}: loss did not fall: {string.Join(", ", reference)}");
        var compiled = Losses(name, batch, steps, StepBackend.Compiled);
        for (int i = 0; i < steps; i++)
            Assert.True(Math.Abs(compiled[i] - reference[i]) <= 1e-3 * Math.Max(1, Math.Abs(reference[i])), $"{name} step {i}: compiled {compiled[i]} vs reference {reference[i]}");
    }

    private static double[] Losses(string name, int batch, int steps, StepBackend backend)
    {
        var model = ModelZoo.Create(name, ModelZooTests.SmallOptions(name));
        model.Initialize(seed: 3);
        var built = model.ToGraph(BuildMode.Training, batch);
        var g = built.Graph;
        var inputs = ModelZooTests.SampleInputs(model, batch, 7);
        var loss = AddLoss(g, model, ModelZoo.Get(name).Task, batch, inputs);
        g.Outputs.Clear();
        g.Outputs.Add(loss);
        var spec = new TrainSpec
        {
            Graph = g,
            Loss = loss,
            Parameters = built.TrainableValues,
            Buffers = built.StateUpdates.Select(u => (built.Parameters[u.Buffer], u.Next)).ToList(),
        };
        // Dropout draws a new mask each step; a fixed seed makes both backends see the same ones.
        using var step = new TrainStep(TrainStepGraph.Build(spec, Optimizer.Adam()), backend, threads: 1, seed: 5);
        return Enumerable.Range(0, steps).Select(_ => step.Run(inputs, 0.003).Loss).ToArray();
    }

    /// <summary>Adds the task's loss on the model's first output; targets go into <paramref name="inputs"/>.</summary>
    private static Value AddLoss(Graph.Graph g, Engine.Builder.Model model, ZooTask task, int batch, Dictionary<string, Tensor> inputs)
    {
        var y = g.Outputs[0];
        var dims = y.Type.Dims!.Select(d => (int)d.Value).ToArray();
        var b = new GraphBuilder(g, "loss");
        var rng = new Random(11);
        switch (task)
        {
            case ZooTask.Reconstruction or ZooTask.Generation:
                {
                    var target = g.AddInput("target", new TensorType(DataType.Float, dims.Select(d => (Dim)d).ToArray()));
                    inputs["target"] = BuilderKit.Random(13, dims, 0.5f);
                    return b.Op("ai.engine::MSELoss", y, target);
                }
            case ZooTask.Discrimination:
                {
                    var target = g.AddInput("target", new TensorType(DataType.Float, dims.Select(d => (Dim)d).ToArray()));
                    var t = new float[dims.Aggregate(1, (p, d) => p * d)];
                    for (int i = 0; i < t.Length; i++) t[i] = i % 2;
                    inputs["target"] = Tensor.FromArray(t, dims);
                    return b.Op("ai.engine::BCEWithLogitsLoss", y, target);
                }
            default:
                {
                    // Class scores on the last axis ([B, C], [B, T, V]) or on axis 1 ([B, C, H, W]: U-Net).
                    bool classesLast = task != ZooTask.Segmentation;
                    int classes = classesLast ? dims[^1] : dims[1];
                    var scores = classesLast && dims.Length == 3 ? b.Op("Transpose", [y], ("perm", new long[] { 0, 2, 1 })) : y;
                    int[] labelShape = classesLast ? dims[..^1] : [dims[0], .. dims[2..]];
                    var labels = g.AddInput("labels", new TensorType(DataType.Int64, labelShape.Select(d => (Dim)d).ToArray()));
                    var l = new long[labelShape.Aggregate(1, (p, d) => p * d)];
                    for (int i = 0; i < l.Length; i++) l[i] = rng.Next(classes);
                    inputs["labels"] = Tensor.FromArray(l, labelShape);
                    return b.Op("ai.engine::SoftmaxCrossEntropyLoss", scores, labels);
                }
        }
    }
}
