using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Runtime.Compute;

/// <summary>
/// Vectorized float transcendental functions for kernels and generated code: Exp, Log, Tanh, Sigmoid, Silu,
/// Erf, Gelu (exact, via erf) and GeluTanh, each for <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/>
/// and scalar float, plus array maps (<see cref="Map{TOp}"/>) that pick the path from a <see cref="ComputeIsa"/>.
/// </summary>
/// <remarks>
/// All vector overloads are branch-free polynomial/rational approximations (Cephes-style range reduction),
/// <c>AggressiveInlining</c> so a fused elementwise loop in generated code can call them per vector:
/// <code>
/// var v = Vector512.Load(p + i);
/// VectorMath.Gelu(v).Store(q + i);             // or Exp/Log/Tanh/Sigmoid/Silu/Erf/GeluTanh
/// float s = VectorMath.Gelu(p[i]);             // scalar tail, same function
/// </code>
/// Accuracy, checked by tests over [-100, 100] and the special values: Exp, Log, Tanh, Sigmoid within
/// ~2–3 ulp (relative 1e-6); Erf absolute 2e-7; Gelu absolute 2e-7·(1 + |x|) (its negative tail is
/// 0.5·x·(1 + erf), not erfc-based). NaN inputs give NaN; ±inf give the function's limit.
/// The scalar overloads use <see cref="MathF"/> where it has the function, so they are at least as accurate.
/// </remarks>
public static unsafe class VectorMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float ExpHi = 89f;
    private const float ExpLo = -104f;
    private const float E5 = 1.9875691500E-4f, E4 = 1.3981999507E-3f, E3 = 8.3334519073E-3f, E2 = 4.1665795894E-2f, E1 = 1.6666665459E-1f, E0 = 5.0000001201E-1f;

    private const float Two23 = 8388608f;
    private const float MinNormal = 1.17549435e-38f;
    private const int MantissaMask = 0x007FFFFF;
    private const int HalfBits = 0x3F000000;
    private const float SqrtHalf = 0.707106781186547524f;
    private const float L8 = 7.0376836292E-2f, L7 = -1.1514610310E-1f, L6 = 1.1676998740E-1f, L5 = -1.2420140846E-1f, L4 = 1.4249322787E-1f,
        L3 = -1.6668057665E-1f, L2 = 2.0000714765E-1f, L1 = -2.4999993993E-1f, L0 = 3.3333331174E-1f;

    private const int SignBit = unchecked((int)0x80000000);
    private const float TanhSmall = 0.625f;
    private const float TanhClamp = 40f;
    private const float T4 = -5.70498872745E-3f, T3 = 2.06390887954E-2f, T2 = -5.37397155531E-2f, T1 = 1.33314422036E-1f, T0 = -3.33332819422E-1f;

    // erf(x) ≈ x·P(x²)/Q(x²) on [-4, 4] (the rational approximation used by Eigen/XLA for float).
    private const float A13 = -2.72614225801306e-10f, A11 = 2.77068142495902e-08f, A9 = -2.10102402082508e-06f, A7 = -5.69250639462346e-05f,
        A5 = -7.34990630326855e-04f, A3 = -2.95459980854025e-03f, A1 = -1.60960333262415e-02f;
    private const float B8 = -1.45660718464996e-05f, B6 = -2.13374055278905e-04f, B4 = -1.68282697438203e-03f, B2 = -7.37332916720468e-03f,
        B0 = -1.42647390514189e-02f;

    private const float InvSqrt2 = 0.70710678118654752f;
    private const float SqrtTwoOverPi = 0.79788456080286536f;
    private const float GeluC = 0.044715f;

    // ---------------------------------------------------------------- scalar

    public static float Exp(float x) => MathF.Exp(x);

    public static float Log(float x) => MathF.Log(x);

    public static float Tanh(float x) => MathF.Tanh(x);

    public static float Sigmoid(float x)
    {
        float e = MathF.Exp(-MathF.Abs(x)), s = 1f / (1f + e);
        return x < 0 ? e * s : s;
    }

    public static float Silu(float x) => x * Sigmoid(x);

    public static float Erf(float x)
    {
        if (float.IsNaN(x)) return x;
        float c = Math.Clamp(x, -4f, 4f), z = c * c;
        float p = MathF.FusedMultiplyAdd(A13, z, A11);
        p = MathF.FusedMultiplyAdd(p, z, A9);
        p = MathF.FusedMultiplyAdd(p, z, A7);
        p = MathF.FusedMultiplyAdd(p, z, A5);
        p = MathF.FusedMultiplyAdd(p, z, A3);
        p = MathF.FusedMultiplyAdd(p, z, A1);
        float q = MathF.FusedMultiplyAdd(B8, z, B6);
        q = MathF.FusedMultiplyAdd(q, z, B4);
        q = MathF.FusedMultiplyAdd(q, z, B2);
        q = MathF.FusedMultiplyAdd(q, z, B0);
        return c * p / q;
    }

    public static float Gelu(float x)
    {
        float h = 0.5f * x;
        return MathF.FusedMultiplyAdd(h, Erf(x * InvSqrt2), h);
    }

    public static float GeluTanh(float x)
    {
        float h = 0.5f * x;
        return MathF.FusedMultiplyAdd(h, MathF.Tanh(x * MathF.FusedMultiplyAdd(x * x, GeluC * SqrtTwoOverPi, SqrtTwoOverPi)), h);
    }

    // ---------------------------------------------------------------- Vector512<float>

    /// <summary>e^x, relative error ≤ 2 ulp on normal results; +inf above 88.72, gradual underflow to 0 below -87.3, NaN kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var c = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(ExpLo)), Vector512.Create(ExpHi));
        var n = Vector512.Round(c * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), c);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(E5), r, Vector512.Create(E4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E0));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        // 2^n as two factors so results down in the subnormal range (n < -126) come out right.
        var ni = Vector512.ConvertToInt32Native(n);
        var n1 = Vector512.ShiftRightArithmetic(ni, 1);
        var n2 = ni - n1;
        var s1 = Vector512.ShiftLeft(n1 + Vector512.Create(127), 23).AsSingle();
        var s2 = Vector512.ShiftLeft(n2 + Vector512.Create(127), 23).AsSingle();
        var y = p * s1 * s2;
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }

    /// <summary>Natural logarithm: -inf at ±0, NaN below 0, +inf at +inf, subnormal inputs handled; ≤ 2 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        // Scale subnormals into the normal range first.
        var tiny = Vector512.LessThan(x, Vector512.Create(MinNormal));
        var xs = Vector512.ConditionalSelect(tiny, x * Vector512.Create(Two23), x);
        var bits = xs.AsInt32();
        var e = Vector512.ShiftRightArithmetic(bits, 23) - Vector512.ConditionalSelect(tiny.AsInt32(), Vector512.Create(126 + 23), Vector512.Create(126));
        // m in [0.5, 1)
        var m = ((bits & Vector512.Create(MantissaMask)) | Vector512.Create(HalfBits)).AsSingle();
        var small = Vector512.LessThan(m, Vector512.Create(SqrtHalf));
        var ef = Vector512.ConvertToSingle(e) - (small.AsSingle() & Vector512<float>.One);
        var f = Vector512.ConditionalSelect(small, m + m, m) - Vector512<float>.One;
        var z = f * f;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(L8), f, Vector512.Create(L7));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(L6));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(L5));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(L4));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(L3));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(L2));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(L1));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(L0));
        var y = p * f * z;
        y = Vector512.FusedMultiplyAdd(ef, Vector512.Create(Ln2Lo), y);
        y = Vector512.FusedMultiplyAdd(z, Vector512.Create(-0.5f), y);
        y = Vector512.FusedMultiplyAdd(ef, Vector512.Create(Ln2Hi), f + y);
        // Special cases: 0 → -inf, negative → NaN, +inf and NaN → themselves.
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), y);
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512.Create(float.NaN), y);
        return Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)) | ~Vector512.Equals(x, x), x, y);
    }

    /// <summary>tanh: odd polynomial below |x| 0.625, 1 − 2/(e^{2|x|} + 1) above; ≤ 2 ulp, ±1 for large |x|, NaN kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var sign = Vector512.Create(SignBit).AsSingle();
        var ax = Vector512.AndNot(x, sign);
        var z = x * x;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(T4), z, Vector512.Create(T3));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T2));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T1));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T0));
        var small = Vector512.FusedMultiplyAdd(p * z, x, x);
        var e = Exp(Vector512.MinNative(ax + ax, Vector512.Create(TanhClamp)));
        var large = Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);
        large |= x & sign;
        var y = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(TanhSmall)), small, large);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }

    /// <summary>1 / (1 + e^{-x}), as e^x / (1 + e^x) for x &lt; 0 so the negative tail keeps its relative accuracy (≤ 3 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        var e = Exp(-Vector512.Abs(x));
        var s = Vector512<float>.One / (Vector512<float>.One + e);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), e * s, s);
    }

    /// <summary>x·sigmoid(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Silu(Vector512<float> x) => x * Sigmoid(x);

    /// <summary>erf: rational minimax on [-4, 4] (±1 outside), absolute error ≤ 2e-7, relative ≤ 1e-6 near 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x)
    {
        var c = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(-4f)), Vector512.Create(4f));
        var z = c * c;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(A13), z, Vector512.Create(A11));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(A9));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(A7));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(A5));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(A3));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(A1));
        var q = Vector512.FusedMultiplyAdd(Vector512.Create(B8), z, Vector512.Create(B6));
        q = Vector512.FusedMultiplyAdd(q, z, Vector512.Create(B4));
        q = Vector512.FusedMultiplyAdd(q, z, Vector512.Create(B2));
        q = Vector512.FusedMultiplyAdd(q, z, Vector512.Create(B0));
        var y = c * p / q;
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }

    /// <summary>Exact GELU, 0.5·x·(1 + erf(x/√2)); absolute error ≤ 2e-7·(1 + |x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x)
    {
        var h = x * Vector512.Create(0.5f);
        return Vector512.FusedMultiplyAdd(h, Erf(x * Vector512.Create(InvSqrt2)), h);
    }

    /// <summary>GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluTanh(Vector512<float> x)
    {
        var inner = x * Vector512.FusedMultiplyAdd(x * x, Vector512.Create(GeluC * SqrtTwoOverPi), Vector512.Create(SqrtTwoOverPi));
        var h = x * Vector512.Create(0.5f);
        return Vector512.FusedMultiplyAdd(h, Tanh(inner), h);
    }

    // ---------------------------------------------------------------- Vector256<float>

    /// <summary>e^x, relative error ≤ 2 ulp on normal results; +inf above 88.72, gradual underflow to 0 below -87.3, NaN kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var c = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(ExpLo)), Vector256.Create(ExpHi));
        var n = Vector256.Round(c * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), c);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(E5), r, Vector256.Create(E4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E0));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        // 2^n as two factors so results down in the subnormal range (n < -126) come out right.
        var ni = Vector256.ConvertToInt32Native(n);
        var n1 = Vector256.ShiftRightArithmetic(ni, 1);
        var n2 = ni - n1;
        var s1 = Vector256.ShiftLeft(n1 + Vector256.Create(127), 23).AsSingle();
        var s2 = Vector256.ShiftLeft(n2 + Vector256.Create(127), 23).AsSingle();
        var y = p * s1 * s2;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    /// <summary>Natural logarithm: -inf at ±0, NaN below 0, +inf at +inf, subnormal inputs handled; ≤ 2 ulp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
    {
        // Scale subnormals into the normal range first.
        var tiny = Vector256.LessThan(x, Vector256.Create(MinNormal));
        var xs = Vector256.ConditionalSelect(tiny, x * Vector256.Create(Two23), x);
        var bits = xs.AsInt32();
        var e = Vector256.ShiftRightArithmetic(bits, 23) - Vector256.ConditionalSelect(tiny.AsInt32(), Vector256.Create(126 + 23), Vector256.Create(126));
        // m in [0.5, 1)
        var m = ((bits & Vector256.Create(MantissaMask)) | Vector256.Create(HalfBits)).AsSingle();
        var small = Vector256.LessThan(m, Vector256.Create(SqrtHalf));
        var ef = Vector256.ConvertToSingle(e) - (small.AsSingle() & Vector256<float>.One);
        var f = Vector256.ConditionalSelect(small, m + m, m) - Vector256<float>.One;
        var z = f * f;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(L8), f, Vector256.Create(L7));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(L6));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(L5));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(L4));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(L3));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(L2));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(L1));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(L0));
        var y = p * f * z;
        y = Vector256.FusedMultiplyAdd(ef, Vector256.Create(Ln2Lo), y);
        y = Vector256.FusedMultiplyAdd(z, Vector256.Create(-0.5f), y);
        y = Vector256.FusedMultiplyAdd(ef, Vector256.Create(Ln2Hi), f + y);
        // Special cases: 0 → -inf, negative → NaN, +inf and NaN → themselves.
        y = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), Vector256.Create(float.NegativeInfinity), y);
        y = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256.Create(float.NaN), y);
        return Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(float.PositiveInfinity)) | ~Vector256.Equals(x, x), x, y);
    }

    /// <summary>tanh: odd polynomial below |x| 0.625, 1 − 2/(e^{2|x|} + 1) above; ≤ 2 ulp, ±1 for large |x|, NaN kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var sign = Vector256.Create(SignBit).AsSingle();
        var ax = Vector256.AndNot(x, sign);
        var z = x * x;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(T4), z, Vector256.Create(T3));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T2));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T1));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T0));
        var small = Vector256.FusedMultiplyAdd(p * z, x, x);
        var e = Exp(Vector256.MinNative(ax + ax, Vector256.Create(TanhClamp)));
        var large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        large |= x & sign;
        var y = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(TanhSmall)), small, large);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    /// <summary>1 / (1 + e^{-x}), as e^x / (1 + e^x) for x &lt; 0 so the negative tail keeps its relative accuracy (≤ 3 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        var e = Exp(-Vector256.Abs(x));
        var s = Vector256<float>.One / (Vector256<float>.One + e);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), e * s, s);
    }

    /// <summary>x·sigmoid(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Silu(Vector256<float> x) => x * Sigmoid(x);

    /// <summary>erf: rational minimax on [-4, 4] (±1 outside), absolute error ≤ 2e-7, relative ≤ 1e-6 near 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var c = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(-4f)), Vector256.Create(4f));
        var z = c * c;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(A13), z, Vector256.Create(A11));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A9));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A7));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A5));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A3));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A1));
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(B8), z, Vector256.Create(B6));
        q = Vector256.FusedMultiplyAdd(q, z, Vector256.Create(B4));
        q = Vector256.FusedMultiplyAdd(q, z, Vector256.Create(B2));
        q = Vector256.FusedMultiplyAdd(q, z, Vector256.Create(B0));
        var y = c * p / q;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    /// <summary>Exact GELU, 0.5·x·(1 + erf(x/√2)); absolute error ≤ 2e-7·(1 + |x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x)
    {
        var h = x * Vector256.Create(0.5f);
        return Vector256.FusedMultiplyAdd(h, Erf(x * Vector256.Create(InvSqrt2)), h);
    }

    /// <summary>GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GeluTanh(Vector256<float> x)
    {
        var inner = x * Vector256.FusedMultiplyAdd(x * x, Vector256.Create(GeluC * SqrtTwoOverPi), Vector256.Create(SqrtTwoOverPi));
        var h = x * Vector256.Create(0.5f);
        return Vector256.FusedMultiplyAdd(h, Tanh(inner), h);
    }

    // ---------------------------------------------------------------- array maps

    /// <summary>y[i] = TOp(x[i]) for i in [0, n); <paramref name="y"/> may be <paramref name="x"/>. Single-threaded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOp>(float* x, float* y, long n, ComputeIsa isa) where TOp : IUnaryFunction
    {
        isa = Isa.Resolve(isa);
        long i = 0;
        if (isa == ComputeIsa.Avx512)
        {
            for (; i + 16 <= n; i += 16) TOp.Apply(Vector512.Load(x + i)).Store(y + i);
        }
        if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
        {
            for (; i + 8 <= n; i += 8) TOp.Apply(Vector256.Load(x + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] = TOp.Apply(x[i]);
    }

    /// <summary>One function for <see cref="Map{TOp}"/>: implemented by the zero-size structs below.</summary>
    public interface IUnaryFunction
    {
        static abstract float Apply(float x);
        static abstract Vector256<float> Apply(Vector256<float> x);
        static abstract Vector512<float> Apply(Vector512<float> x);
    }

    public struct ExpFn : IUnaryFunction
    {
        public static float Apply(float x) => Exp(x);
        public static Vector256<float> Apply(Vector256<float> x) => Exp(x);
        public static Vector512<float> Apply(Vector512<float> x) => Exp(x);
    }

    public struct LogFn : IUnaryFunction
    {
        public static float Apply(float x) => Log(x);
        public static Vector256<float> Apply(Vector256<float> x) => Log(x);
        public static Vector512<float> Apply(Vector512<float> x) => Log(x);
    }

    public struct TanhFn : IUnaryFunction
    {
        public static float Apply(float x) => Tanh(x);
        public static Vector256<float> Apply(Vector256<float> x) => Tanh(x);
        public static Vector512<float> Apply(Vector512<float> x) => Tanh(x);
    }

    public struct SigmoidFn : IUnaryFunction
    {
        public static float Apply(float x) => Sigmoid(x);
        public static Vector256<float> Apply(Vector256<float> x) => Sigmoid(x);
        public static Vector512<float> Apply(Vector512<float> x) => Sigmoid(x);
    }

    public struct SiluFn : IUnaryFunction
    {
        public static float Apply(float x) => Silu(x);
        public static Vector256<float> Apply(Vector256<float> x) => Silu(x);
        public static Vector512<float> Apply(Vector512<float> x) => Silu(x);
    }

    public struct ErfFn : IUnaryFunction
    {
        public static float Apply(float x) => Erf(x);
        public static Vector256<float> Apply(Vector256<float> x) => Erf(x);
        public static Vector512<float> Apply(Vector512<float> x) => Erf(x);
    }

    public struct GeluFn : IUnaryFunction
    {
        public static float Apply(float x) => Gelu(x);
        public static Vector256<float> Apply(Vector256<float> x) => Gelu(x);
        public static Vector512<float> Apply(Vector512<float> x) => Gelu(x);
    }

    public struct GeluTanhFn : IUnaryFunction
    {
        public static float Apply(float x) => GeluTanh(x);
        public static Vector256<float> Apply(Vector256<float> x) => GeluTanh(x);
        public static Vector512<float> Apply(Vector512<float> x) => GeluTanh(x);
    }
}
