using System.Numerics;
using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>Which Reduce* op a kernel computes.</summary>
public enum ReduceKind
{
    Sum,
    Mean,
    Max,
    Min,
    Prod,
    L1,
    L2,
    LogSum,
    LogSumExp,
    SumSquare,
}

/// <summary>
/// Reference kernels for the ReduceXxx family. Every op is a primitive reduction (sum, max, min,
/// prod) with an elementwise prologue (abs, square, exp) and epilogue (divide, sqrt, log), so
/// reducing over no axes (noop_with_empty_axes) gives the elementwise map, and reducing an empty
/// set gives the primitive's identity run through the epilogue (log(0) = -inf, max → -inf, …).
/// </summary>
public static class ReduceKernels
{
    public static Tensor?[] ReduceSum(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.Sum);

    public static Tensor?[] ReduceMean(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.Mean);

    public static Tensor?[] ReduceMax(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.Max);

    public static Tensor?[] ReduceMin(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.Min);

    public static Tensor?[] ReduceProd(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.Prod);

    public static Tensor?[] ReduceL1(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.L1);

    public static Tensor?[] ReduceL2(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.L2);

    public static Tensor?[] ReduceLogSum(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.LogSum);

    public static Tensor?[] ReduceLogSumExp(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.LogSumExp);

    public static Tensor?[] ReduceSumSquare(KernelContext ctx, Tensor?[] inputs) => Run(ctx, inputs, ReduceKind.SumSquare);

    public static Tensor?[] Run(KernelContext ctx, Tensor?[] inputs, ReduceKind kind)
    {
        var x = inputs.Length > 0 ? inputs[0] : null;
        if (x is null) throw ctx.Fail("input 'data' is required");
        long[]? axes = null;
        if (inputs.Length > 1 && inputs[1] is { } a)
        {
            if (a.Rank > 1) throw ctx.Fail($"axes must be 1-D, got shape {Tensor.ShapeString(a.Shape)}");
            if (!DataTypes.IsInteger(a.Type)) throw ctx.Fail($"axes must be int64, got {a.Type}");
            axes = a.ToInt64Array();
        }
        bool keepDims = ctx.Attributes.GetInt("keepdims") != 0;
        bool noop = ctx.Attributes.GetInt("noop_with_empty_axes") != 0;
        var mask = ReduceAxes.Mask(x.Rank, axes, noop, ctx.Fail);
        var outShape = ReduceAxes.OutputShape(x.Shape, mask, keepDims);
        return [new Tensor(x.Type, outShape, Compute(ctx, x, mask, kind))];
    }

    /// <summary>Reduces <paramref name="x"/> over the masked axes; the result has keepdims layout.</summary>
    public static Array Compute(KernelContext ctx, Tensor x, bool[] mask, ReduceKind kind)
    {
        var s = x.Shape;
        switch (x.Type)
        {
            case DataType.Float: return Floating(x.As<float>(), s, mask, kind);
            case DataType.Double: return Floating(x.As<double>(), s, mask, kind);
            case DataType.Float16:
                {
                    var wide = new float[x.Length];
                    TensorPrimitives.ConvertToSingle(x.As<Half>(), wide);
                    var r = Floating(wide, s, mask, kind);
                    var h = new Half[r.Length];
                    TensorPrimitives.ConvertToHalf(r, h);
                    return h;
                }
            case DataType.BFloat16:
                {
                    var bits = x.As<ushort>();
                    var wide = new float[bits.Length];
                    for (int i = 0; i < bits.Length; i++) wide[i] = BFloat16Bits.ToFloat(bits[i]);
                    var r = Floating(wide, s, mask, kind);
                    var o = new ushort[r.Length];
                    for (int i = 0; i < r.Length; i++) o[i] = BFloat16Bits.FromFloat(r[i]);
                    return o;
                }
            case DataType.Int8: return Integer(x.As<sbyte>(), s, mask, kind);
            case DataType.UInt8: return Integer(x.As<byte>(), s, mask, kind);
            case DataType.Int16: return Integer(x.As<short>(), s, mask, kind);
            case DataType.UInt16: return Integer(x.As<ushort>(), s, mask, kind);
            case DataType.Int32: return Integer(x.As<int>(), s, mask, kind);
            case DataType.UInt32: return Integer(x.As<uint>(), s, mask, kind);
            case DataType.Int64: return Integer(x.As<long>(), s, mask, kind);
            case DataType.UInt64: return Integer(x.As<ulong>(), s, mask, kind);
            case DataType.Bool when kind is ReduceKind.Max or ReduceKind.Min:
                {
                    // max over bools is "any", min is "all": reduce their 0/1 bytes.
                    var b = x.As<bool>();
                    var bytes = new byte[b.Length];
                    for (int i = 0; i < b.Length; i++) bytes[i] = b[i] ? (byte)1 : (byte)0;
                    var r = Integer(bytes, s, mask, kind);
                    var o = new bool[r.Length];
                    for (int i = 0; i < r.Length; i++) o[i] = r[i] != 0;
                    return o;
                }
            default:
                throw ctx.Fail($"Reduce{kind} does not support element type {x.Type}");
        }
    }

    private static T[] Floating<T>(T[] x, int[] shape, bool[] mask, ReduceKind kind) where T : IFloatingPointIeee754<T>
    {
        T lo = T.NegativeInfinity, hi = T.PositiveInfinity;
        switch (kind)
        {
            case ReduceKind.Sum: return Reduce(x, shape, mask, Prim.Sum, lo, hi);
            case ReduceKind.Max: return Reduce(x, shape, mask, Prim.Max, lo, hi);
            case ReduceKind.Min: return Reduce(x, shape, mask, Prim.Min, lo, hi);
            case ReduceKind.Prod: return Reduce(x, shape, mask, Prim.Prod, lo, hi);
            case ReduceKind.Mean:
                {
                    var r = Reduce(x, shape, mask, Prim.Sum, lo, hi);
                    TensorPrimitives.Divide(r, T.CreateChecked(ReducedCount(shape, mask)), r);
                    return r;
                }
            case ReduceKind.L1:
                {
                    var a = new T[x.Length];
                    TensorPrimitives.Abs<T>(x, a);
                    return Reduce(a, shape, mask, Prim.Sum, lo, hi, owned: true);
                }
            case ReduceKind.SumSquare:
            case ReduceKind.L2:
                {
                    var sq = new T[x.Length];
                    TensorPrimitives.Multiply<T>(x, x, sq);
                    var r = Reduce(sq, shape, mask, Prim.Sum, lo, hi, owned: true);
                    if (kind == ReduceKind.L2) TensorPrimitives.Sqrt<T>(r, r);
                    return r;
                }
            case ReduceKind.LogSum:
                {
                    var r = Reduce(x, shape, mask, Prim.Sum, lo, hi);
                    TensorPrimitives.Log<T>(r, r);
                    return r;
                }
            case ReduceKind.LogSumExp:
                {
                    // log Σ exp(x) = m + log Σ exp(x − m) with m the max; an infinite max shifts by 0
                    // so all −inf stays −inf and +inf stays +inf instead of becoming NaN.
                    var m = Reduce(x, shape, mask, Prim.Max, lo, hi);
                    for (int i = 0; i < m.Length; i++) if (!T.IsFinite(m[i])) m[i] = T.Zero;
                    var keepShape = ReduceAxes.OutputShape(shape, mask, keepDims: true);
                    var off = Broadcasting.Offsets(keepShape, shape);
                    var e = new T[x.Length];
                    for (int i = 0; i < e.Length; i++) e[i] = x[i] - m[off[i]];
                    TensorPrimitives.Exp<T>(e, e);
                    var r = Reduce(e, shape, mask, Prim.Sum, lo, hi, owned: true);
                    TensorPrimitives.Log<T>(r, r);
                    TensorPrimitives.Add<T>(r, m, r);
                    return r;
                }
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static T[] Integer<T>(T[] x, int[] shape, bool[] mask, ReduceKind kind) where T : IBinaryInteger<T>, IMinMaxValue<T>
    {
        T lo = T.MinValue, hi = T.MaxValue;
        switch (kind)
        {
            case ReduceKind.Sum: return Reduce(x, shape, mask, Prim.Sum, lo, hi);
            case ReduceKind.Max: return Reduce(x, shape, mask, Prim.Max, lo, hi);
            case ReduceKind.Min: return Reduce(x, shape, mask, Prim.Min, lo, hi);
            case ReduceKind.Prod: return Reduce(x, shape, mask, Prim.Prod, lo, hi);
            case ReduceKind.Mean:
                {
                    // Integer mean truncates toward zero, as numpy's mean followed by a cast does.
                    var r = Reduce(x, shape, mask, Prim.Sum, lo, hi);
                    long n = ReducedCount(shape, mask);
                    if (n == 0) return r;
                    T c = T.CreateTruncating(n);
                    for (int i = 0; i < r.Length; i++) r[i] /= c;
                    return r;
                }
            case ReduceKind.L1:
                {
                    var a = new T[x.Length];
                    for (int i = 0; i < a.Length; i++) a[i] = T.IsNegative(x[i]) ? T.Zero - x[i] : x[i];
                    return Reduce(a, shape, mask, Prim.Sum, lo, hi, owned: true);
                }
            case ReduceKind.SumSquare:
                {
                    var sq = new T[x.Length];
                    for (int i = 0; i < sq.Length; i++) sq[i] = x[i] * x[i];
                    return Reduce(sq, shape, mask, Prim.Sum, lo, hi, owned: true);
                }
            default:
                {
                    // sqrt/log based reductions go through double and truncate back.
                    var d = new double[x.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = double.CreateTruncating(x[i]);
                    var r = Floating(d, shape, mask, kind);
                    var o = new T[r.Length];
                    for (int i = 0; i < o.Length; i++) o[i] = T.CreateSaturating(r[i]);
                    return o;
                }
        }
    }

    private static long ReducedCount(int[] shape, bool[] mask)
    {
        long n = 1;
        for (int i = 0; i < shape.Length; i++) if (mask[i]) n *= shape[i];
        return n;
    }

    private enum Prim
    {
        Sum,
        Max,
        Min,
        Prod,
    }

    /// <summary>
    /// Reduces the masked axes, one run of adjacent axes at a time (exact for associative
    /// primitives). Each run views the current data as [outer, r, inner], so contiguous cases
    /// are single vectorized passes. Returns a fresh array (never <paramref name="x"/> unless owned).
    /// </summary>
    private static T[] Reduce<T>(T[] x, int[] shape, bool[] mask, Prim op, T lowest, T highest, bool owned = false)
        where T : INumber<T>
    {
        var cur = x;
        var dims = (int[])shape.Clone();
        T identity = op switch
        {
            Prim.Sum => T.Zero,
            Prim.Prod => T.One,
            Prim.Max => lowest,
            _ => highest,
        };
        int i = 0;
        while (i < dims.Length)
        {
            if (!mask[i]) { i++; continue; }
            int j = i;
            while (j < dims.Length && mask[j]) j++;
            long outer = 1, r = 1, inner = 1;
            for (int k = 0; k < i; k++) outer *= dims[k];
            for (int k = i; k < j; k++) r *= dims[k];
            for (int k = j; k < dims.Length; k++) inner *= dims[k];
            if (r != 1)
            {
                cur = Step(cur, (int)outer, (int)r, (int)inner, op, identity);
                owned = true;
            }
            for (int k = i; k < j; k++) dims[k] = 1;
            i = j;
        }
        return owned ? cur : (T[])cur.Clone();
    }

    private static T[] Step<T>(T[] src, int outer, int r, int inner, Prim op, T identity) where T : INumber<T>
    {
        var dst = new T[outer * inner];
        if (dst.Length == 0) return dst;
        if (r == 0)
        {
            Array.Fill(dst, identity);
            return dst;
        }
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<T> row = src.AsSpan(o * r, r);
                // Short rows: a scalar fold beats the per-call setup of the vectorized primitives.
                if (r < SmallRun) dst[o] = Fold(row, op);
                else dst[o] = op switch
                {
                    Prim.Sum => TensorPrimitives.Sum(row),
                    Prim.Max => TensorPrimitives.Max(row),
                    Prim.Min => TensorPrimitives.Min(row),
                    _ => TensorPrimitives.Product(row),
                };
            }
            return dst;
        }
        for (int o = 0; o < outer; o++)
        {
            var acc = dst.AsSpan(o * inner, inner);
            int baseIdx = o * r * inner;
            src.AsSpan(baseIdx, inner).CopyTo(acc);
            for (int k = 1; k < r; k++)
            {
                ReadOnlySpan<T> s = src.AsSpan(baseIdx + k * inner, inner);
                if (inner < SmallRun)
                {
                    Combine(acc, s, op);
                    continue;
                }
                switch (op)
                {
                    case Prim.Sum: TensorPrimitives.Add(acc, s, acc); break;
                    case Prim.Max: TensorPrimitives.Max(acc, s, acc); break;
                    case Prim.Min: TensorPrimitives.Min(acc, s, acc); break;
                    default: TensorPrimitives.Multiply(acc, s, acc); break;
                }
            }
        }
        return dst;
    }

    /// <summary>Runs shorter than this use scalar loops.</summary>
    private const int SmallRun = 16;

    private static T Fold<T>(ReadOnlySpan<T> row, Prim op) where T : INumber<T>
    {
        T a = row[0];
        switch (op)
        {
            case Prim.Sum: for (int j = 1; j < row.Length; j++) a += row[j]; break;
            case Prim.Prod: for (int j = 1; j < row.Length; j++) a *= row[j]; break;
            case Prim.Max: for (int j = 1; j < row.Length; j++) a = T.Max(a, row[j]); break;
            default: for (int j = 1; j < row.Length; j++) a = T.Min(a, row[j]); break;
        }
        return a;
    }

    private static void Combine<T>(Span<T> acc, ReadOnlySpan<T> s, Prim op) where T : INumber<T>
    {
        switch (op)
        {
            case Prim.Sum: for (int i = 0; i < acc.Length; i++) acc[i] += s[i]; break;
            case Prim.Prod: for (int i = 0; i < acc.Length; i++) acc[i] *= s[i]; break;
            // T.Max/T.Min propagate NaN like the vectorized primitives and numpy.
            case Prim.Max: for (int i = 0; i < acc.Length; i++) acc[i] = T.Max(acc[i], s[i]); break;
            default: for (int i = 0; i < acc.Length; i++) acc[i] = T.Min(acc[i], s[i]); break;
        }
    }
}
