using Engine.Runtime;

namespace Engine.Passes.Compression;

/// <summary>Whether the sparsity target holds for all weights together or for each layer.</summary>
public enum PruneScope
{
    /// <summary>One magnitude threshold over every weight (layers with many small weights lose more).</summary>
    Global,

    /// <summary>Each layer pruned to the target sparsity.</summary>
    PerLayer,
}

/// <summary>One layer after pruning.</summary>
public sealed record PrunedLayer(string Weight, string Node, long Elements, long Zeros)
{
    public double Sparsity => Elements == 0 ? 0 : (double)Zeros / Elements;
}

/// <summary>
/// Magnitude pruning (Han et al.): weights whose absolute value is below a threshold become exactly zero.
/// The graph's initializers are replaced; the returned masks (true = kept) let training keep pruned weights at zero.
/// </summary>
public static class MagnitudePruning
{
    public static (List<PrunedLayer> Layers, Dictionary<string, bool[]> Masks) Prune(Graph.Graph graph, double sparsity, PruneScope scope = PruneScope.Global)
    {
        if (!(sparsity >= 0 && sparsity < 1)) throw new EngineException($"prune: sparsity must be in [0, 1), got {sparsity}");
        var weights = PrunableWeights.Find(graph);
        if (weights.Count == 0) throw new EngineException($"prune '{graph.Name}': no Conv/Gemm/MatMul weight initializers to prune");
        float globalThreshold = scope == PruneScope.Global ? Threshold(weights.SelectMany(w => w.Data.As<float>()), sparsity) : 0;
        var layers = new List<PrunedLayer>();
        var masks = new Dictionary<string, bool[]>(StringComparer.Ordinal);
        foreach (var e in weights)
        {
            var src = e.Data.As<float>();
            float threshold = scope == PruneScope.Global ? globalThreshold : Threshold(src, sparsity);
            var dst = new float[src.Length];
            var mask = new bool[src.Length];
            long zeros = 0;
            for (int i = 0; i < src.Length; i++)
            {
                mask[i] = Math.Abs(src[i]) > threshold || (threshold == 0 && src[i] != 0);
                dst[i] = mask[i] ? src[i] : 0f;
                if (!mask[i]) zeros++;
            }
            graph.SetInitializer(e.Weight, new Tensor(DataType.Float, (int[])e.Data.Shape.Clone(), dst));
            masks[e.Weight.Name] = mask;
            layers.Add(new PrunedLayer(e.Weight.Name, e.Node.Name, src.Length, zeros));
        }
        return (layers, masks);
    }

    /// <summary>The magnitude at or below which a <paramref name="sparsity"/> share of the values lies.</summary>
    private static float Threshold(IEnumerable<float> values, double sparsity)
    {
        var mags = values.Select(Math.Abs).ToArray();
        if (mags.Length == 0 || sparsity == 0) return 0;
        Array.Sort(mags);
        int k = (int)Math.Floor(sparsity * mags.Length);
        return k == 0 ? 0 : mags[k - 1];
    }
}
