namespace Engine.Runtime.Kernels;

/// <summary>Validation of kernel inputs shared by the tensor-manipulation kernels (one-line errors naming the node).</summary>
public static class KernelArgs
{
    public static Tensor Input(KernelContext ctx, Tensor?[] inputs, int i) =>
        (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input {i} is required");

    public static Tensor? Optional(Tensor?[] inputs, int i) => i < inputs.Length ? inputs[i] : null;

    /// <summary>An integer tensor (shape, axes, indices) read as int64; floats are rejected.</summary>
    public static long[] Ints(KernelContext ctx, Tensor t, string what)
    {
        if (!DataTypes.IsInteger(t.Type)) throw ctx.Fail($"{what} must be an integer tensor, got {DataTypes.ShortName(t.Type)}");
        return ToInt64(t);
    }

    /// <summary>
    /// Elements as int64, exact for every integer type (no trip through double); floats truncate,
    /// saturate at the int64 range, and NaN reads as 0, so a bad float index fails a range check
    /// instead of wrapping.
    /// </summary>
    public static long[] ToInt64(Tensor t)
    {
        var r = new long[t.Length];
        switch (t.Type)
        {
            case DataType.Int64: Array.Copy((long[])t.Data, r, r.Length); break;
            case DataType.UInt64: { var a = (ulong[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = unchecked((long)a[i]); break; }
            case DataType.Int32: { var a = (int[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt32: { var a = (uint[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DataType.Int16: { var a = (short[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt16: { var a = (ushort[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DataType.Int8: { var a = (sbyte[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt8: { var a = (byte[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            default:
                var d = ToDouble(t);
                for (int i = 0; i < r.Length; i++) r[i] = double.IsNaN(d[i]) ? 0 : (long)Math.Clamp(d[i], long.MinValue, long.MaxValue);
                break;
        }
        return r;
    }

    /// <summary>Elements widened to double (unsigned types read as unsigned).</summary>
    public static double[] ToDouble(Tensor t)
    {
        var r = new double[t.Length];
        switch (t.Type)
        {
            case DataType.UInt8: { var a = (byte[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt16: { var a = (ushort[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt32: { var a = (uint[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt64: { var a = (ulong[])t.Data; for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            default: return t.ToDoubleArray();
        }
        return r;
    }

    /// <summary>Normalises a possibly negative axis into [0, rank).</summary>
    public static int Axis(KernelContext ctx, long axis, int rank, string what = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw ctx.Fail($"{what} {axis} is out of range for rank {rank}");
        return (int)a;
    }

    /// <summary>Normalises a list of axes; duplicates are an error.</summary>
    public static int[] Axes(KernelContext ctx, long[] axes, int rank)
    {
        var r = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            r[i] = Axis(ctx, axes[i], rank);
            for (int j = 0; j < i; j++)
                if (r[j] == r[i]) throw ctx.Fail($"axis {axes[i]} is repeated");
        }
        return r;
    }

    /// <summary>A dim computed from int64 data, checked to fit a tensor.</summary>
    public static int Dim(KernelContext ctx, long d, string what)
    {
        if (d < 0 || d > Tensor.MaxElements) throw ctx.Fail($"{what} {d} is not a valid dimension");
        return (int)d;
    }

    /// <summary>Element count with a node-named error for oversized shapes.</summary>
    public static int Count(KernelContext ctx, int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw ctx.Fail($"negative dimension in shape {Tensor.ShapeString(shape)}");
            n *= d;
            if (n > Tensor.MaxElements) throw ctx.Fail($"shape {Tensor.ShapeString(shape)} is too large");
        }
        return (int)n;
    }

    /// <summary>Index normalisation for gathers: negative counts from the end; out of range fails.</summary>
    public static int Index(KernelContext ctx, long i, int size, string what = "index")
    {
        long j = i < 0 ? i + size : i;
        if (j < 0 || j >= size) throw ctx.Fail($"{what} {i} is out of range for a dimension of size {size}");
        return (int)j;
    }
}
