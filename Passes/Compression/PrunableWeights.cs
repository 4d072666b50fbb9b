using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes.Compression;

/// <summary>
/// The weights compression works on: the float initializer read as the weight of every op with a registry
/// <see cref="QuantizationFact"/> (Conv, Gemm, MatMul), so the same fact drives quantization, pruning and clustering.
/// </summary>
public static class PrunableWeights
{
    public sealed record Entry(Node Node, Value Weight, Tensor Data)
    {
        /// <summary>Convolution kernels (rank ≥ 3) get more centroids than fully connected ones (Han et al.).</summary>
        public bool IsConv => Data.Shape.Length >= 3;
    }

    public static List<Entry> Find(Graph.Graph graph)
    {
        var seen = new HashSet<Value>();
        var list = new List<Entry>();
        foreach (var n in graph.Nodes)
        {
            if (n.Schema.Quantization is not { } f || n.Input(f.WeightInput) is not { } w || !seen.Add(w)) continue;
            if (graph.InitializerData(w) is { Type: DataType.Float } t && t.Shape.Length >= 2) list.Add(new Entry(n, w, t));
        }
        return list;
    }
}
