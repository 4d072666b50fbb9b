using Engine.Runtime;
using Engine.Training;

namespace Engine.Builder.Data;

/// <summary>Conveniences over the training library's <see cref="Dataset"/> for building and inspecting data.</summary>
public static class DatasetExtensions
{
    /// <summary>The first <paramref name="count"/> samples (small slices keep tests fast).</summary>
    public static Dataset Take(this Dataset d, int count) => d.Subset(Enumerable.Range(0, Math.Min(count, d.Count)).ToArray());

    /// <summary>Samples per class.</summary>
    public static int[] ClassCounts(this Dataset d)
    {
        var c = new int[d.Classes];
        foreach (var y in d.Labels) c[y]++;
        return c;
    }

    /// <summary>Minibatches (x, y), in a seeded shuffled order when <paramref name="rng"/> is given; the last may be smaller unless dropped.</summary>
    public static IEnumerable<(Tensor X, Tensor Y)> Batches(this Dataset d, int batchSize, Rng? rng = null, bool dropLast = false)
    {
        if (batchSize <= 0) throw new EngineException($"batch size must be positive, got {batchSize}");
        var order = rng?.Permutation(d.Count) ?? Enumerable.Range(0, d.Count).ToArray();
        for (int start = 0; start < d.Count; start += batchSize)
        {
            int b = Math.Min(batchSize, d.Count - start);
            if (dropLast && b < batchSize) yield break;
            yield return d.Batch(order.AsSpan(start, b));
        }
    }

    /// <summary>The same samples viewed with another sample shape of equal size (flat digits as 1×8×8 images).</summary>
    public static Dataset Reshaped(this Dataset d, params int[] sampleShape) =>
        Tensor.ElementCount(sampleShape) == d.SampleSize
            ? new Dataset(d.Name, d.Features, sampleShape, d.Labels, d.Classes)
            : throw new EngineException($"dataset '{d.Name}': cannot view {Tensor.ShapeString(d.SampleShape)} samples as {Tensor.ShapeString(sampleShape)}");
}
