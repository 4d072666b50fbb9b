using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Softmax, LogSoftmax and Hardmax along one axis (opset 13 semantics). The tensor is viewed as
/// [outer, axis, inner]; when inner > 1 the work is vectorized across the inner dimension.
/// </summary>
public static class SoftmaxKernels
{
    private enum Kind { Softmax, LogSoftmax }

    public static Tensor?[] Softmax(KernelContext ctx, Tensor?[] inputs) => [Run(ctx, inputs, Kind.Softmax)];

    public static Tensor?[] LogSoftmax(KernelContext ctx, Tensor?[] inputs) => [Run(ctx, inputs, Kind.LogSoftmax)];

    private static Tensor Run(KernelContext ctx, Tensor?[] inputs, Kind kind)
    {
        var x = inputs[0] ?? throw ctx.Fail("input is required");
        var (outer, len, inner) = Split(ctx, x);
        if (x.Type == DataType.Double)
        {
            var src = x.As<double>();
            var dst = new double[src.Length];
            var scratch = new double[Math.Max(len, inner)];
            for (int o = 0; o < outer; o++) Slice(src.AsSpan(o * len * inner, len * inner), dst.AsSpan(o * len * inner, len * inner), len, inner, kind, scratch);
            return new Tensor(x.Type, x.Shape, dst);
        }
        if (!LinalgData.IsFloatLike(x.Type)) throw ctx.Fail($"{kind} does not support {x.Type}");
        var f = LinalgData.Read(x);
        var r = new float[f.Length];
        var buf = new float[Math.Max(len, inner)];
        for (int o = 0; o < outer; o++) Slice(f.AsSpan(o * len * inner, len * inner), r.AsSpan(o * len * inner, len * inner), len, inner, kind, buf);
        return LinalgData.Write(x.Type, x.Shape, r);
    }

    private static (int Outer, int Len, int Inner) Split(KernelContext ctx, Tensor x)
    {
        long axis = ctx.Attributes.GetInt("axis");
        int rank = x.Rank;
        if (rank == 0) return (1, 1, 1);
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw ctx.Fail($"axis {axis} is out of range for rank {rank}");
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= x.Shape[i];
        for (int i = (int)a + 1; i < rank; i++) inner *= x.Shape[i];
        return (outer, x.Shape[a], inner);
    }

    /// <summary>One [len, inner] slab: reduce over len for each of the inner positions.</summary>
    private static void Slice<T>(ReadOnlySpan<T> x, Span<T> y, int len, int inner, Kind kind, T[] scratch)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (len == 0 || inner == 0) return;
        if (inner == 1)
        {
            T max = TensorPrimitives.Max(x);
            TensorPrimitives.Subtract(x, max, y);
            if (kind == Kind.LogSoftmax)
            {
                var tmp = scratch.AsSpan(0, len);
                TensorPrimitives.Exp(y, tmp);
                T logSum = T.Log(TensorPrimitives.Sum<T>(tmp));
                TensorPrimitives.Subtract(y, logSum, y);
            }
            else
            {
                TensorPrimitives.Exp(y, y);
                T sum = TensorPrimitives.Sum<T>(y);
                TensorPrimitives.Divide(y, sum, y);
            }
            return;
        }
        var maxv = x.Slice(0, inner).ToArray();
        for (int i = 1; i < len; i++) TensorPrimitives.Max(maxv, x.Slice(i * inner, inner), maxv);
        var sumv = new T[inner];
        var e = scratch.AsSpan(0, inner);
        for (int i = 0; i < len; i++)
        {
            var row = y.Slice(i * inner, inner);
            TensorPrimitives.Subtract(x.Slice(i * inner, inner), maxv, row);
            if (kind == Kind.LogSoftmax)
            {
                TensorPrimitives.Exp(row, e);
                TensorPrimitives.Add(sumv, e, sumv);
            }
            else
            {
                TensorPrimitives.Exp(row, row);
                TensorPrimitives.Add(sumv, row, sumv);
            }
        }
        if (kind == Kind.LogSoftmax) TensorPrimitives.Log(sumv, sumv);
        for (int i = 0; i < len; i++)
        {
            var row = y.Slice(i * inner, inner);
            if (kind == Kind.LogSoftmax) TensorPrimitives.Subtract(row, sumv, row);
            else TensorPrimitives.Divide(row, sumv, row);
        }
    }

    /// <summary>Hardmax: 1 at the first maximum along the axis, 0 elsewhere (same element type).</summary>
    public static Tensor?[] Hardmax(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input is required");
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"Hardmax does not support {x.Type}");
        var (outer, len, inner) = Split(ctx, x);
        var v = x.ToDoubleArray();
        var r = new double[v.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int baseIdx = o * len * inner + j;
                int best = -1;
                double bestV = 0;
                for (int i = 0; i < len; i++)
                {
                    double val = v[baseIdx + i * inner];
                    // As numpy's argmax (the ONNX reference): the first NaN counts as the maximum.
                    if (best < 0 || (!double.IsNaN(bestV) && (double.IsNaN(val) || val > bestV))) { best = i; bestV = val; }
                }
                if (best >= 0) r[baseIdx + best * inner] = 1;
            }
        }
        return [LinalgData.WriteDouble(x.Type, x.Shape, r)];
    }
}
