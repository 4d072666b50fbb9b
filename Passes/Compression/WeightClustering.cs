using Engine.Runtime;

namespace Engine.Passes.Compression;

/// <summary>One layer after k-means weight sharing: its codebook and, per weight, the centroid index (−1: a pruned zero).</summary>
public sealed record ClusteredLayer(string Weight, int Bits, float[] Codebook, int[] Indices, long NonZeros);

/// <summary>
/// Deep Compression's weight sharing: per layer, k-means over the non-zero weights with 2^bits centroids
/// initialized linearly over [min, max] (Han et al. found linear initialization keeps the rare large weights
/// that density-based initializations lose); every weight is replaced by its centroid, pruned zeros stay
/// exactly zero. The graph keeps dense float weights (the code generator's kernels read floats); the
/// codebook and indices are what <see cref="Runtime.IO.HuffmanWeights"/> stores.
/// </summary>
public static class WeightClustering
{
    public static List<ClusteredLayer> Cluster(Graph.Graph graph, int convBits = 8, int fcBits = 5, int iterations = 30)
    {
        if (convBits is < 1 or > 16 || fcBits is < 1 or > 16) throw new EngineException($"cluster: bits must be in 1..16, got conv {convBits}, fc {fcBits}");
        var layers = new List<ClusteredLayer>();
        foreach (var e in PrunableWeights.Find(graph))
        {
            int bits = e.IsConv ? convBits : fcBits;
            var w = e.Data.As<float>();
            var (codebook, indices) = KMeans(w, 1 << bits, iterations);
            var dst = new float[w.Length];
            long nonZeros = 0;
            for (int i = 0; i < w.Length; i++)
            {
                if (indices[i] < 0) continue;
                dst[i] = codebook[indices[i]];
                nonZeros++;
            }
            graph.SetInitializer(e.Weight, new Tensor(DataType.Float, (int[])e.Data.Shape.Clone(), dst));
            layers.Add(new ClusteredLayer(e.Weight.Name, bits, codebook, indices, nonZeros));
        }
        return layers;
    }

    /// <summary>1-D k-means (Lloyd) over the non-zero values; zeros get index −1.</summary>
    public static (float[] Codebook, int[] Indices) KMeans(float[] values, int k, int iterations)
    {
        var indices = new int[values.Length];
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
        {
            if (v == 0) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (float.IsInfinity(min))
        {
            Array.Fill(indices, -1);
            return ([], indices);
        }
        var centroids = new double[k];
        for (int c = 0; c < k; c++) centroids[c] = k == 1 ? (min + max) / 2.0 : min + (max - min) * c / (k - 1);
        var sum = new double[k];
        var count = new long[k];
        for (int it = 0; it < iterations; it++)
        {
            Array.Clear(sum);
            Array.Clear(count);
            bool changed = false;
            // Centroids stay sorted (1-D Lloyd preserves order), so the nearest one is found by binary search.
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] == 0)
                {
                    indices[i] = -1;
                    continue;
                }
                int c = Nearest(centroids, values[i]);
                if (c != indices[i] || it == 0) changed |= c != indices[i];
                indices[i] = c;
                sum[c] += values[i];
                count[c]++;
            }
            for (int c = 0; c < k; c++)
            {
                if (count[c] > 0) centroids[c] = sum[c] / count[c];
            }
            if (!changed && it > 0) break;
        }
        return (centroids.Select(c => (float)c).ToArray(), indices);
    }

    private static int Nearest(double[] sorted, float v)
    {
        int lo = 0, hi = sorted.Length - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] <= v) lo = mid;
            else hi = mid;
        }
        return Math.Abs(v - sorted[lo]) <= Math.Abs(v - sorted[hi]) ? lo : hi;
    }
}
