namespace Engine.Training;

/// <summary>
/// The loop's random generator (SplitMix64): shuffling, splits and weight initialization. Its whole
/// state is one <see cref="State"/> word, so a checkpoint can store it and a resumed run draws exactly
/// what the uninterrupted run would have; unlike System.Random its sequence is fixed by this code.
/// </summary>
public sealed class Rng(ulong seed)
{
    public ulong State { get; set; } = seed;

    public ulong NextUInt64()
    {
        ulong z = unchecked(State += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n) (Lemire's multiply-shift; the tiny bias is irrelevant for shuffling).</summary>
    public int NextInt(int n) => (int)((UInt128)NextUInt64() * (ulong)n >> 64);

    /// <summary>Fisher–Yates in place.</summary>
    public void Shuffle<T>(T[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        Shuffle(p);
        return p;
    }
}
