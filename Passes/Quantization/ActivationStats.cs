namespace Engine.Passes.Quantization;

/// <summary>
/// What calibration saw of one activation tensor: exact min/max/count over every value, plus a seeded uniform
/// reservoir sample of the values for percentiles, the entropy histogram and clipping ratios.
/// </summary>
public sealed class ActivationStats
{
    private readonly float[] _reservoir;
    private readonly Random _rng;
    private int _filled;

    public ActivationStats(int reservoirSize, int seed)
    {
        _reservoir = new float[Math.Max(1, reservoirSize)];
        _rng = new Random(seed);
    }

    public float Min { get; private set; } = float.PositiveInfinity;

    public float Max { get; private set; } = float.NegativeInfinity;

    public long Count { get; private set; }

    public void Add(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (float.IsNaN(v)) continue;
            if (v < Min) Min = v;
            if (v > Max) Max = v;
            Count++;
            // Algorithm R: every value seen so far is in the reservoir with equal probability.
            if (_filled < _reservoir.Length) _reservoir[_filled++] = v;
            else
            {
                long j = _rng.NextInt64(Count);
                if (j < _reservoir.Length) _reservoir[j] = v;
            }
        }
    }

    /// <summary>The reservoir sample, sorted ascending.</summary>
    public float[] SortedSample()
    {
        var s = _reservoir.AsSpan(0, _filled).ToArray();
        Array.Sort(s);
        return s;
    }

    /// <summary>Share of the sampled values outside [lo, hi].</summary>
    public double ClippedFraction(float lo, float hi)
    {
        if (_filled == 0) return 0;
        int outside = 0;
        for (int i = 0; i < _filled; i++)
        {
            if (_reservoir[i] < lo || _reservoir[i] > hi) outside++;
        }
        return (double)outside / _filled;
    }
}
