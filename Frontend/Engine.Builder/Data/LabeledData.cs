using Engine.Runtime;

namespace Engine.Builder.Data;

/// <summary>
/// An in-memory labelled dataset: features [n, sample shape…] as float32 and integer class labels.
/// Splits and batches copy rows, so a split can be normalized or augmented without touching its parent.
/// </summary>
public sealed class LabeledData
{
    public LabeledData(float[] features, int[] sampleShape, long[] labels, int classes, string name = "data")
    {
        long per = Tensor.ElementCount(sampleShape);
        if (per <= 0 || features.LongLength != per * labels.LongLength)
            throw new EngineException($"dataset '{name}': {features.LongLength} feature values do not make {labels.Length} samples of {Tensor.ShapeString(sampleShape)}");
        foreach (var y in labels)
            if (y < 0 || y >= classes) throw new EngineException($"dataset '{name}': label {y} is outside [0, {classes})");
        Features = features;
        SampleShape = sampleShape;
        Labels = labels;
        Classes = classes;
        Name = name;
    }

    public string Name { get; }

    public float[] Features { get; }

    public int[] SampleShape { get; }

    public long[] Labels { get; }

    public int Classes { get; }

    public int Count => Labels.Length;

    public int SampleSize => (int)Tensor.ElementCount(SampleShape);

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public LabeledData Select(IReadOnlyList<int> indices, string? name = null)
    {
        int per = SampleSize;
        var x = new float[(long)indices.Count * per];
        var y = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Array.Copy(Features, (long)indices[i] * per, x, (long)i * per, per);
            y[i] = Labels[indices[i]];
        }
        return new LabeledData(x, SampleShape, y, Classes, name ?? Name);
    }

    public LabeledData Take(int count) => Select(Enumerable.Range(0, Math.Min(count, Count)).ToArray());

    /// <summary>A seeded shuffle split: the first part holds ⌈fraction·n⌉ samples (e.g. 0.8 → 80/20).</summary>
    public (LabeledData First, LabeledData Second) Split(double fraction, int seed)
    {
        if (fraction is <= 0 or >= 1) throw new EngineException($"dataset '{Name}': split fraction must be in (0, 1), got {fraction}");
        var order = Permutation(Count, new Random(seed));
        int n = (int)Math.Ceiling(fraction * Count);
        return (Select(order[..n], Name + "/train"), Select(order[n..], Name + "/test"));
    }

    /// <summary>Fisher–Yates with the given generator: the same seed gives the same order.</summary>
    public static int[] Permutation(int n, Random rng)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>
    /// Minibatches as (x [b, sample…], y [b]) tensors; shuffled with <paramref name="rng"/> when given.
    /// The last batch may be smaller unless <paramref name="dropLast"/>.
    /// </summary>
    public IEnumerable<(Tensor X, Tensor Y)> Batches(int batchSize, Random? rng = null, bool dropLast = false)
    {
        if (batchSize <= 0) throw new EngineException($"batch size must be positive, got {batchSize}");
        var order = rng is null ? Enumerable.Range(0, Count).ToArray() : Permutation(Count, rng);
        int per = SampleSize;
        for (int start = 0; start < Count; start += batchSize)
        {
            int b = Math.Min(batchSize, Count - start);
            if (dropLast && b < batchSize) yield break;
            var x = new float[(long)b * per];
            var y = new long[b];
            for (int i = 0; i < b; i++)
            {
                Array.Copy(Features, (long)order[start + i] * per, x, (long)i * per, per);
                y[i] = Labels[order[start + i]];
            }
            yield return (new Tensor(DataType.Float, [b, .. SampleShape], x), Tensor.FromArray(y, b));
        }
    }

    /// <summary>Samples per class (stratification checks, the demo's data description).</summary>
    public int[] ClassCounts()
    {
        var c = new int[Classes];
        foreach (var y in Labels) c[y]++;
        return c;
    }
}
