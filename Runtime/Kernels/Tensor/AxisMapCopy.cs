namespace Engine.Runtime.Kernels;

/// <summary>
/// Copies where every output axis reads through its own index table (-1 = "fill"): Pad's modes and
/// CenterCropPad are each one table per axis, so they share this loop.
/// </summary>
public static class AxisMapCopy
{
    /// <summary>y[i0..ik] = x[map0[i0]..mapk[ik]], or <paramref name="fill"/>[0] where any map entry is -1.</summary>
    public static Tensor Gather(Tensor x, int[] outShape, int[][] maps, Array fill)
    {
        var data = ElementDispatch.Run<Array, Func>(x.Data, new Func(x.Shape, outShape, maps, fill));
        return new Tensor(x.Type, outShape, data);
    }

    private readonly struct Func(int[] inShape, int[] outShape, int[][] maps, Array fill) : IArrayFunc<Array>
    {
        public Array Invoke<T>(T[] src)
        {
            int n = (int)Tensor.ElementCount(outShape);
            var dst = ElementDispatch.NewLike<T>(n);
            if (n == 0) return dst;
            T fillValue = ((T[])fill)[0];
            int rank = outShape.Length;
            if (rank == 0)
            {
                dst[0] = src[0];
                return dst;
            }
            var strides = Tensor.StridesOf(inShape);
            int inner = outShape[rank - 1];
            var last = maps[rank - 1];
            int innerStride = strides[rank - 1];
            var idx = new int[rank];
            int o = 0;
            while (o < n)
            {
                // Offset of the outer coordinates; -1 when any of them reads padding.
                int baseOff = 0;
                for (int d = 0; d < rank - 1; d++)
                {
                    int m = maps[d][idx[d]];
                    if (m < 0) { baseOff = -1; break; }
                    baseOff += m * strides[d];
                }
                if (baseOff < 0) dst.AsSpan(o, inner).Fill(fillValue);
                else
                {
                    for (int i = 0; i < inner; i++)
                    {
                        int m = last[i];
                        dst[o + i] = m < 0 ? fillValue : src[baseOff + m * innerStride];
                    }
                }
                o += inner;
                for (int d = rank - 2; d >= 0; d--)
                {
                    if (++idx[d] < outShape[d]) break;
                    idx[d] = 0;
                }
            }
            return dst;
        }
    }

    /// <summary>A one-element array of <paramref name="type"/> holding <paramref name="value"/> converted (the fill of Pad etc.).</summary>
    public static Array Scalar(DataType type, Tensor? value)
    {
        var a = ElementDispatch.NewArray(type, 1);
        if (value is null || value.Length == 0) return a;
        if (value.Type == type)
        {
            Array.Copy(value.Data, 0, a, 0, 1);
            return a;
        }
        if (type == DataType.String || value.Type == DataType.String)
            throw new EngineException($"cannot convert a {DataTypes.ShortName(value.Type)} value to {DataTypes.ShortName(type)}");
        return FromDouble(type, KernelArgs.ToDouble(value)[0]);
    }

    public static Array FromDouble(DataType type, double v) => type switch
    {
        DataType.Float => new[] { (float)v },
        DataType.Double => new[] { v },
        DataType.Float16 => new[] { (Half)v },
        DataType.BFloat16 => new[] { BFloat16Bits.FromFloat((float)v) },
        DataType.Int8 => new[] { (sbyte)v },
        DataType.UInt8 => new[] { (byte)v },
        DataType.Int16 => new[] { (short)v },
        DataType.UInt16 => new[] { (ushort)v },
        DataType.Int32 => new[] { (int)v },
        DataType.UInt32 => new[] { (uint)v },
        DataType.Int64 => new[] { (long)v },
        DataType.UInt64 => new[] { (ulong)v },
        DataType.Bool => new[] { v != 0 },
        _ => throw new EngineException($"cannot convert a number to {DataTypes.ShortName(type)}"),
    };
}
