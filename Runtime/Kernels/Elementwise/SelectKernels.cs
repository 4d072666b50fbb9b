namespace Engine.Runtime.Kernels;

/// <summary>Where (three-way broadcasting select, any element type) and Clip.</summary>
public static class SelectKernels
{
    public static Tensor?[] Where(KernelContext ctx, Tensor?[] inputs)
    {
        var c = KernelInputs.Required(ctx, inputs, 0);
        var x = KernelInputs.Required(ctx, inputs, 1);
        var y = KernelInputs.Required(ctx, inputs, 2);
        if (c.Type != DataType.Bool) throw ctx.Fail($"Where: condition must be bool, got {DataTypes.ShortName(c.Type)}");
        TypedDispatch.RequireSameType(ctx, "Where", x, y);
        var shape = Broadcasting.Shape(ctx.NodeName, c.Shape, x.Shape, y.Shape);
        var cond = c.As<bool>();
        // Dispatch on the element type: the CLR lets a short[] pass as a ushort[] (and sbyte[] as byte[]).
        Array data = x.Type switch
        {
            DataType.Float => Select(cond, c.Shape, x.As<float>(), x.Shape, y.As<float>(), y.Shape, shape),
            DataType.Double => Select(cond, c.Shape, x.As<double>(), x.Shape, y.As<double>(), y.Shape, shape),
            DataType.Float16 => Select(cond, c.Shape, x.As<Half>(), x.Shape, y.As<Half>(), y.Shape, shape),
            DataType.BFloat16 or DataType.UInt16 => Select(cond, c.Shape, x.As<ushort>(), x.Shape, y.As<ushort>(), y.Shape, shape),
            DataType.Int8 => Select(cond, c.Shape, x.As<sbyte>(), x.Shape, y.As<sbyte>(), y.Shape, shape),
            DataType.UInt8 => Select(cond, c.Shape, x.As<byte>(), x.Shape, y.As<byte>(), y.Shape, shape),
            DataType.Int16 => Select(cond, c.Shape, x.As<short>(), x.Shape, y.As<short>(), y.Shape, shape),
            DataType.Int32 => Select(cond, c.Shape, x.As<int>(), x.Shape, y.As<int>(), y.Shape, shape),
            DataType.UInt32 => Select(cond, c.Shape, x.As<uint>(), x.Shape, y.As<uint>(), y.Shape, shape),
            DataType.Int64 => Select(cond, c.Shape, x.As<long>(), x.Shape, y.As<long>(), y.Shape, shape),
            DataType.UInt64 => Select(cond, c.Shape, x.As<ulong>(), x.Shape, y.As<ulong>(), y.Shape, shape),
            DataType.Bool => Select(cond, c.Shape, x.As<bool>(), x.Shape, y.As<bool>(), y.Shape, shape),
            DataType.String => Select(cond, c.Shape, x.As<string>(), x.Shape, y.As<string>(), y.Shape, shape),
            _ => throw TypedDispatch.Unsupported(ctx, "Where", x.Type),
        };
        return [new Tensor(x.Type, shape, data)];
    }

    private static T[] Select<T>(bool[] c, int[] cShape, T[] x, int[] xShape, T[] y, int[] yShape, int[] shape)
    {
        int n = (int)Tensor.ElementCount(shape);
        var r = new T[n];
        if (c.Length == n && x.Length == n && y.Length == n)
        {
            for (int i = 0; i < n; i++) r[i] = c[i] ? x[i] : y[i];
            return r;
        }
        var co = Broadcasting.Offsets(cShape, shape);
        var xo = Broadcasting.Offsets(xShape, shape);
        var yo = Broadcasting.Offsets(yShape, shape);
        for (int i = 0; i < n; i++) r[i] = c[co[i]] ? x[xo[i]] : y[yo[i]];
        return r;
    }

    /// <summary>
    /// Clip: min(max(x, lo), hi), so lo &gt; hi gives hi everywhere, as the spec says, and NaN
    /// propagates. The bounds are scalars; they are converted to x's type (legacy Clip-6 bounds
    /// arrive as float constants whatever x's type).
    /// </summary>
    public static Tensor?[] Clip(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelInputs.Required(ctx, inputs, 0);
        var r = x;
        if (inputs.Length > 1 && inputs[1] is { } lo) r = TypedDispatch.Binary(ctx, "Clip", r, Bound(ctx, lo, x.Type, "min"), ArithmeticKernels.MaxOp.Instance);
        if (inputs.Length > 2 && inputs[2] is { } hi) r = TypedDispatch.Binary(ctx, "Clip", r, Bound(ctx, hi, x.Type, "max"), ArithmeticKernels.MinOp.Instance);
        // No bounds: still a fresh, type-checked copy.
        if (ReferenceEquals(r, x)) r = TypedDispatch.Binary(ctx, "Clip", x, x, ArithmeticKernels.MaxOp.Instance);
        return [r];
    }

    private static Tensor Bound(KernelContext ctx, Tensor t, DataType type, string name)
    {
        if (t.Length != 1) throw ctx.Fail($"Clip: {name} must be a scalar, got shape {Tensor.ShapeString(t.Shape)}");
        return CastKernels.Convert(t, type).Reshape();
    }
}
