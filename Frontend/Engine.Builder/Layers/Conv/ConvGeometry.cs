using Engine.Graph;

namespace Engine.Builder;

/// <summary>Checks and expands per-dimension conv/pool arguments (an int means the same for every dim).</summary>
internal static class ConvGeometry
{
    public static int[] Expand(Layer layer, string what, int[] values, int rank)
    {
        if (values.Length == 1) return Enumerable.Repeat(values[0], rank).ToArray();
        if (values.Length != rank) throw BuildException.For(layer, $"{what} needs 1 or {rank} values, got {values.Length}");
        if (values.Any(v => v <= 0)) throw BuildException.For(layer, $"{what} must be positive, got ({string.Join(",", values)})");
        return values;
    }

    /// <summary>The input's channel count (dim 1) and spatial dims (−1 when unknown), checking the rank.</summary>
    public static (int Channels, long[] Spatial) Split(Layer layer, TensorType x, int spatialRank)
    {
        if (x.Rank != spatialRank + 2)
            throw BuildException.For(layer, $"expects a rank-{spatialRank + 2} input [N, C, {string.Join(", ", Enumerable.Range(0, spatialRank).Select(i => "d" + i))}], got {x}");
        if (!x.Dims![1].IsKnown) throw BuildException.For(layer, $"needs a known channel dim, got {x}");
        return ((int)x.Dims[1].Value, x.Dims.Skip(2).Select(d => d.IsKnown ? d.Value : -1).ToArray());
    }

    public static long[] Longs(int[] v) => v.Select(x => (long)x).ToArray();
}
