namespace Engine.Bench;

internal static class Check
{
    public static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>Both engines must compute the same thing before we time them.</summary>
    public static void Same(string what, float[] ort, float[] ours)
    {
        double worst = 0;
        for (int i = 0; i < ort.Length; i++)
        {
            double d = Math.Abs(ort[i] - ours[i]) / (1 + Math.Abs(ort[i]));
            if (!(d <= worst)) worst = double.IsNaN(d) ? double.PositiveInfinity : d;
        }
        if (worst > 1e-3) throw new InvalidOperationException($"{what}: Engine and ORT outputs differ (max relative error {worst})");
    }
}
