using System.Runtime.Intrinsics;
using Engine.Runtime.Compute;

namespace Engine.Tests.Compute;

/// <summary>VectorMath against double-precision definitions, on all three paths, over a wide range and the special values.</summary>
public unsafe class VectorMathTests
{
    private static float[] Inputs(float lo, float hi)
    {
        var r = new Random(7);
        var list = new List<float> { 0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 0.5f, -0.5f, 0.625f, -0.625f,
            88.7f, 88.72f, 88.8f, -87.3f, -88f, -100f, -103.9f, -104.5f, 200f, -200f, 1e30f, -1e30f, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, 3.9999f, 4f, 4.1f, -4.1f, 9f, -9f, 20f, -20f };
        for (int i = 0; i < 4000; i++) list.Add(lo + (float)r.NextDouble() * (hi - lo));
        for (int i = 0; i < 1000; i++) list.Add((float)((r.NextDouble() * 2 - 1) * Math.Pow(10, r.Next(-38, 3))));
        // Subnormals for Log.
        for (int i = 0; i < 50; i++) list.Add(BitConverter.Int32BitsToSingle(r.Next(1, 0x007FFFFF)));
        return list.ToArray();
    }

    private static void Check<TOp>(Func<double, double> exact, double rtol, double atol, double atolRel = 0) where TOp : VectorMath.IUnaryFunction
    {
        var x = Inputs(-100, 100);
        foreach (var isa in ComputeReference.Paths)
        {
            var y = new float[x.Length];
            fixed (float* px = x, py = y) VectorMath.Map<TOp>(px, py, x.Length, isa);
            for (int i = 0; i < x.Length; i++)
            {
                double e = exact(x[i]);
                float ef = (float)e;
                double a = y[i];
                if (double.IsNaN(e)) { Assert.True(float.IsNaN(y[i]), $"{typeof(TOp).Name} {isa} x={x[i]:R}: expected NaN, got {a:R}"); continue; }
                if (double.IsInfinity(ef)) { Assert.True(a == ef, $"{typeof(TOp).Name} {isa} x={x[i]:R}: expected {ef}, got {a:R}"); continue; }
                double tol = atol + (float.IsFinite(x[i]) ? atolRel * Math.Abs(x[i]) : 0) + rtol * Math.Abs(e);
                if (a == e) continue;
                Assert.True(Math.Abs(a - e) <= tol, $"{typeof(TOp).Name} {isa} x={x[i]:R}: expected {e:R}, got {a:R} (err {Math.Abs(a - e) / Math.Max(Math.Abs(e), 1e-300):E2} rel)");
            }
        }
    }

    private static double Erf(double v) => double.IsNaN(v) ? v : ComputeReference.Erf(v);

    [Fact]
    public void ExpIsAccurate() => Check<VectorMath.ExpFn>(Math.Exp, 3e-7, 3e-45);

    [Fact]
    public void LogIsAccurate() => Check<VectorMath.LogFn>(Math.Log, 3e-7, 0);

    [Fact]
    public void TanhIsAccurate() => Check<VectorMath.TanhFn>(Math.Tanh, 4e-7, 1e-45);

    [Fact]
    public void SigmoidIsAccurate() => Check<VectorMath.SigmoidFn>(v => 1 / (1 + Math.Exp(-v)), 5e-7, 3e-45);

    [Fact]
    public void SiluIsAccurate() => Check<VectorMath.SiluFn>(v => v / (1 + Math.Exp(-v)), 5e-7, 1e-38);

    [Fact]
    public void ErfIsAccurate() => Check<VectorMath.ErfFn>(Erf, 1e-6, 2e-7);

    [Fact]
    public void GeluIsAccurate() => Check<VectorMath.GeluFn>(v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))), 1e-6, 1e-7, 2e-7);

    [Fact]
    public void GeluTanhIsAccurate() =>
        Check<VectorMath.GeluTanhFn>(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))), 1e-6, 1e-7, 2e-7);

    [Fact]
    public void MapHandlesEveryLengthAndInPlace()
    {
        foreach (var isa in ComputeReference.Paths)
            foreach (int n in new[] { 0, 1, 7, 8, 15, 16, 17, 31, 33 })
            {
                var x = ComputeReference.Random(n, n, -5, 5);
                var expect = x.Select(MathF.Exp).ToArray();
                fixed (float* p = x) VectorMath.Map<VectorMath.ExpFn>(p, p, n, isa);
                for (int i = 0; i < n; i++) Assert.Equal(expect[i], x[i], 1e-5f * MathF.Abs(expect[i]));
            }
    }

    [Fact]
    public void VectorOverloadsMatchScalarLanes()
    {
        var v = Vector512.Create(-3f, -2f, -1f, -0.5f, 0f, 0.5f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f);
        var e = VectorMath.Exp(v);
        var t = VectorMath.Tanh(v.GetLower());
        for (int i = 0; i < 16; i++) Assert.Equal(MathF.Exp(v[i]), e[i], 1e-6f * MathF.Exp(v[i]));
        for (int i = 0; i < 8; i++) Assert.Equal(MathF.Tanh(v[i]), t[i], 1e-6f);
    }
}
