namespace Engine.Runtime.Kernels;

/// <summary>
/// Runs the elementwise op contracts on a tensor's element type. float16 and bf16 are widened to
/// float, computed, and rounded back once (round-to-nearest-even), as the ONNX reference does.
/// Unsupported types fail with a one-line error naming the node and the op.
/// </summary>
public static class TypedDispatch
{
    public static Tensor Binary(KernelContext ctx, string op, Tensor a, Tensor b, NumericBinaryOp f)
    {
        RequireSameType(ctx, op, a, b);
        try
        {
            return a.Type switch
            {
                DataType.Float => BroadcastLoop.Run<float, float, float>(ctx, a, b, a.Type, f.Row),
                DataType.Double => BroadcastLoop.Run<double, double, double>(ctx, a, b, a.Type, f.Row),
                DataType.Float16 or DataType.BFloat16 =>
                    FloatWidening.Narrow(BroadcastLoop.Run<float, float, float>(ctx, FloatWidening.Widen(a), FloatWidening.Widen(b), DataType.Float, f.Row), a.Type),
                DataType.Int8 => BroadcastLoop.Run<sbyte, sbyte, sbyte>(ctx, a, b, a.Type, f.Row),
                DataType.UInt8 => BroadcastLoop.Run<byte, byte, byte>(ctx, a, b, a.Type, f.Row),
                DataType.Int16 => BroadcastLoop.Run<short, short, short>(ctx, a, b, a.Type, f.Row),
                DataType.UInt16 => BroadcastLoop.Run<ushort, ushort, ushort>(ctx, a, b, a.Type, f.Row),
                DataType.Int32 => BroadcastLoop.Run<int, int, int>(ctx, a, b, a.Type, f.Row),
                DataType.UInt32 => BroadcastLoop.Run<uint, uint, uint>(ctx, a, b, a.Type, f.Row),
                DataType.Int64 => BroadcastLoop.Run<long, long, long>(ctx, a, b, a.Type, f.Row),
                DataType.UInt64 => BroadcastLoop.Run<ulong, ulong, ulong>(ctx, a, b, a.Type, f.Row),
                _ => throw Unsupported(ctx, op, a.Type),
            };
        }
        catch (DivideByZeroException)
        {
            throw ctx.Fail($"{op}: integer division by zero");
        }
    }

    public static Tensor Integer(KernelContext ctx, string op, Tensor a, Tensor b, IntegerBinaryOp f)
    {
        RequireSameType(ctx, op, a, b);
        return a.Type switch
        {
            DataType.Int8 => BroadcastLoop.Run<sbyte, sbyte, sbyte>(ctx, a, b, a.Type, f.Row),
            DataType.UInt8 => BroadcastLoop.Run<byte, byte, byte>(ctx, a, b, a.Type, f.Row),
            DataType.Int16 => BroadcastLoop.Run<short, short, short>(ctx, a, b, a.Type, f.Row),
            DataType.UInt16 => BroadcastLoop.Run<ushort, ushort, ushort>(ctx, a, b, a.Type, f.Row),
            DataType.Int32 => BroadcastLoop.Run<int, int, int>(ctx, a, b, a.Type, f.Row),
            DataType.UInt32 => BroadcastLoop.Run<uint, uint, uint>(ctx, a, b, a.Type, f.Row),
            DataType.Int64 => BroadcastLoop.Run<long, long, long>(ctx, a, b, a.Type, f.Row),
            DataType.UInt64 => BroadcastLoop.Run<ulong, ulong, ulong>(ctx, a, b, a.Type, f.Row),
            _ => throw Unsupported(ctx, op, a.Type),
        };
    }

    /// <summary>Comparisons; bool inputs compare as 0/1.</summary>
    public static Tensor Compare(KernelContext ctx, string op, Tensor a, Tensor b, ComparisonOp f)
    {
        RequireSameType(ctx, op, a, b);
        const DataType B = DataType.Bool;
        return a.Type switch
        {
            DataType.Float => BroadcastLoop.Run<float, float, bool>(ctx, a, b, B, f.Row),
            DataType.Double => BroadcastLoop.Run<double, double, bool>(ctx, a, b, B, f.Row),
            DataType.Float16 or DataType.BFloat16 => BroadcastLoop.Run<float, float, bool>(ctx, FloatWidening.Widen(a), FloatWidening.Widen(b), B, f.Row),
            DataType.Bool => BroadcastLoop.Run<byte, byte, bool>(ctx, BoolAsBytes(a), BoolAsBytes(b), B, f.Row),
            DataType.Int8 => BroadcastLoop.Run<sbyte, sbyte, bool>(ctx, a, b, B, f.Row),
            DataType.UInt8 => BroadcastLoop.Run<byte, byte, bool>(ctx, a, b, B, f.Row),
            DataType.Int16 => BroadcastLoop.Run<short, short, bool>(ctx, a, b, B, f.Row),
            DataType.UInt16 => BroadcastLoop.Run<ushort, ushort, bool>(ctx, a, b, B, f.Row),
            DataType.Int32 => BroadcastLoop.Run<int, int, bool>(ctx, a, b, B, f.Row),
            DataType.UInt32 => BroadcastLoop.Run<uint, uint, bool>(ctx, a, b, B, f.Row),
            DataType.Int64 => BroadcastLoop.Run<long, long, bool>(ctx, a, b, B, f.Row),
            DataType.UInt64 => BroadcastLoop.Run<ulong, ulong, bool>(ctx, a, b, B, f.Row),
            _ => throw Unsupported(ctx, op, a.Type),
        };
    }

    public static Tensor Unary(KernelContext ctx, string op, Tensor x, NumericUnaryOp f)
    {
        switch (x.Type)
        {
            case DataType.Float: return Map<float>(ctx, x, f.Row);
            case DataType.Double: return Map<double>(ctx, x, f.Row);
            case DataType.Float16 or DataType.BFloat16: return FloatWidening.Narrow(Map<float>(ctx, FloatWidening.Widen(x), f.Row), x.Type);
            case DataType.Int8: return Map<sbyte>(ctx, x, f.Row);
            case DataType.UInt8: return Map<byte>(ctx, x, f.Row);
            case DataType.Int16: return Map<short>(ctx, x, f.Row);
            case DataType.UInt16: return Map<ushort>(ctx, x, f.Row);
            case DataType.Int32: return Map<int>(ctx, x, f.Row);
            case DataType.UInt32: return Map<uint>(ctx, x, f.Row);
            case DataType.Int64: return Map<long>(ctx, x, f.Row);
            case DataType.UInt64: return Map<ulong>(ctx, x, f.Row);
            default: throw Unsupported(ctx, op, x.Type);
        }
    }

    public static Tensor Float(KernelContext ctx, string op, Tensor x, FloatUnaryOp f) => x.Type switch
    {
        DataType.Float => Map<float>(ctx, x, f.Row),
        DataType.Double => Map<double>(ctx, x, f.Row),
        DataType.Float16 or DataType.BFloat16 => FloatWidening.Narrow(Map<float>(ctx, FloatWidening.Widen(x), f.Row), x.Type),
        _ => throw Unsupported(ctx, op, x.Type),
    };

    public static Tensor Integer(KernelContext ctx, string op, Tensor x, IntegerUnaryOp f) => x.Type switch
    {
        DataType.Int8 => Map<sbyte>(ctx, x, f.Row),
        DataType.UInt8 => Map<byte>(ctx, x, f.Row),
        DataType.Int16 => Map<short>(ctx, x, f.Row),
        DataType.UInt16 => Map<ushort>(ctx, x, f.Row),
        DataType.Int32 => Map<int>(ctx, x, f.Row),
        DataType.UInt32 => Map<uint>(ctx, x, f.Row),
        DataType.Int64 => Map<long>(ctx, x, f.Row),
        DataType.UInt64 => Map<ulong>(ctx, x, f.Row),
        _ => throw Unsupported(ctx, op, x.Type),
    };

    private delegate void UnaryRow<T>(ReadOnlySpan<T> x, Span<T> dst);

    private static Tensor Map<T>(KernelContext ctx, Tensor x, UnaryRow<T> row)
    {
        var r = Tensor.Zeros(x.Type, x.Shape);
        var src = x.As<T>();
        var dst = r.As<T>();
        ElementwiseParallel.For(dst.Length, ctx.Threads, ElementwiseParallel.MinElements, (s, e) => row(src.AsSpan(s, e - s), dst.AsSpan(s, e - s)));
        return r;
    }

    /// <summary>A bool tensor viewed as 0/1 bytes (a copy).</summary>
    public static Tensor BoolAsBytes(Tensor t)
    {
        var src = t.As<bool>();
        var b = new byte[src.Length];
        for (int i = 0; i < b.Length; i++) b[i] = src[i] ? (byte)1 : (byte)0;
        return new Tensor(DataType.UInt8, t.Shape, b);
    }

    public static void RequireSameType(KernelContext ctx, string op, Tensor a, Tensor b)
    {
        if (a.Type != b.Type)
            throw ctx.Fail($"{op} needs inputs of one element type, got {DataTypes.ShortName(a.Type)} and {DataTypes.ShortName(b.Type)}");
    }

    public static EngineException Unsupported(KernelContext ctx, string op, DataType t) =>
        ctx.Fail($"{op} does not support element type {DataTypes.ShortName(t)}");
}
