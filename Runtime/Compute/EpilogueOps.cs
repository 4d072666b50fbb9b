using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Runtime.Compute;

/// <summary>
/// An <see cref="Epilogue"/> bound to raw data pointers, so it can live in a parallel body struct.
/// Bias/residual pointers are relative to the same (row, column) origin as the output they are applied to.
/// </summary>
internal unsafe readonly struct BoundEpilogue
{
    public readonly Epilogue Spec;
    public readonly float* Bias;
    public readonly float* Residual;
    public readonly long Ldr;

    public BoundEpilogue(Epilogue spec, float* bias, float* residual, long ldr)
    {
        Spec = spec;
        Bias = spec.Bias == BiasKind.None ? null : bias;
        Residual = residual;
        Ldr = ldr;
    }

    public bool IsIdentity => Bias == null && Residual == null && Spec.Activation.Kind == ActivationKind.None;

    /// <summary>Moves the origin by (rows, cols) for a sub-problem (one image or group of a conv).</summary>
    public BoundEpilogue Offset(long rows, long cols)
    {
        float* bias = Spec.Bias switch { BiasKind.PerRow => Bias + rows, BiasKind.PerColumn => Bias + cols, _ => null };
        float* res = Residual == null ? null : Residual + rows * Ldr + cols;
        return new BoundEpilogue(Spec, bias, res, Ldr);
    }

    /// <summary>Applies the epilogue to rows [r0, r0+rows) × columns [c0, c0+cols) of C (row stride ldc).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(float* c, long ldc, int r0, int rows, int c0, int cols)
    {
        if (IsIdentity || rows <= 0 || cols <= 0) return;
        for (int i = r0; i < r0 + rows; i++)
        {
            var row = new Span<float>(c + i * ldc + c0, cols);
            if (Spec.Bias == BiasKind.PerColumn) TensorPrimitives.Add(row, new ReadOnlySpan<float>(Bias + c0, cols), row);
            else if (Spec.Bias == BiasKind.PerRow) TensorPrimitives.Add(row, Bias[i], row);
            var res = Residual == null ? default : new ReadOnlySpan<float>(Residual + i * Ldr + c0, cols);
            if (Residual != null && !Spec.ResidualAfterActivation) TensorPrimitives.Add(row, res, row);
            Activate(Spec.Activation, row);
            if (Residual != null && Spec.ResidualAfterActivation) TensorPrimitives.Add(row, res, row);
        }
    }

    /// <summary>Applies an activation in place, in chunks so the temporaries fit on the stack.</summary>
    public static void Activate(Activation act, Span<float> x)
    {
        switch (act.Kind)
        {
            case ActivationKind.None:
                return;
            case ActivationKind.Relu:
                TensorPrimitives.Max(x, 0f, x);
                return;
            case ActivationKind.Clip:
                TensorPrimitives.Max(x, act.Alpha, x);
                TensorPrimitives.Min(x, act.Beta, x);
                return;
            case ActivationKind.LeakyRelu:
                LeakyRelu(x, act.Alpha);
                return;
            case ActivationKind.Sigmoid:
                TensorPrimitives.Sigmoid(x, x);
                return;
            case ActivationKind.Tanh:
                TensorPrimitives.Tanh(x, x);
                return;
        }
        const int Chunk = 256;
        Span<float> tmp = stackalloc float[Chunk];
        for (int s = 0; s < x.Length; s += Chunk)
        {
            var part = x.Slice(s, Math.Min(Chunk, x.Length - s));
            var t = tmp.Slice(0, part.Length);
            switch (act.Kind)
            {
                case ActivationKind.Silu:
                    TensorPrimitives.Sigmoid(part, t);
                    TensorPrimitives.Multiply(part, t, part);
                    break;
                case ActivationKind.GeluTanh:
                    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                    TensorPrimitives.Multiply(part, part, t);
                    TensorPrimitives.Multiply(t, 0.044715f, t);
                    TensorPrimitives.Add(t, 1f, t);
                    TensorPrimitives.Multiply(t, part, t);
                    TensorPrimitives.Multiply(t, 0.7978845608f, t);
                    TensorPrimitives.Tanh(t, t);
                    TensorPrimitives.Add(t, 1f, t);
                    TensorPrimitives.Multiply(t, part, t);
                    TensorPrimitives.Multiply(t, 0.5f, part);
                    break;
                case ActivationKind.Gelu:
                    Gelu(part, t);
                    break;
                default:
                    throw new EngineException($"compute: unknown activation {act.Kind}");
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LeakyRelu(Span<float> x, float alpha)
    {
        int i = 0;
        ref float p = ref x[0];
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i + 8 <= x.Length; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref p, (nuint)i);
                Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), v * a, v).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            float v = Unsafe.Add(ref p, i);
            if (v < 0) Unsafe.Add(ref p, i) = v * alpha;
        }
    }

    /// <summary>
    /// Exact GELU through erfc (Abramowitz–Stegun 7.1.26, |error| ≤ 1.5e-7): writing gelu(x) as 0.5·x·erfc(-x/√2)
    /// for x &lt; 0 and x·(1 - 0.5·erfc(x/√2)) otherwise avoids the cancellation of 1 + erf near -1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gelu(Span<float> x, Span<float> e)
    {
        // e = exp(-x²/2) = exp(-z²) with z = |x|/√2
        TensorPrimitives.Multiply(x, x, e);
        TensorPrimitives.Multiply(e, -0.5f, e);
        TensorPrimitives.Exp(e, e);
        const float P = 0.3275911f, A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;
        const float InvSqrt2 = 0.70710678118f;
        int i = 0;
        ref float xp = ref x[0];
        ref float ep = ref e[0];
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256.Create(1f);
            var half = Vector256.Create(0.5f);
            for (; i + 8 <= x.Length; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xp, (nuint)i);
                var z = Vector256.Abs(v) * InvSqrt2;
                var t = one / (one + z * P);
                var poly = ((((t * A5 + Vector256.Create(A4)) * t + Vector256.Create(A3)) * t + Vector256.Create(A2)) * t + Vector256.Create(A1)) * t;
                var erfc = poly * Vector256.LoadUnsafe(ref ep, (nuint)i);
                var neg = half * v * erfc;
                var pos = v * (one - half * erfc);
                Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), neg, pos).StoreUnsafe(ref xp, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            float v = Unsafe.Add(ref xp, i);
            float z = MathF.Abs(v) * InvSqrt2;
            float t = 1f / (1f + P * z);
            float erfc = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * Unsafe.Add(ref ep, i);
            Unsafe.Add(ref xp, i) = v < 0 ? 0.5f * v * erfc : v * (1f - 0.5f * erfc);
        }
    }
}
