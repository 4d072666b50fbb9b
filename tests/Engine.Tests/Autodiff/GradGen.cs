using CsCheck;

namespace Engine.Tests.Autodiff;

/// <summary>CsCheck generators for gradient checks: tiny shapes, broadcasting pairs, seeds.</summary>
public static class GradGen
{
    /// <summary>A shape of rank in [minRank, maxRank] with dims in [1, maxDim].</summary>
    public static Gen<int[]> Shape(int minRank = 0, int maxRank = 3, int maxDim = 4) => Gen.Int[1, maxDim].Array[minRank, maxRank];

    public static Gen<int> Seed => Gen.Int[0, 1_000_000];

    /// <summary>
    /// Two shapes that broadcast together: each is a suffix of a common shape with some dims set to 1
    /// (covers rank differences, size-1 dims on either side, scalars and equal shapes).
    /// </summary>
    public static Gen<(int[] A, int[] B)> BroadcastPair(int maxRank = 3, int maxDim = 4) =>
        Gen.Select(Shape(0, maxRank, maxDim), Gen.Int[0, 3].Array[maxRank], Gen.Int[0, 3].Array[maxRank], Gen.Int[0, maxRank], Gen.Int[0, maxRank],
            (full, ka, kb, da, db) => (Derive(full, ka, da), Derive(full, kb, db)));

    /// <summary><paramref name="count"/> shapes that broadcast together (see <see cref="BroadcastPair"/>).</summary>
    public static Gen<int[][]> Broadcast(int count, int maxRank = 3, int maxDim = 4) =>
        Gen.Select(Shape(0, maxRank, maxDim), Gen.Int[0, 3].Array[maxRank].Array[count], Gen.Int[0, maxRank].Array[count],
            (full, ones, drops) => Enumerable.Range(0, count).Select(i => Derive(full, ones[i], drops[i])).ToArray());

    /// <summary>A suffix of <paramref name="full"/> (dropping up to <paramref name="drop"/> leading dims), some dims squeezed to 1.</summary>
    private static int[] Derive(int[] full, int[] ones, int drop)
    {
        var suffix = full.Skip(Math.Min(drop % (full.Length + 1), full.Length)).ToArray();
        for (int i = 0; i < suffix.Length; i++) if (ones[i % ones.Length] == 0) suffix[i] = 1;
        return suffix;
    }

    public static string Text(int[] shape) => "[" + string.Join(",", shape) + "]";
}
