namespace Engine.Runtime.Kernels;

/// <summary>
/// Reads float-family tensors (f16, bf16, f32) as float[] and writes results back, so the
/// linalg kernels compute half-precision types in float32 and round once at the end.
/// </summary>
public static class LinalgData
{
    public static bool IsFloatLike(DataType t) => t is DataType.Float or DataType.Float16 or DataType.BFloat16;

    /// <summary>The elements as float32 (shares the array when already float).</summary>
    public static float[] Read(Tensor t) => t.Data switch
    {
        float[] f => f,
        Half[] h => Array.ConvertAll(h, x => (float)x),
        ushort[] b when t.Type == DataType.BFloat16 => Array.ConvertAll(b, BFloat16Bits.ToFloat),
        _ => throw new EngineException($"expected a float, float16 or bfloat16 tensor, got {t.Type}"),
    };

    /// <summary>A tensor of <paramref name="type"/> from float32 values (rounded to nearest even).</summary>
    public static Tensor Write(DataType type, int[] shape, float[] values) => type switch
    {
        DataType.Float => new Tensor(type, shape, values),
        DataType.Float16 => new Tensor(type, shape, Array.ConvertAll(values, x => (Half)x)),
        DataType.BFloat16 => new Tensor(type, shape, Array.ConvertAll(values, BFloat16Bits.FromFloat)),
        _ => throw new EngineException($"cannot store float results as {type}"),
    };

    /// <summary>Any numeric tensor as double[] (double tensors are shared, not copied).</summary>
    public static double[] ReadDouble(Tensor t) => t.Data is double[] d ? d : t.ToDoubleArray();

    /// <summary>A numeric tensor of <paramref name="type"/> from doubles; integers round half to even and saturate.</summary>
    public static Tensor WriteDouble(DataType type, int[] shape, double[] v)
    {
        switch (type)
        {
            case DataType.Double: return new Tensor(type, shape, v);
            case DataType.Float: return new Tensor(type, shape, Array.ConvertAll(v, x => (float)x));
            case DataType.Float16: return new Tensor(type, shape, Array.ConvertAll(v, x => (Half)x));
            case DataType.BFloat16: return new Tensor(type, shape, Array.ConvertAll(v, x => BFloat16Bits.FromFloat((float)x)));
        }
        var t = Tensor.Zeros(type, shape);
        // Switch on the element type: the CLR lets byte[] match an sbyte[] pattern (and ushort[] a short[] one).
        switch (type)
        {
            case DataType.Int8: { var a = t.As<sbyte>(); for (int i = 0; i < a.Length; i++) a[i] = (sbyte)Sat(v[i], sbyte.MinValue, sbyte.MaxValue); break; }
            case DataType.UInt8: { var a = t.As<byte>(); for (int i = 0; i < a.Length; i++) a[i] = (byte)Sat(v[i], byte.MinValue, byte.MaxValue); break; }
            case DataType.Int16: { var a = t.As<short>(); for (int i = 0; i < a.Length; i++) a[i] = (short)Sat(v[i], short.MinValue, short.MaxValue); break; }
            case DataType.UInt16: { var a = t.As<ushort>(); for (int i = 0; i < a.Length; i++) a[i] = (ushort)Sat(v[i], ushort.MinValue, ushort.MaxValue); break; }
            case DataType.Int32: { var a = t.As<int>(); for (int i = 0; i < a.Length; i++) a[i] = (int)Sat(v[i], int.MinValue, int.MaxValue); break; }
            case DataType.UInt32: { var a = t.As<uint>(); for (int i = 0; i < a.Length; i++) a[i] = (uint)Sat(v[i], uint.MinValue, uint.MaxValue); break; }
            case DataType.Int64: { var a = t.As<long>(); for (int i = 0; i < a.Length; i++) a[i] = (long)Sat(v[i], long.MinValue, long.MaxValue); break; }
            case DataType.UInt64: { var a = t.As<ulong>(); for (int i = 0; i < a.Length; i++) a[i] = (ulong)Sat(v[i], 0, ulong.MaxValue); break; }
            default: throw new EngineException($"cannot store numeric results as {type}");
        }
        return t;
    }

    private static double Sat(double x, double lo, double hi)
    {
        if (double.IsNaN(x)) return 0;
        x = Math.Round(x, MidpointRounding.ToEven);
        return x < lo ? lo : x > hi ? hi : x;
    }
}
