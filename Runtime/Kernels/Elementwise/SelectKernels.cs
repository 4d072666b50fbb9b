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
        Array data = x.Data switch
        {
            float[] a => Select(cond, c.Shape, a, x.Shape, (float[])y.Data, y.Shape, shape),
            double[] a => Select(cond, c.Shape, a, x.Shape, (double[])y.Data, y.Shape, shape),
            Half[] a => Select(cond, c.Shape, a, x.Shape, (Half[])y.Data, y.Shape, shape),
            ushort[] a => Select(cond, c.Shape, a, x.Shape, (ushort[])y.Data, y.Shape, shape),
            sbyte[] a => Select(cond, c.Shape, a, x.Shape, (sbyte[])y.Data, y.Shape, shape),
            byte[] a => Select(cond, c.Shape, a, x.Shape, (byte[])y.Data, y.Shape, shape),
            short[] a => Select(cond, c.Shape, a, x.Shape, (short[])y.Data, y.Shape, shape),
            int[] a => Select(cond, c.Shape, a, x.Shape, (int[])y.Data, y.Shape, shape),
            uint[] a => Select(cond, c.Shape, a, x.Shape, (uint[])y.Data, y.Shape, shape),
            long[] a => Select(cond, c.Shape, a, x.Shape, (long[])y.Data, y.Shape, shape),
            ulong[] a => Select(cond, c.Shape, a, x.Shape, (ulong[])y.Data, y.Shape, shape),
            bool[] a => Select(cond, c.Shape, a, x.Shape, (bool[])y.Data, y.Shape, shape),
            string[] a => Select(cond, c.Shape, a, x.Shape, (string[])y.Data, y.Shape, shape),
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
