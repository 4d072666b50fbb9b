namespace Engine.Runtime.Kernels;

/// <summary>
/// Float tensors (f32, f64, f16, bf16) to and from double arrays, for kernels whose arithmetic is
/// simplest and most accurate in double (losses, signal ops, quantization scales).
/// </summary>
public static class DoubleBridge
{
    /// <summary>A tensor of <paramref name="type"/> holding <paramref name="values"/> rounded to it.</summary>
    public static Tensor FromDoubles(DataType type, int[] shape, double[] values)
    {
        Array data = type switch
        {
            DataType.Float => Array.ConvertAll(values, v => (float)v),
            DataType.Double => values,
            DataType.Float16 => Array.ConvertAll(values, v => (Half)v),
            DataType.BFloat16 => Array.ConvertAll(values, v => BFloat16Bits.FromFloat((float)v)),
            _ => throw new EngineException($"cannot build a {type} tensor from floating-point values"),
        };
        return new Tensor(type, shape, data);
    }

    /// <summary>Element type named by an ONNX data-type attribute value, when supported.</summary>
    public static DataType TypeFromAttribute(long value, Func<string, EngineException> fail)
    {
        var t = (DataType)value;
        if (!Enum.IsDefined(t) || !DataTypes.IsSupported(t)) throw fail($"data type {value} is not supported");
        return t;
    }

    /// <summary>Converts doubles to any numeric type (floats round, integers truncate and saturate, bool is non-zero).</summary>
    public static Tensor FromDoublesAny(DataType type, int[] shape, double[] values)
    {
        if (DataTypes.IsFloat(type)) return FromDoubles(type, shape, values);
        Array data = type switch
        {
            DataType.Int8 => Array.ConvertAll(values, sbyte.CreateSaturating),
            DataType.UInt8 => Array.ConvertAll(values, byte.CreateSaturating),
            DataType.Int16 => Array.ConvertAll(values, short.CreateSaturating),
            DataType.UInt16 => Array.ConvertAll(values, ushort.CreateSaturating),
            DataType.Int32 => Array.ConvertAll(values, int.CreateSaturating),
            DataType.UInt32 => Array.ConvertAll(values, uint.CreateSaturating),
            DataType.Int64 => Array.ConvertAll(values, long.CreateSaturating),
            DataType.UInt64 => Array.ConvertAll(values, ulong.CreateSaturating),
            DataType.Bool => Array.ConvertAll(values, v => v != 0),
            _ => throw new EngineException($"cannot build a {type} tensor from numbers"),
        };
        return new Tensor(type, shape, data);
    }
}
