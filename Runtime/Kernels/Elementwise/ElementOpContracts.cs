using System.Numerics;

namespace Engine.Runtime.Kernels;

// The shapes of elementwise ops that TypedDispatch can run on every element type they support.
// Each op is one small subclass whose generic Row is specialised by the JIT per element type, so a
// single definition covers int8..uint64, float and double (float16 and bf16 run in float).

/// <summary>A binary op with one element type in and out (Add, Mul, Min, Mod, …).</summary>
public abstract class NumericBinaryOp
{
    public abstract void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dst) where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>A binary op on integers only (BitwiseAnd, BitShift, …).</summary>
public abstract class IntegerBinaryOp
{
    public abstract void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dst) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>;
}

/// <summary>A comparison: numeric inputs of one type, bool output.</summary>
public abstract class ComparisonOp
{
    public abstract void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> dst) where T : unmanaged, INumber<T>;
}

/// <summary>A unary op on every numeric type (Abs, Neg, Sign, Relu, …).</summary>
public abstract class NumericUnaryOp
{
    public abstract void Row<T>(ReadOnlySpan<T> x, Span<T> dst) where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>A unary op on floating-point types only (Exp, Sin, Sigmoid, Elu, …).</summary>
public abstract class FloatUnaryOp
{
    public abstract void Row<T>(ReadOnlySpan<T> x, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>, IMinMaxValue<T>;
}

/// <summary>A unary op on integers only (BitwiseNot).</summary>
public abstract class IntegerUnaryOp
{
    public abstract void Row<T>(ReadOnlySpan<T> x, Span<T> dst) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>;
}
