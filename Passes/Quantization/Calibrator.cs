using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes.Quantization;

/// <summary>Runs calibration batches through the reference executor and gathers statistics of chosen float values.</summary>
public static class Calibrator
{
    public static Dictionary<Value, ActivationStats> Collect(Graph.Graph graph, IEnumerable<IReadOnlyDictionary<string, Tensor>> batches,
        IReadOnlyCollection<Value> values, QuantizationOptions options)
    {
        var stats = values.Distinct().Select((v, i) => (v, s: new ActivationStats(options.ReservoirSize, 1234 + i))).ToDictionary(p => p.v, p => p.s);
        int n = 0;
        foreach (var batch in batches)
        {
            n++;
            var exec = new ReferenceExecutor(graph) { KeepIntermediates = true };
            exec.Run(batch);
            foreach (var (v, s) in stats)
            {
                var t = exec.Intermediates.GetValueOrDefault(v) ?? (batch.TryGetValue(v.Name, out var given) ? given : null)
                    ?? throw new EngineException($"quantize: calibration produced no value for '{v.Name}'");
                s.Add(t.As<float>());
            }
        }
        if (n == 0) throw new EngineException("quantize: the calibration data holds no batch");
        return stats;
    }

    /// <summary>Every intermediate value of one run, by value name (for per-layer error measurement).</summary>
    public static Dictionary<string, Tensor> Snapshot(Graph.Graph graph, IReadOnlyDictionary<string, Tensor> batch)
    {
        var exec = new ReferenceExecutor(graph) { KeepIntermediates = true };
        exec.Run(batch);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (v, t) in exec.Intermediates)
        {
            if (t is not null) result[v.Name] = t;
        }
        return result;
    }
}
