namespace Engine.Runtime.Kernels;

/// <summary>Ops that make new tensors from shapes and scalars: ConstantOfShape, Range, EyeLike, OneHot.</summary>
public static class GeneratorKernels
{
    public static Tensor?[] ConstantOfShape(KernelContext ctx, Tensor?[] inputs)
    {
        var shapeT = KernelArgs.Input(ctx, inputs, 0);
        var shape = KernelArgs.Ints(ctx, shapeT, "shape").Select(d => KernelArgs.Dim(ctx, d, "shape entry")).ToArray();
        KernelArgs.Count(ctx, shape);
        var value = ctx.Attributes.GetTensorOrNull("value");
        if (value is not null && value.Length != 1) throw ctx.Fail($"value must hold one element, got {Tensor.ShapeString(value.Shape)}");
        var type = value?.Type ?? DataType.Float;
        var y = Tensor.Zeros(type, shape);
        if (value is not null) Fill(y.Data, value.Data);
        return [y];
    }

    /// <summary>Fills <paramref name="dst"/> with element 0 of <paramref name="value"/> (same element type).</summary>
    public static void Fill(Array dst, Array value) => ElementDispatch.Run<bool, FillFunc>(dst, new FillFunc(value));

    private readonly struct FillFunc(Array value) : IArrayFunc<bool>
    {
        public bool Invoke<T>(T[] data)
        {
            data.AsSpan().Fill(((T[])value)[0]);
            return true;
        }
    }

    public static Tensor?[] Range(KernelContext ctx, Tensor?[] inputs)
    {
        var start = KernelArgs.Input(ctx, inputs, 0);
        var limit = KernelArgs.Input(ctx, inputs, 1);
        var delta = KernelArgs.Input(ctx, inputs, 2);
        if (start.Type != limit.Type || start.Type != delta.Type) throw ctx.Fail("start, limit and delta must have one element type");
        if (start.Length != 1 || limit.Length != 1 || delta.Length != 1) throw ctx.Fail("start, limit and delta must be scalars");
        var type = start.Type;
        if (DataTypes.IsInteger(type))
        {
            long s = KernelArgs.ToInt64(start)[0], l = KernelArgs.ToInt64(limit)[0], d = KernelArgs.ToInt64(delta)[0];
            if (d == 0) throw ctx.Fail("delta cannot be 0");
            long n = Math.Max(0, d > 0 ? (l - s + d - 1) / d : (s - l + (-d) - 1) / (-d));
            if (n > Tensor.MaxElements) throw ctx.Fail($"range of {n} elements is too large");
            var vals = new long[n];
            for (long i = 0; i < n; i++) vals[i] = s + i * d;
            return [CastFromInt64(vals, type)];
        }
        if (!DataTypes.IsFloat(type)) throw ctx.Fail($"element type {DataTypes.ShortName(type)} is not supported");
        double fs = start.ScalarAsDouble(), fl = limit.ScalarAsDouble(), fd = delta.ScalarAsDouble();
        if (fd == 0 || !double.IsFinite(fd) || !double.IsFinite(fs) || !double.IsFinite(fl)) throw ctx.Fail("start, limit and delta must be finite and delta non-zero");
        double count = Math.Max(0, Math.Ceiling((fl - fs) / fd));
        if (count > Tensor.MaxElements) throw ctx.Fail($"range of {count} elements is too large");
        int m = (int)count;
        var res = Tensor.Zeros(type, m);
        for (int i = 0; i < m; i++) Set(res, i, fs + i * fd);
        return [res];
    }

    private static Tensor CastFromInt64(long[] vals, DataType type)
    {
        var y = Tensor.Zeros(type, vals.Length);
        // Switch on the element type, not the array: a ulong[] would also match "long[]".
        switch (type)
        {
            case DataType.Int64: Array.Copy(vals, (long[])y.Data, vals.Length); break;
            case DataType.Int32: { var a = (int[])y.Data; for (int i = 0; i < a.Length; i++) a[i] = (int)vals[i]; break; }
            case DataType.Int16: { var a = (short[])y.Data; for (int i = 0; i < a.Length; i++) a[i] = (short)vals[i]; break; }
            case DataType.Int8: { var a = (sbyte[])y.Data; for (int i = 0; i < a.Length; i++) a[i] = (sbyte)vals[i]; break; }
            case DataType.UInt8: { var a = (byte[])y.Data; for (int i = 0; i < a.Length; i++) a[i] = (byte)vals[i]; break; }
            case DataType.UInt16: { var a = (ushort[])y.Data; for (int i = 0; i < a.Length; i++) a[i] = (ushort)vals[i]; break; }
            case DataType.UInt32: { var a = (uint[])y.Data; for (int i = 0; i < a.Length; i++) a[i] = (uint)vals[i]; break; }
            case DataType.UInt64: { var a = (ulong[])y.Data; for (int i = 0; i < a.Length; i++) a[i] = (ulong)vals[i]; break; }
        }
        return y;
    }

    /// <summary>Stores a number into element i of a float-family tensor.</summary>
    private static void Set(Tensor t, int i, double v)
    {
        switch (t.Type)
        {
            case DataType.Float: ((float[])t.Data)[i] = (float)v; break;
            case DataType.Double: ((double[])t.Data)[i] = v; break;
            case DataType.Float16: ((Half[])t.Data)[i] = (Half)v; break;
            case DataType.BFloat16: ((ushort[])t.Data)[i] = BFloat16Bits.FromFloat((float)v); break;
        }
    }

    public static Tensor?[] EyeLike(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        if (x.Rank != 2) throw ctx.Fail($"input must be 2-D, got {Tensor.ShapeString(x.Shape)}");
        var type = ctx.Attributes.Get("dtype") is long dt ? (DataType)dt : x.Type;
        if (!DataTypes.IsSupported(type) || type == DataType.String) throw ctx.Fail($"dtype {type} is not supported");
        long k = ctx.Attributes.GetInt("k");
        var y = Tensor.Zeros(type, x.Shape[0], x.Shape[1]);
        var one = AxisMapCopy.FromDouble(type, 1);
        int rows = x.Shape[0], cols = x.Shape[1];
        for (int i = 0; i < rows; i++)
        {
            long j = i + k;
            if (j >= 0 && j < cols) Array.Copy(one, 0, y.Data, i * cols + (int)j, 1);
        }
        return [y];
    }

    public static Tensor?[] OneHot(KernelContext ctx, Tensor?[] inputs)
    {
        var indices = KernelArgs.Input(ctx, inputs, 0);
        var depthT = KernelArgs.Input(ctx, inputs, 1);
        var values = KernelArgs.Input(ctx, inputs, 2);
        if (values.Length != 2) throw ctx.Fail($"values must hold [off, on], got {Tensor.ShapeString(values.Shape)}");
        if (depthT.Length != 1) throw ctx.Fail("depth must be a single value");
        if (indices.Type == DataType.String || depthT.Type == DataType.String) throw ctx.Fail("indices and depth must be numeric");
        double depthD = KernelArgs.ToDouble(depthT)[0];
        if (!(depthD >= 1) || depthD > Tensor.MaxElements) throw ctx.Fail($"depth {depthD} is invalid");
        int depth = (int)depthD;
        int outRank = indices.Rank + 1;
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), outRank);
        var shape = indices.Shape[..axis].Append(depth).Concat(indices.Shape[axis..]).ToArray();
        int count = KernelArgs.Count(ctx, shape);
        var idx = KernelArgs.ToInt64(indices);
        int inner = 1;
        for (int d = axis; d < indices.Rank; d++) inner *= indices.Shape[d];
        var y = Tensor.Zeros(values.Type, shape);
        if (count == 0) return [y];
        var off = ElementDispatch.NewArray(values.Type, 1);
        Array.Copy(values.Data, 0, off, 0, 1);
        Fill(y.Data, off);
        for (int p = 0; p < idx.Length; p++)
        {
            long v = idx[p] < 0 ? idx[p] + depth : idx[p];
            if (v < 0 || v >= depth) continue;
            int o = p / inner, i = p % inner;
            Array.Copy(values.Data, 1, y.Data, (o * depth + (int)v) * inner + i, 1);
        }
        return [y];
    }
}
