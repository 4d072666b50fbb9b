using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>GlobalAveragePool, GlobalMaxPool, GlobalLpPool (one value per plane) and MaxUnpool.</summary>
public static class GlobalPoolKernels
{
    public static Tensor?[] GlobalAveragePool(KernelContext ctx, Tensor?[] inputs) =>
        Reduce(ctx, inputs, plane => plane.Length == 0 ? double.NaN : TensorPrimitives.Sum(plane) / plane.Length);

    public static Tensor?[] GlobalMaxPool(KernelContext ctx, Tensor?[] inputs) =>
        Reduce(ctx, inputs, plane => plane.Length == 0 ? double.NegativeInfinity : TensorPrimitives.Max(plane));

    public static Tensor?[] GlobalLpPool(KernelContext ctx, Tensor?[] inputs)
    {
        long pl = ctx.Attributes.GetInt("p");
        if (pl < 1) throw ctx.Fail($"p must be >= 1, got {pl}");
        double p = pl;
        return Reduce(ctx, inputs, plane =>
        {
            double s = 0;
            foreach (var v in plane) s += Math.Pow(Math.Abs(v), p);
            return Math.Pow(s, 1 / p);
        });
    }

    private delegate double PlaneReduction(ReadOnlySpan<double> plane);

    private static Tensor?[] Reduce(KernelContext ctx, Tensor?[] inputs, PlaneReduction f)
    {
        var x = (inputs.Length > 0 ? inputs[0] : null) ?? throw ctx.Fail("input X is required");
        if (x.Rank < 2) throw ctx.Fail($"X must have rank >= 2, got {Tensor.ShapeString(x.Shape)}");
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"{x.Type} is not supported (float types only)");
        var shape = x.Shape.Select((d, i) => i < 2 ? d : 1).ToArray();
        int planes = x.Shape[0] * x.Shape[1];
        int size = planes == 0 ? 0 : x.Length / planes;
        var xd = NnData.ToDouble(x);
        var y = new double[planes];
        for (int i = 0; i < planes; i++) y[i] = f(xd.AsSpan(i * size, size));
        return [NnData.FromDouble(x.Type, shape, y)];
    }

    /// <summary>MaxUnpool: scatters X into zeros at the flat positions given by I (MaxPool's Indices).</summary>
    public static Tensor?[] MaxUnpool(KernelContext ctx, Tensor?[] inputs)
    {
        var x = (inputs.Length > 0 ? inputs[0] : null) ?? throw ctx.Fail("input X is required");
        var ind = (inputs.Length > 1 ? inputs[1] : null) ?? throw ctx.Fail("input I is required");
        var outShapeT = inputs.Length > 2 ? inputs[2] : null;
        if (x.Rank < 3) throw ctx.Fail($"X must have rank >= 3, got {Tensor.ShapeString(x.Shape)}");
        if (!ind.Shape.SequenceEqual(x.Shape)) throw ctx.Fail($"I has shape {Tensor.ShapeString(ind.Shape)} but X has {Tensor.ShapeString(x.Shape)}");
        var inferred = DefaultOutputShape(x.Shape, ctx.Attributes, ctx.Fail);
        long total = Tensor.ElementCount(inferred);
        var y = Tensor.Zeros(x.Type, inferred);
        var idx = ind.ToInt64Array();
        for (int i = 0; i < idx.Length; i++)
        {
            long t = idx[i];
            if (t < 0 || t >= total) throw ctx.Fail($"index {t} is out of range for output shape {Tensor.ShapeString(inferred)}");
            Array.Copy(x.Data, i, y.Data, t, 1);
        }
        if (outShapeT is null) return [y];
        // An explicit output_shape enlarges the unpooled result with zeros at the end of each dim
        // (the ONNX reference semantics: the scatter happens in the inferred shape).
        var os = outShapeT.ToInt64Array();
        if (os.Length != x.Rank) throw ctx.Fail($"output_shape has {os.Length} values, expected {x.Rank}");
        var shape = new int[os.Length];
        for (int i = 0; i < os.Length; i++)
        {
            if (os[i] < inferred[i] || os[i] > int.MaxValue) throw ctx.Fail($"output_shape {string.Join(",", os)} is smaller than the unpooled shape {Tensor.ShapeString(inferred)}");
            shape[i] = (int)os[i];
        }
        if (shape.SequenceEqual(inferred)) return [y];
        var res = Tensor.Zeros(x.Type, shape);
        var dstStride = Tensor.StridesOf(shape);
        int last = inferred[^1];
        long rows = last == 0 ? 0 : total / last;
        for (long row = 0; row < rows; row++)
        {
            long rem = row, dst = 0;
            for (int d = inferred.Length - 2; d >= 0; d--)
            {
                dst += rem % inferred[d] * dstStride[d];
                rem /= inferred[d];
            }
            Array.Copy(y.Data, row * last, res.Data, dst, last);
        }
        return [res];
    }

    /// <summary>Per spatial dim: (in − 1)·stride + kernel − pad_begin − pad_end.</summary>
    public static int[] DefaultOutputShape(int[] x, AttributeMap a, Func<string, Exception> fail)
    {
        int r = x.Length - 2;
        var ks = a.GetInts("kernel_shape");
        if (ks.Length != r) throw fail($"kernel_shape has {ks.Length} dims but X has {r} spatial dims");
        var s = WindowGeometry.Ints(a.GetIntsOrNull("strides"), r, 1, "strides", fail);
        var pads = WindowGeometry.Ints(a.GetIntsOrNull("pads"), 2 * r, 0, "pads", fail);
        var shape = new int[x.Length];
        shape[0] = x[0];
        shape[1] = x[1];
        for (int i = 0; i < r; i++)
        {
            long d = x[i + 2] < 0 ? -1 : ((long)x[i + 2] - 1) * s[i] + ks[i] - pads[i] - pads[i + r];
            if (x[i + 2] >= 0 && (d < 0 || d > int.MaxValue)) throw fail($"output dim {i} of {d} is invalid");
            shape[i + 2] = (int)d;
        }
        return shape;
    }
}
