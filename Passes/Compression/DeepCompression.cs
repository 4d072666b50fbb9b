using Engine.Runtime.IO;

namespace Engine.Passes.Compression;

/// <summary>Weight bytes of one layer (or of all) after each Deep Compression stage, counted as Han et al. do.</summary>
public sealed record StageSizes(string Name, long Dense, long Pruned, long Clustered, long Huffman)
{
    public static StageSizes Sum(string name, IEnumerable<StageSizes> parts)
    {
        var list = parts.ToList();
        return new StageSizes(name, list.Sum(p => p.Dense), list.Sum(p => p.Pruned), list.Sum(p => p.Clustered), list.Sum(p => p.Huffman));
    }
}

/// <summary>
/// Prune → cluster → Huffman on a graph's Conv/Gemm/MatMul weights. Stage sizes follow the paper: pruned weights
/// are stored sparse as 32-bit values plus a relative index (8 bits for conv, 5 for fully connected layers);
/// clustered weights as centroid indices of the layer's bit width plus the same relative index and the
/// codebook; the Huffman stage is the measured size of <see cref="HuffmanWeights"/> blobs.
/// </summary>
public static class DeepCompression
{
    /// <param name="Graph">The compressed graph (the input graph, or the one the retraining returned).</param>
    public sealed record Result(Graph.Graph Graph, List<PrunedLayer> Pruned, List<ClusteredLayer> Clustered, List<StageSizes> Sizes, Dictionary<string, byte[]> Blobs)
    {
        public StageSizes Total => StageSizes.Sum("total", Sizes);
    }

    /// <param name="retrain">Optional retraining after pruning (masks by weight name: true = kept); returns the retrained graph, whose pruned weights must still be zero.</param>
    public static Result Run(Graph.Graph graph, double sparsity, int convBits = 8, int fcBits = 5, PruneScope scope = PruneScope.PerLayer,
        Func<Graph.Graph, IReadOnlyDictionary<string, bool[]>, Graph.Graph>? retrain = null)
    {
        var (pruned, masks) = MagnitudePruning.Prune(graph, sparsity, scope);
        if (retrain is not null) graph = retrain(graph, masks);
        var clustered = WeightClustering.Cluster(graph, convBits, fcBits);
        var sizes = new List<StageSizes>();
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (p, c) in pruned.Zip(clustered))
        {
            bool conv = c.Bits == convBits && PrunableWeights.Find(graph).First(e => e.Weight.Name == c.Weight).IsConv;
            int relBits = conv ? 8 : 5;
            long nonZeros = p.Elements - p.Zeros;
            var blob = HuffmanWeights.Encode(c.Codebook, c.Indices);
            blobs[c.Weight] = blob;
            sizes.Add(new StageSizes(c.Weight,
                Dense: p.Elements * 4,
                Pruned: (nonZeros * (32 + relBits) + 7) / 8,
                Clustered: (nonZeros * (c.Bits + relBits) + 7) / 8 + c.Codebook.Length * 4L,
                Huffman: blob.Length));
        }
        return new Result(graph, pruned, clustered, sizes, blobs);
    }
}
