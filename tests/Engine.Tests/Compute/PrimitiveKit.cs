namespace Engine.Tests.Compute;

/// <summary>Comparison for primitive outputs against reference kernels: exact matches (±inf) pass, NaN must meet NaN.</summary>
internal static class PrimitiveKit
{
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol = 1e-5, double atol = 1e-6, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (e == a) continue;
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(a), $"{what}[{i}] expected NaN, got {a}"); continue; }
            Assert.True(Math.Abs(e - a) <= atol + rtol * Math.Abs(e), $"{what}[{i}] expected {e}, got {a}");
        }
    }

    public static int[] Dims(Random rng, int rank, int max = 9)
    {
        int[] pool = [1, 2, 3, 5, 7, 8, 13, 16, 17];
        var d = new int[rank];
        for (int i = 0; i < rank; i++) d[i] = pool[rng.Next(pool.Length)] is var v && v <= max ? v : 1;
        return d;
    }
}
