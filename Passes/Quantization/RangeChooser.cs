namespace Engine.Passes.Quantization;

/// <summary>Picks an activation's quantization range [lo, hi] from its calibration statistics.</summary>
public static class RangeChooser
{
    public static (float Lo, float Hi) Choose(ActivationStats s, QuantizationOptions o)
    {
        if (s.Count == 0) return (0, 0);
        switch (o.Method)
        {
            case CalibrationMethod.MinMax:
                return (s.Min, s.Max);
            case CalibrationMethod.Percentile:
                {
                    var sorted = s.SortedSample();
                    double q = Math.Clamp(o.Percentile, 50, 100) / 100;
                    float lo = sorted[(int)Math.Floor((1 - q) * (sorted.Length - 1))];
                    float hi = sorted[(int)Math.Ceiling(q * (sorted.Length - 1))];
                    return (Math.Max(lo, s.Min), Math.Min(hi, s.Max));
                }
            case CalibrationMethod.Entropy:
                {
                    float t = EntropyThreshold(s.SortedSample(), o.Activations == ActivationType.UInt8 && s.Min >= 0 ? 256 : 128);
                    return (Math.Max(s.Min, -t), Math.Min(s.Max, t));
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(o));
        }
    }

    /// <summary>
    /// TensorRT's entropy calibration: a 2,048-bin histogram of |x|; for each candidate threshold (bin i ≥ levels)
    /// the reference distribution P is the first i bins with the clipped tail added to the last, Q is P merged
    /// into <paramref name="levels"/> quantization levels and spread back over the non-empty bins; the threshold
    /// with the smallest KL(P‖Q) wins.
    /// </summary>
    public static float EntropyThreshold(float[] sample, int levels)
    {
        const int bins = 2048;
        float maxAbs = 0;
        foreach (float v in sample) maxAbs = Math.Max(maxAbs, Math.Abs(v));
        if (maxAbs == 0) return 0;
        var hist = new double[bins];
        foreach (float v in sample) hist[Math.Min(bins - 1, (int)(Math.Abs(v) / maxAbs * bins))]++;
        double bestKl = double.PositiveInfinity;
        int best = bins;
        var p = new double[bins];
        var q = new double[bins];
        for (int i = levels; i <= bins; i++)
        {
            Array.Copy(hist, p, i);
            double tail = 0;
            for (int k = i; k < bins; k++) tail += hist[k];
            p[i - 1] += tail;
            // Merge the first i bins of the histogram (without the tail) into `levels` groups, then expand each
            // group's mass evenly over its non-empty bins.
            Array.Clear(q, 0, i);
            for (int g = 0; g < levels; g++)
            {
                int start = g * i / levels, end = (g + 1) * i / levels;
                double mass = 0;
                int nonEmpty = 0;
                for (int k = start; k < end; k++)
                {
                    mass += hist[k];
                    if (hist[k] > 0) nonEmpty++;
                }
                if (nonEmpty == 0) continue;
                for (int k = start; k < end; k++)
                {
                    if (hist[k] > 0) q[k] = mass / nonEmpty;
                }
            }
            double kl = KlDivergence(p, q, i);
            if (kl < bestKl)
            {
                bestKl = kl;
                best = i;
            }
        }
        return (best + 0.5f) / bins * maxAbs;
    }

    private static double KlDivergence(double[] p, double[] q, int n)
    {
        double sp = 0, sq = 0;
        for (int k = 0; k < n; k++)
        {
            sp += p[k];
            sq += q[k];
        }
        if (sp == 0 || sq == 0) return double.PositiveInfinity;
        double kl = 0;
        for (int k = 0; k < n; k++)
        {
            if (p[k] == 0) continue;
            double pk = p[k] / sp, qk = q[k] / sq;
            // A reference bin the candidate cannot represent: smooth instead of infinite divergence.
            kl += pk * Math.Log(pk / Math.Max(qk, 1e-12));
        }
        return kl;
    }
}
