using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>Ops that pick elements by value: ArgMax, ArgMin, TopK, NonZero.</summary>
public static class SelectionKernels
{
    public static Tensor?[] ArgMax(KernelContext ctx, Tensor?[] inputs) => Arg(ctx, inputs, max: true);

    public static Tensor?[] ArgMin(KernelContext ctx, Tensor?[] inputs) => Arg(ctx, inputs, max: false);

    private static Tensor?[] Arg(KernelContext ctx, Tensor?[] inputs, bool max)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        if (x.Rank == 0) throw ctx.Fail("input must have rank >= 1");
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), x.Rank);
        int dim = x.Shape[axis];
        if (dim == 0) throw ctx.Fail($"cannot reduce axis {axis} of size 0");
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= x.Shape[d];
        for (int d = axis + 1; d < x.Rank; d++) inner *= x.Shape[d];
        var f = new ArgFunc(outer, dim, inner, max, ctx.Attributes.GetInt("select_last_index") != 0);
        var idx = ElementDispatch.RunNumeric<long[], ArgFunc>(x, f, ctx.NodeName);
        var shape = (int[])x.Shape.Clone();
        shape[axis] = 1;
        if (ctx.Attributes.GetInt("keepdims") == 0) shape = shape.Where((_, i) => i != axis).ToArray();
        return [new Tensor(DataType.Int64, shape, idx)];
    }

    private readonly struct ArgFunc(int outer, int dim, int inner, bool max, bool last) : INumericFunc<long[]>
    {
        public long[] Invoke<T>(T[] src) where T : unmanaged, INumber<T>
        {
            var r = new long[outer * inner];
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int baseOff = o * dim * inner + i;
                    T best = src[baseOff];
                    int bi = 0;
                    for (int j = 1; j < dim; j++)
                    {
                        T v = src[baseOff + j * inner];
                        // NaN wins (first NaN, or last with select_last_index), as numpy's argmax/argmin.
                        if (T.IsNaN(best) && !(last && T.IsNaN(v))) continue;
                        bool better = T.IsNaN(v) || (max ? v > best : v < best) || (last && v == best);
                        if (better)
                        {
                            best = v;
                            bi = j;
                        }
                    }
                    r[o * inner + i] = bi;
                }
            }
            return r;
        }
    }

    public static Tensor?[] TopK(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var kT = KernelArgs.Input(ctx, inputs, 1);
        if (kT.Length != 1) throw ctx.Fail("K must be a single value");
        if (x.Rank == 0) throw ctx.Fail("input must have rank >= 1");
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), x.Rank);
        int dim = x.Shape[axis];
        long k = KernelArgs.Ints(ctx, kT, "K")[0];
        if (k < 0 || k > dim) throw ctx.Fail($"K {k} is outside [0, {dim}]");
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= x.Shape[d];
        for (int d = axis + 1; d < x.Rank; d++) inner *= x.Shape[d];
        var f = new TopKFunc(outer, dim, inner, (int)k, ctx.Attributes.GetInt("largest") != 0);
        var (values, indices) = ElementDispatch.RunNumeric<(Array, long[]), TopKFunc>(x, f, ctx.NodeName);
        var shape = (int[])x.Shape.Clone();
        shape[axis] = (int)k;
        return [ElementDispatch.Wrap(x.Type, shape, values), new Tensor(DataType.Int64, (int[])shape.Clone(), indices)];
    }

    /// <summary>Sorted output always; equal values keep ascending index order (a stable selection).</summary>
    private readonly struct TopKFunc(int outer, int dim, int inner, int k, bool largest) : INumericFunc<(Array, long[])>
    {
        public (Array, long[]) Invoke<T>(T[] src) where T : unmanaged, INumber<T>
        {
            var vals = new T[outer * k * inner];
            var idx = new long[vals.Length];
            var order = new int[dim];
            var slice = new T[dim];
            bool lg = largest;
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int baseOff = o * dim * inner + i;
                    for (int j = 0; j < dim; j++)
                    {
                        slice[j] = src[baseOff + j * inner];
                        order[j] = j;
                    }
                    var s = slice;
                    // NaN ranks above every number (largest) or below (smallest), like numpy's sort order.
                    Array.Sort(order, (a, b) =>
                    {
                        int c = Compare(s[a], s[b]);
                        if (lg) c = -c;
                        return c != 0 ? c : a.CompareTo(b);
                    });
                    for (int j = 0; j < k; j++)
                    {
                        int p = (o * k + j) * inner + i;
                        vals[p] = slice[order[j]];
                        idx[p] = order[j];
                    }
                }
            }
            return (vals, idx);
        }

        private static int Compare<T>(T a, T b) where T : INumber<T>
        {
            bool na = T.IsNaN(a), nb = T.IsNaN(b);
            if (na || nb) return na == nb ? 0 : na ? 1 : -1;
            return a < b ? -1 : a > b ? 1 : 0;
        }
    }

    public static Tensor?[] NonZero(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        if (x.Type == DataType.String) throw ctx.Fail("string tensors are not supported");
        var v = x.ToDoubleArray();
        var hits = new List<int>();
        for (int i = 0; i < v.Length; i++) if (v[i] != 0) hits.Add(i);
        int rank = x.Rank;
        var r = new long[rank * hits.Count];
        var strides = Tensor.StridesOf(x.Shape);
        for (int h = 0; h < hits.Count; h++)
        {
            int rem = hits[h];
            for (int d = 0; d < rank; d++)
            {
                r[d * hits.Count + h] = rem / strides[d];
                rem %= strides[d];
            }
        }
        return [new Tensor(DataType.Int64, [rank, hits.Count], r)];
    }
}
