using System.Numerics;
using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Broadcasting arithmetic: Add Sub Mul Div Pow Mod Min Max Sum Mean PRelu. Float rows run on
/// TensorPrimitives (same-shape, scalar and broadcast rows alike); integer division truncates
/// toward zero and wraps like C on overflow (INT_MIN / -1), and division by zero is an error.
/// </summary>
public static class ArithmeticKernels
{
    public static Tensor?[] Add(KernelContext ctx, Tensor?[] inputs) => [Binary(ctx, "Add", inputs, AddOp.Instance)];

    public static Tensor?[] Sub(KernelContext ctx, Tensor?[] inputs) => [Binary(ctx, "Sub", inputs, SubOp.Instance)];

    public static Tensor?[] Mul(KernelContext ctx, Tensor?[] inputs) => [Binary(ctx, "Mul", inputs, MulOp.Instance)];

    public static Tensor?[] Div(KernelContext ctx, Tensor?[] inputs) => [Binary(ctx, "Div", inputs, DivOp.Instance)];

    public static Tensor?[] PRelu(KernelContext ctx, Tensor?[] inputs) => [Binary(ctx, "PRelu", inputs, PReluOp.Instance)];

    /// <summary>
    /// Mod: fmod=1 is C's fmod (sign of the dividend); fmod=0 is numpy's mod (sign of the divisor).
    /// The spec requires fmod=1 for floats; fmod=0 on floats is accepted and follows numpy.
    /// </summary>
    public static Tensor?[] Mod(KernelContext ctx, Tensor?[] inputs)
    {
        bool fmod = ctx.Attributes.GetInt("fmod") != 0;
        return [Binary(ctx, "Mod", inputs, fmod ? ModOp.Truncated : ModOp.Floored)];
    }

    public static Tensor?[] Max(KernelContext ctx, Tensor?[] inputs) => [Fold(ctx, "Max", inputs, MaxOp.Instance)];

    public static Tensor?[] Min(KernelContext ctx, Tensor?[] inputs) => [Fold(ctx, "Min", inputs, MinOp.Instance)];

    public static Tensor?[] Sum(KernelContext ctx, Tensor?[] inputs) => [Fold(ctx, "Sum", inputs, AddOp.Instance)];

    public static Tensor?[] Mean(KernelContext ctx, Tensor?[] inputs)
    {
        var all = KernelInputs.Variadic(ctx, inputs);
        if (!DataTypes.IsFloat(all[0].Type)) throw TypedDispatch.Unsupported(ctx, "Mean", all[0].Type);
        // Accumulate in float for float16/bf16 so only the final mean is rounded.
        bool narrow = all[0].Type is DataType.Float16 or DataType.BFloat16;
        var sum = narrow ? FloatWidening.Widen(all[0]) : all[0];
        for (int i = 1; i < all.Length; i++)
            sum = TypedDispatch.Binary(ctx, "Mean", sum, narrow ? FloatWidening.Widen(all[i]) : all[i], AddOp.Instance);
        var count = CastKernels.Convert(Tensor.Scalar((double)all.Length), sum.Type);
        var mean = TypedDispatch.Binary(ctx, "Mean", sum, count, DivOp.Instance);
        return [narrow ? FloatWidening.Narrow(mean, all[0].Type) : mean];
    }

    /// <summary>Pow: the exponent may have another numeric type; the result has the base's type.</summary>
    public static Tensor?[] Pow(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelInputs.Required(ctx, inputs, 0);
        var y = KernelInputs.Required(ctx, inputs, 1);
        if (x.Type == y.Type && x.Type != DataType.Bool) return [TypedDispatch.Binary(ctx, "Pow", x, y, PowOp.Instance)];
        if (!DataTypes.IsNumeric(x.Type) || !DataTypes.IsNumeric(y.Type))
            throw ctx.Fail($"Pow does not support {DataTypes.ShortName(x.Type)} ^ {DataTypes.ShortName(y.Type)}");
        // Mixed types: compute in double (as numpy promotes) and convert to the base's type.
        var xd = CastKernels.Convert(x, DataType.Double);
        var yd = CastKernels.Convert(y, DataType.Double);
        return [CastKernels.Convert(TypedDispatch.Binary(ctx, "Pow", xd, yd, PowOp.Instance), x.Type)];
    }

    private static Tensor Binary(KernelContext ctx, string op, Tensor?[] inputs, NumericBinaryOp f) =>
        TypedDispatch.Binary(ctx, op, KernelInputs.Required(ctx, inputs, 0), KernelInputs.Required(ctx, inputs, 1), f);

    /// <summary>Variadic ops fold pairwise; each step broadcasts, so the result is the broadcast of all.</summary>
    private static Tensor Fold(KernelContext ctx, string op, Tensor?[] inputs, NumericBinaryOp f)
    {
        var all = KernelInputs.Variadic(ctx, inputs);
        // One input: a copy, still type-checked so a single bool input fails as two would.
        if (all.Length == 1) return TypedDispatch.Binary(ctx, op, all[0], all[0], CopyOp.Instance);
        var acc = all[0];
        for (int i = 1; i < all.Length; i++) acc = TypedDispatch.Binary(ctx, op, acc, all[i], f);
        return acc;
    }

    internal static bool IsFloat<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half);

    internal static bool IsSigned<T>() where T : INumber<T> => T.IsNegative(T.Zero - T.One);

    private sealed class AddOp : NumericBinaryOp
    {
        public static readonly AddOp Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            if (x.Length == d.Length && y.Length == d.Length) TensorPrimitives.Add(x, y, d);
            else if (y.Length == 1) TensorPrimitives.Add(x, y[0], d);
            else TensorPrimitives.Add(y, x[0], d);
        }
    }

    /// <summary>The one-input case of the variadic ops.</summary>
    private sealed class CopyOp : NumericBinaryOp
    {
        public static readonly CopyOp Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => x.CopyTo(d);
    }

    private sealed class SubOp : NumericBinaryOp
    {
        public static readonly SubOp Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            if (x.Length == d.Length && y.Length == d.Length) TensorPrimitives.Subtract(x, y, d);
            else if (y.Length == 1) TensorPrimitives.Subtract(x, y[0], d);
            else TensorPrimitives.Subtract(x[0], y, d);
        }
    }

    private sealed class MulOp : NumericBinaryOp
    {
        public static readonly MulOp Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            if (x.Length == d.Length && y.Length == d.Length) TensorPrimitives.Multiply(x, y, d);
            else if (y.Length == 1) TensorPrimitives.Multiply(x, y[0], d);
            else TensorPrimitives.Multiply(y, x[0], d);
        }
    }

    private sealed class DivOp : NumericBinaryOp
    {
        public static readonly DivOp Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            if (IsFloat<T>())
            {
                if (x.Length == d.Length && y.Length == d.Length) TensorPrimitives.Divide(x, y, d);
                else if (y.Length == 1) TensorPrimitives.Divide(x, y[0], d);
                else TensorPrimitives.Divide(x[0], y, d);
                return;
            }
            BroadcastLoop.Map(x, y, d, IntDiv);
        }

        private static T IntDiv<T>(T a, T b) where T : INumber<T>
        {
            if (T.IsZero(b)) throw new DivideByZeroException();
            // INT_MIN / -1 overflows in C#; ONNX (C++/numpy) wraps to INT_MIN, which is -a unchecked.
            if (IsSigned<T>() && b == T.Zero - T.One) return T.Zero - a;
            return a / b;
        }
    }

    private sealed class ModOp : NumericBinaryOp
    {
        public static readonly ModOp Truncated = new(true);
        public static readonly ModOp Floored = new(false);

        private readonly bool _fmod;

        private ModOp(bool fmod) => _fmod = fmod;

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) =>
            BroadcastLoop.Map(x, y, d, _fmod ? Fmod<T> : FlooredMod<T>);

        /// <summary>C fmod: the remainder takes the dividend's sign.</summary>
        private static T Fmod<T>(T a, T b) where T : INumber<T>
        {
            if (!IsFloat<T>())
            {
                if (T.IsZero(b)) throw new DivideByZeroException();
                if (IsSigned<T>() && b == T.Zero - T.One) return T.Zero;
            }
            return a % b;
        }

        /// <summary>Python/numpy mod: the remainder takes the divisor's sign.</summary>
        private static T FlooredMod<T>(T a, T b) where T : INumber<T>
        {
            var r = Fmod(a, b);
            if (!T.IsZero(r) && T.IsNegative(r) != T.IsNegative(b)) r += b;
            return r;
        }
    }

    internal sealed class MaxOp : NumericBinaryOp
    {
        public static readonly MaxOp Instance = new();

        // TensorPrimitives.Max propagates NaN, as numpy's maximum does.
        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            if (x.Length == d.Length && y.Length == d.Length) TensorPrimitives.Max(x, y, d);
            else if (y.Length == 1) TensorPrimitives.Max(x, y[0], d);
            else TensorPrimitives.Max(y, x[0], d);
        }
    }

    internal sealed class MinOp : NumericBinaryOp
    {
        public static readonly MinOp Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            if (x.Length == d.Length && y.Length == d.Length) TensorPrimitives.Min(x, y, d);
            else if (y.Length == 1) TensorPrimitives.Min(x, y[0], d);
            else TensorPrimitives.Min(y, x[0], d);
        }
    }

    private sealed class PReluOp : NumericBinaryOp
    {
        public static readonly PReluOp Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) =>
            BroadcastLoop.Map(x, y, d, static (a, slope) => T.IsNegative(a) ? a * slope : a);
    }

    private sealed class PowOp : NumericBinaryOp
    {
        public static readonly PowOp Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            if (typeof(T) == typeof(float)) PowFloat(Cast<T, float>(x), Cast<T, float>(y), Cast<T, float>(d));
            else if (typeof(T) == typeof(double)) PowFloat(Cast<T, double>(x), Cast<T, double>(y), Cast<T, double>(d));
            else BroadcastLoop.Map(x, y, d, IntPow);
        }

        private static void PowFloat<TF>(ReadOnlySpan<TF> x, ReadOnlySpan<TF> y, Span<TF> d) where TF : IPowerFunctions<TF>
        {
            if (x.Length == d.Length && y.Length == d.Length) TensorPrimitives.Pow(x, y, d);
            else if (y.Length == 1) TensorPrimitives.Pow(x, y[0], d);
            else TensorPrimitives.Pow(x[0], y, d);
        }

        private static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> s) where TFrom : struct where TTo : struct =>
            System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(s);

        private static Span<TTo> Cast<TFrom, TTo>(Span<TFrom> s) where TFrom : struct where TTo : struct =>
            System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(s);

        /// <summary>Exact integer power by squaring (wrapping); negative exponents truncate 1/x^n.</summary>
        private static T IntPow<T>(T a, T e) where T : INumber<T>
        {
            if (T.IsNegative(e))
            {
                if (a == T.One) return T.One;
                if (a == T.Zero - T.One) return T.IsEvenInteger(e) ? T.One : a;
                if (T.IsZero(a)) throw new DivideByZeroException();
                return T.Zero;
            }
            T result = T.One, b = a;
            while (!T.IsZero(e))
            {
                if (T.IsOddInteger(e)) result *= b;
                e /= T.One + T.One;
                if (!T.IsZero(e)) b *= b;
            }
            return result;
        }
    }
}
