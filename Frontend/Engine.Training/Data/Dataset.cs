using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// A labelled classification dataset in memory: float32 samples of one shape, int64 class labels.
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, float[] features, int[] sampleShape, long[] labels, int classes)
    {
        int size = (int)Tensor.ElementCount(sampleShape);
        if (features.Length != labels.Length * size)
            throw new EngineException($"dataset '{name}': {features.Length} feature values do not make {labels.Length} samples of {Tensor.ShapeString(sampleShape)}");
        if (labels.Any(l => l < 0 || l >= classes))
            throw new EngineException($"dataset '{name}': a label is outside 0..{classes - 1}");
        Name = name;
        Features = features;
        SampleShape = sampleShape;
        Labels = labels;
        Classes = classes;
    }

    public string Name { get; }

    public float[] Features { get; }

    public int[] SampleShape { get; }

    public long[] Labels { get; }

    public int Classes { get; }

    public int Count => Labels.Length;

    public int SampleSize => (int)Tensor.ElementCount(SampleShape);

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        int size = SampleSize;
        var f = new float[indices.Count * size];
        var l = new long[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            Array.Copy(Features, (long)indices[k] * size, f, (long)k * size, size);
            l[k] = Labels[indices[k]];
        }
        return new Dataset(name ?? Name, f, SampleShape, l, Classes);
    }

    /// <summary>A seeded random split: the first part has round(fraction·Count) samples.</summary>
    public (Dataset First, Dataset Second) Split(double fraction, Rng rng)
    {
        if (!(fraction > 0 && fraction < 1)) throw new EngineException($"dataset '{Name}': split fraction must be in (0, 1), got {fraction}");
        var perm = rng.Permutation(Count);
        int n = (int)Math.Round(fraction * Count);
        return (Subset(perm[..n]), Subset(perm[n..]));
    }

    /// <summary>Features [n, …sample shape] and labels [n] of the samples at <paramref name="indices"/>.</summary>
    public (Tensor X, Tensor Y) Batch(ReadOnlySpan<int> indices)
    {
        int size = SampleSize;
        var f = new float[indices.Length * size];
        var l = new long[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            Array.Copy(Features, (long)indices[k] * size, f, (long)k * size, size);
            l[k] = Labels[indices[k]];
        }
        return (new Tensor(DataType.Float, [indices.Length, .. SampleShape], f), Tensor.FromArray(l, indices.Length));
    }

    /// <summary>All samples as one batch.</summary>
    public (Tensor X, Tensor Y) All() => (new Tensor(DataType.Float, [Count, .. SampleShape], Features), Tensor.FromArray(Labels, Count));
}
