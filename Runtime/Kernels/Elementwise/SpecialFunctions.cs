namespace Engine.Runtime.Kernels;

/// <summary>Scalar functions .NET lacks, accurate to double precision where the kernels need them.</summary>
public static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;

    /// <summary>
    /// The error function. |x| &lt; 2: its Maclaurin series (terms peak near e^4, so little of
    /// double's precision cancels away); beyond: 1 - erfc(x) with erfc's continued fraction.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double ax = Math.Abs(x);
        if (ax < 2.0)
        {
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return TwoOverSqrtPi * sum;
        }
        if (ax > 6.0) return Math.Sign(x);
        double r = 1.0 - ErfcLarge(ax);
        return x < 0 ? -r : r;
    }

    /// <summary>erfc(x) for x ≥ 2 by Lentz's method on erfc(x) = e^{-x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))).</summary>
    private static double ErfcLarge(double x)
    {
        // Continued fraction K = x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))), coefficient n/2 at depth n.
        const double Tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 2000; n++)
        {
            double an = n / 2.0;
            d = x + an * d;
            d = Math.Abs(d) < Tiny ? 1 / Tiny : 1 / d;
            c = x + an / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * f);
    }
}
