using Engine.Graph;
using Engine.Runtime;
using Engine.Training;

namespace Engine.Cli.Commands.Evaluation;

/// <summary>
/// Classifies a labelled dataset with a model graph on the reference executor (the oracle), in batches:
/// samples are reshaped to the model's input when the element counts agree (digits' 64 values → [1, 8, 8]).
/// </summary>
public static class ModelEvaluator
{
    /// <summary>Predicted class per sample.</summary>
    public static int[] Predict(Graph.Graph graph, Dataset data, string model, int threads = 1)
    {
        if (graph.Inputs.Count(v => !graph.IsInitializer(v)) != 1)
            throw new EngineException($"{model}: evaluation needs a model with one input, it has {graph.Inputs.Count(v => !graph.IsInitializer(v))}");
        var input = graph.Inputs.First(v => !graph.IsInitializer(v));
        var dims = input.Type.Dims ?? throw new EngineException($"{model}: input '{input.Name}' has no known rank");
        var sample = dims.Skip(1).ToArray();
        if (sample.Any(d => !d.IsKnown) || sample.Aggregate(1L, (p, d) => p * d.Value) != data.SampleSize)
            throw new EngineException($"{model}: input '{input.Name}' is {input.Type} but dataset '{data.Name}' has samples of {Tensor.ShapeString(data.SampleShape)}");
        int[] sampleShape = sample.Select(d => (int)d.Value).ToArray();
        int batch = dims[0].IsKnown ? (int)dims[0].Value : 256;
        var exec = new ReferenceExecutor(graph, threads);
        var predictions = new int[data.Count];
        for (int start = 0; start < data.Count; start += batch)
        {
            int count = Math.Min(batch, data.Count - start);
            var x = new float[batch * data.SampleSize];
            data.Features.AsSpan(start * data.SampleSize, count * data.SampleSize).CopyTo(x);
            int rows = dims[0].IsKnown ? batch : count;
            var feed = new Tensor(DataType.Float, [rows, .. sampleShape], rows == batch ? x : x[..(count * data.SampleSize)]);
            var y = exec.Run(new Dictionary<string, Tensor> { [input.Name] = feed }).Values.First();
            if (y.Type != DataType.Float || y.Shape.Length != 2 || y.Shape[1] != data.Classes)
                throw new EngineException($"{model}: output is {y.Type}{Tensor.ShapeString(y.Shape)}, expected float [batch, {data.Classes}] scores for dataset '{data.Name}'");
            var v = y.As<float>();
            for (int i = 0; i < count; i++)
            {
                int best = 0;
                for (int c = 1; c < data.Classes; c++)
                {
                    if (v[i * data.Classes + c] > v[i * data.Classes + best]) best = c;
                }
                predictions[start + i] = best;
            }
        }
        return predictions;
    }

    public static double Accuracy(int[] predictions, Dataset data) =>
        data.Count == 0 ? 0 : (double)predictions.Where((p, i) => p == data.Labels[i]).Count() / data.Count;

    /// <summary>Calibration batches of <paramref name="batch"/> samples shaped for the model's input.</summary>
    public static List<IReadOnlyDictionary<string, Tensor>> Batches(Graph.Graph graph, Dataset data, int samples, int batch)
    {
        var input = graph.Inputs.First(v => !graph.IsInitializer(v));
        var sample = (input.Type.Dims ?? []).Skip(1).Select(d => d.IsKnown ? (int)d.Value : -1).ToArray();
        if (sample.Any(d => d < 0) || sample.Aggregate(1L, (p, d) => p * d) != data.SampleSize)
            throw new EngineException($"input '{input.Name}' is {input.Type} but dataset '{data.Name}' has samples of {Tensor.ShapeString(data.SampleShape)}");
        if (input.Type.Dims![0].IsKnown) batch = (int)input.Type.Dims[0].Value;
        var list = new List<IReadOnlyDictionary<string, Tensor>>();
        int n = Math.Min(samples, data.Count) / batch * batch;
        for (int start = 0; start < n; start += batch)
        {
            var x = data.Features.AsSpan(start * data.SampleSize, batch * data.SampleSize).ToArray();
            list.Add(new Dictionary<string, Tensor> { [input.Name] = new Tensor(DataType.Float, [batch, .. sample], x) });
        }
        if (list.Count == 0) throw new EngineException($"dataset '{data.Name}' has fewer than {batch} samples for one calibration batch");
        return list;
    }
}
