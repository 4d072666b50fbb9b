using Engine.Runtime.Compute;

namespace Engine.Tests.Compute;

/// <summary>Definitions the compute primitives are checked against: plain double-precision loops.</summary>
internal static class ComputeReference
{
    public static readonly ComputeIsa[] Paths = [ComputeIsa.Scalar, ComputeIsa.Avx2, ComputeIsa.Avx512];

    public static float[] Random(int n, int seed, float lo = -1, float hi = 1)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (float)r.NextDouble() * (hi - lo);
        return a;
    }

    public static double Activate(double v, Activation act) => act.Kind switch
    {
        ActivationKind.None => v,
        ActivationKind.Relu => Math.Max(v, 0),
        ActivationKind.Clip => Math.Min(Math.Max(v, act.Alpha), act.Beta),
        ActivationKind.LeakyRelu => v < 0 ? act.Alpha * v : v,
        ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-v)),
        ActivationKind.Tanh => Math.Tanh(v),
        ActivationKind.Gelu => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))),
        ActivationKind.GeluTanh => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
        ActivationKind.Silu => v / (1 + Math.Exp(-v)),
        _ => throw new ArgumentOutOfRangeException(nameof(act)),
    };

    /// <summary>erf by its Maclaurin series (|x| ≤ 3) or continued fraction: accurate to ~1e-14 for our range.</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax > 5) return Math.Sign(x);
        if (ax <= 3)
        {
            double sum = 0, term = x;
            for (int n = 0; n < 200; n++)
            {
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.Abs(t) < 1e-17) break;
                term *= -x * x / (n + 1);
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc by Lentz's continued fraction.
        double f = ax, c = ax, d = 0;
        for (int n = 1; n < 200; n++)
        {
            double an = n / 2.0;
            d = ax + an * d;
            d = 1 / d;
            c = ax + an / c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        double erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f;
        return Math.Sign(x) * (1 - erfc);
    }

    /// <summary>epilogue(op(A)·op(B)) in double.</summary>
    public static double[] Gemm(int m, int n, int k, float[] a, bool transA, float[] b, bool transB, Epilogue e, float[]? bias, float[]? residual)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                    acc += (double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                if (e.Bias == BiasKind.PerColumn) acc += bias![j];
                if (e.Bias == BiasKind.PerRow) acc += bias![i];
                if (residual is not null && !e.ResidualAfterActivation) acc += residual[i * n + j];
                acc = Activate(acc, e.Activation);
                if (residual is not null && e.ResidualAfterActivation) acc += residual[i * n + j];
                c[i * n + j] = acc;
            }
        return c;
    }

    public static void Close(double[] expected, ReadOnlySpan<float> actual, double rtol = 1e-4, double atol = 2e-5, string what = "")
    {
        Assert.True(actual.Length >= expected.Length, $"{what}: output too short");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!(Math.Abs(e - a) <= atol + rtol * Math.Abs(e))) Assert.Fail($"{what}: [{i}] expected {e}, got {a}");
        }
    }
}
