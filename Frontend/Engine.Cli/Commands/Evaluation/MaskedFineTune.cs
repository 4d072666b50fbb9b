using System.Globalization;
using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;
using Engine.Training;
using Google.Protobuf;

namespace Engine.Cli.Commands.Evaluation;

/// <summary>
/// Fine-tunes a pruned ONNX classifier on a dataset's training split with the compiled training step, putting
/// the pruning masks back after every update so pruned weights stay exactly zero (the retraining step of
/// Han et al.'s pipeline). Returns the fine-tuned inference graph.
/// </summary>
public static class MaskedFineTune
{
    public static Graph.Graph Run(Graph.Graph pruned, IReadOnlyDictionary<string, bool[]> masks, Dataset train, int epochs, int threads, string name)
    {
        train = ShapedFor(pruned, train);
        var bytes = OnnxExporter.Export(pruned).ToByteArray();
        var definition = new ImportedModelDefinition(bytes, name);
        var config = new TrainConfig { Epochs = epochs, BatchSize = 64, Optimizer = Optimizer.Adam(), Lr = 5e-4, Backend = StepBackend.Compiled, Threads = threads, Seed = 0 };
        using var trainer = new Trainer(definition, train.SampleShape, train.Classes, config);
        ApplyMasks(trainer, masks);
        trainer.BatchFinished = (_, _) => ApplyMasks(trainer, masks);
        trainer.Fit(train, null, r => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fine-tune epoch {r.Epoch}/{epochs}  loss={r.TrainLoss:0.####}  {r.Seconds:0.0}s")));
        return trainer.InferenceGraph(Dim.Sym("N"));
    }

    /// <summary>The data viewed with the model's sample shape when only the shapes differ (digits' 64 values for an [1, 8, 8] input).</summary>
    private static Dataset ShapedFor(Graph.Graph g, Dataset data)
    {
        var input = g.Inputs.First(v => !g.IsInitializer(v));
        if (input.Type.Dims is not { Length: > 1 } dims || dims.Skip(1).Any(d => !d.IsKnown)) return data;
        int[] sample = dims.Skip(1).Select(d => (int)d.Value).ToArray();
        return sample.SequenceEqual(data.SampleShape) || Tensor.ElementCount(sample) != data.SampleSize
            ? data
            : new Dataset(data.Name, data.Features, sample, data.Labels, data.Classes);
    }

    private static void ApplyMasks(Trainer trainer, IReadOnlyDictionary<string, bool[]> masks)
    {
        foreach (var (weight, mask) in masks)
        {
            if (!trainer.Step.State.Tensors.TryGetValue(weight, out var t)) throw new EngineException($"fine-tune: weight '{weight}' is not a parameter of the step");
            var w = t.As<float>();
            for (int i = 0; i < w.Length; i++)
            {
                if (!mask[i]) w[i] = 0f;
            }
        }
    }
}
