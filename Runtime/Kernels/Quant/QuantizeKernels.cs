using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>
/// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear for the integer quantized types
/// (u8, i8, u16, i16; i32 on the dequantize side). Scales/zero points are per tensor, per axis
/// (1-D along 'axis') or blocked (same rank as x, 'axis' dim = ceil(D / block_size)).
/// </summary>
public static class QuantizeKernels
{
    public static Tensor?[] QuantizeLinear(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Required(ctx, inputs, 0, "x");
        var scale = Required(ctx, inputs, 1, "y_scale");
        var zp = inputs.Length > 2 ? inputs[2] : null;
        var a = ctx.Attributes;
        long outputDtype = a.GetInt("output_dtype");
        DataType qt;
        if (zp is not null)
        {
            if (outputDtype != 0 && outputDtype != (long)zp.Type)
                throw ctx.Fail($"output_dtype {outputDtype} does not match the zero point's type {zp.Type}");
            qt = zp.Type;
        }
        else
        {
            qt = outputDtype != 0 ? (DataType)outputDtype : DataType.UInt8;
        }
        var (lo, hi) = Range(ctx, qt);
        if (!DataTypes.IsFloat(x.Type) && x.Type != DataType.Int32) throw ctx.Fail($"x must be a float or int32 tensor, got {x.Type}");
        if (!DataTypes.IsFloat(scale.Type)) throw ctx.Fail($"y_scale must be a float tensor, got {scale.Type}");
        var map = ParamIndex(ctx, x.Shape, scale, zp, a.GetInt("axis"), a.GetInt("block_size"));
        long precision = a.GetInt("precision", 0);
        // The division x / scale happens in the scale's precision (or the 'precision' attribute),
        // as the spec says; round-half-to-even of a wrongly rounded quotient would differ on ties.
        var divType = precision != 0 ? (DataType)precision : Promote(x.Type, scale.Type);
        if (x.Type == DataType.Float && divType == DataType.Float)
        {
            var fs = Array.ConvertAll(scale.ToDoubleArray(), v => (float)v);
            var fz = zp is null ? new int[fs.Length] : Array.ConvertAll(zp.ToDoubleArray(), v => (int)v);
            Array data = qt switch
            {
                DataType.UInt8 => QuantizeFloat<byte>(x.As<float>(), fs, fz, map),
                DataType.Int8 => QuantizeFloat<sbyte>(x.As<float>(), fs, fz, map),
                DataType.UInt16 => QuantizeFloat<ushort>(x.As<float>(), fs, fz, map),
                DataType.Int16 => QuantizeFloat<short>(x.As<float>(), fs, fz, map),
                _ => QuantizeFloat<int>(x.As<float>(), fs, fz, map),
            };
            return [new Tensor(qt, (int[])x.Shape.Clone(), data)];
        }
        var xs = x.ToDoubleArray();
        var ss = scale.ToDoubleArray();
        var zs = zp?.ToDoubleArray();
        var y = new double[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            int p = map is null ? 0 : map[i];
            double q = Math.Round(RoundTo(divType, xs[i] / ss[p]), MidpointRounding.ToEven);
            if (zs is not null) q += zs[p];
            y[i] = double.IsNaN(q) ? 0 : Math.Clamp(q, lo, hi);
        }
        return [DoubleBridge.FromDoublesAny(qt, (int[])x.Shape.Clone(), y)];
    }

    public static Tensor?[] DequantizeLinear(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Required(ctx, inputs, 0, "x");
        var scale = Required(ctx, inputs, 1, "x_scale");
        var zp = inputs.Length > 2 ? inputs[2] : null;
        var a = ctx.Attributes;
        if (!DataTypes.IsInteger(x.Type) || DataTypes.Size(x.Type) > 4) throw ctx.Fail($"x must be an 8/16/32-bit integer tensor, got {x.Type}");
        if (zp is not null && zp.Type != x.Type) throw ctx.Fail($"x_zero_point ({zp.Type}) must have x's type ({x.Type})");
        if (!DataTypes.IsFloat(scale.Type)) throw ctx.Fail($"x_scale must be a float tensor, got {scale.Type}");
        long outputDtype = a.GetInt("output_dtype");
        var outType = outputDtype != 0 ? (DataType)outputDtype : scale.Type;
        if (!DataTypes.IsFloat(outType)) throw ctx.Fail($"output_dtype {outputDtype} is not a float type");
        var map = ParamIndex(ctx, x.Shape, scale, zp, a.GetInt("axis"), a.GetInt("block_size"));
        if (scale.Type == DataType.Float && outType == DataType.Float && x.Type is DataType.UInt8 or DataType.Int8)
        {
            var fs = (float[])scale.Data;
            var fz = zp is null ? new int[fs.Length] : Array.ConvertAll(zp.ToDoubleArray(), v => (int)v);
            var yf = x.Type == DataType.UInt8 ? DequantizeToFloat(x.As<byte>(), fs, fz, map) : DequantizeToFloat(x.As<sbyte>(), fs, fz, map);
            return [new Tensor(DataType.Float, (int[])x.Shape.Clone(), yf)];
        }
        var xs = x.ToDoubleArray();
        var ss = scale.ToDoubleArray();
        var zs = zp?.ToDoubleArray();
        // (x - zp) is formed in float32 and multiplied in the wider of float32 and the scale type.
        var mulType = scale.Type == DataType.Double ? DataType.Double : DataType.Float;
        var y = new double[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            int p = map is null ? 0 : map[i];
            double dx = (float)((float)xs[i] - (float)(zs is null ? 0 : zs[p]));
            y[i] = RoundTo(mulType, dx * ss[p]);
        }
        return [DoubleBridge.FromDoubles(outType, (int[])x.Shape.Clone(), y)];
    }

    /// <summary>uint8 quantization with a range that always includes 0, computed in float32.</summary>
    public static Tensor?[] DynamicQuantizeLinear(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Required(ctx, inputs, 0, "x");
        if (x.Type != DataType.Float) throw ctx.Fail($"x must be float, got {x.Type}");
        var xs = x.As<float>();
        float min = 0, max = 0;
        foreach (float v in xs)
        {
            if (float.IsNaN(v)) throw ctx.Fail("x contains NaN");
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        // An all-zero input has an empty range; the spec then defines the scale as 1.
        float scale = max == min ? 1f : (max - min) / 255f;
        float zpf = Math.Clamp(0f - min / scale, 0f, 255f);
        byte zp = (byte)MathF.Round(zpf, MidpointRounding.ToEven);
        var y = new byte[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            float q = MathF.Round(xs[i] / scale, MidpointRounding.ToEven);
            y[i] = (byte)Math.Clamp(q + zp, 0f, 255f);
        }
        return [new Tensor(DataType.UInt8, (int[])x.Shape.Clone(), y), Tensor.Scalar(scale), Tensor.Scalar(zp)];
    }

    /// <summary>float32 x and scale (the common case): divide, round half to even, add zero point, saturate.</summary>
    private static T[] QuantizeFloat<T>(float[] xs, float[] scale, int[] zp, int[]? map) where T : IBinaryInteger<T>, IMinMaxValue<T>
    {
        float lo = float.CreateTruncating(T.MinValue), hi = float.CreateTruncating(T.MaxValue);
        var y = new T[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            int p = map is null ? 0 : map[i];
            float q = MathF.Round(xs[i] / scale[p], MidpointRounding.ToEven) + zp[p];
            // NaN → 0, as the general path does.
            y[i] = float.IsNaN(q) ? T.Zero : T.CreateSaturating(Math.Clamp(q, lo, hi));
        }
        return y;
    }

    /// <summary>8-bit x with float32 scale: (x − zp) · scale in float32.</summary>
    private static float[] DequantizeToFloat<T>(T[] xs, float[] scale, int[] zp, int[]? map) where T : IBinaryInteger<T>
    {
        var y = new float[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            int p = map is null ? 0 : map[i];
            y[i] = (int.CreateTruncating(xs[i]) - zp[p]) * scale[p];
        }
        return y;
    }

    private static Tensor Required(KernelContext ctx, Tensor?[] inputs, int i, string name) =>
        (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input '{name}' is required");

    /// <summary>Saturation range of a quantized integer type.</summary>
    public static (double Lo, double Hi) Range(KernelContext ctx, DataType t) => t switch
    {
        DataType.UInt8 => (0, 255),
        DataType.Int8 => (-128, 127),
        DataType.UInt16 => (0, 65535),
        DataType.Int16 => (-32768, 32767),
        DataType.Int32 => (int.MinValue, int.MaxValue),
        _ => throw ctx.Fail($"quantized type {t} is not supported"),
    };

    /// <summary>The value rounded to the precision of a float type (double for anything else).</summary>
    public static double RoundTo(DataType t, double v) => t switch
    {
        DataType.Float => (float)v,
        DataType.Float16 => (double)(Half)v,
        DataType.BFloat16 => BFloat16Bits.ToFloat(BFloat16Bits.FromFloat((float)v)),
        _ => v,
    };

    /// <summary>numpy's result type for x / scale: the wider float, f16 only when both are f16.</summary>
    private static DataType Promote(DataType x, DataType scale)
    {
        if (x == DataType.Double || scale == DataType.Double || x == DataType.Int32) return DataType.Double;
        if (x == scale) return x;
        return DataType.Float;
    }

    /// <summary>
    /// For each element of x, the index of its scale/zero point; null for per-tensor quantization.
    /// Validates that scale and zero point agree in shape with each other and with the granularity.
    /// </summary>
    public static int[]? ParamIndex(KernelContext ctx, int[] xShape, Tensor scale, Tensor? zp, long axisAttr, long blockSize)
    {
        if (zp is not null && !zp.Shape.AsSpan().SequenceEqual(scale.Shape) && !(zp.Length == 1 && scale.Length == 1))
            throw ctx.Fail($"zero point shape {Tensor.ShapeString(zp.Shape)} differs from scale shape {Tensor.ShapeString(scale.Shape)}");
        if (scale.Length == 1 && blockSize <= 0) return null;
        int rank = xShape.Length;
        long ax = axisAttr < 0 ? axisAttr + rank : axisAttr;
        if (ax < 0 || ax >= rank) throw ctx.Fail($"axis {axisAttr} is out of range for rank {rank}");
        int axis = (int)ax;
        int d = xShape[axis];
        int inner = 1;
        for (int i = axis + 1; i < rank; i++) inner *= xShape[i];
        int n = (int)Tensor.ElementCount(xShape);
        var map = new int[n];
        if (blockSize <= 0)
        {
            if (scale.Rank != 1 || scale.Shape[0] != d)
                throw ctx.Fail($"per-axis scale must have shape [{d}], got {Tensor.ShapeString(scale.Shape)}");
            for (int i = 0; i < n; i++) map[i] = i / inner % d;
            return map;
        }
        if (blockSize > d && d > 0 && scale.Rank != rank) throw ctx.Fail($"block_size {blockSize} is larger than dimension {d}");
        if (scale.Rank != rank) throw ctx.Fail($"blocked scale must have rank {rank}, got {Tensor.ShapeString(scale.Shape)}");
        int blocks = scale.Shape[axis];
        for (int i = 0; i < rank; i++)
        {
            if (i != axis && scale.Shape[i] != xShape[i])
                throw ctx.Fail($"blocked scale shape {Tensor.ShapeString(scale.Shape)} does not match x shape {Tensor.ShapeString(xShape)}");
        }
        if (blocks != (d + blockSize - 1) / blockSize)
            throw ctx.Fail($"blocked scale has {blocks} blocks on axis {axis} but ceil({d}/{blockSize}) are needed");
        for (int i = 0; i < n; i++)
        {
            int inIdx = i % inner;
            int a = i / inner % d;
            int o = i / inner / d;
            map[i] = (o * blocks + (int)(a / blockSize)) * inner + inIdx;
        }
        return map;
    }
}
