namespace Engine.Runtime.Kernels;

/// <summary>Concat and Split: block copies along one axis.</summary>
public static class ConcatSplitKernels
{
    public static Tensor?[] Concat(KernelContext ctx, Tensor?[] inputs)
    {
        var xs = inputs.Where(t => t is not null).Select(t => t!).ToArray();
        if (xs.Length == 0) throw ctx.Fail("needs at least one input");
        var first = xs[0];
        int rank = first.Rank;
        if (rank == 0) throw ctx.Fail("cannot concatenate scalars");
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), rank);
        var shape = (int[])first.Shape.Clone();
        long total = 0;
        foreach (var t in xs)
        {
            if (t.Type != first.Type) throw ctx.Fail($"inputs mix {DataTypes.ShortName(first.Type)} and {DataTypes.ShortName(t.Type)}");
            if (t.Rank != rank) throw ctx.Fail($"inputs have ranks {rank} and {t.Rank}");
            for (int d = 0; d < rank; d++)
            {
                if (d != axis && t.Shape[d] != shape[d])
                    throw ctx.Fail($"input shapes {Tensor.ShapeString(first.Shape)} and {Tensor.ShapeString(t.Shape)} differ outside axis {axis}");
            }
            total += t.Shape[axis];
        }
        shape[axis] = KernelArgs.Dim(ctx, total, "concatenated size");
        var y = Tensor.Zeros(first.Type, shape);
        int count = KernelArgs.Count(ctx, shape);
        if (count == 0) return [y];
        int outer = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        int outRow = count / outer;
        int col = 0;
        foreach (var t in xs)
        {
            int row = outer == 0 ? 0 : t.Length / outer;
            if (row == 0) continue;
            for (int o = 0; o < outer; o++) Array.Copy(t.Data, o * row, y.Data, o * outRow + col, row);
            col += row;
        }
        return [y];
    }

    public static Tensor?[] Split(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        if (x.Rank == 0) throw ctx.Fail("cannot split a scalar");
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), x.Rank);
        int dim = x.Shape[axis];
        long numOutputs = ctx.Attributes.GetInt("num_outputs", 0);
        var sizes = SplitSizes(ctx, KernelArgs.Optional(inputs, 1), numOutputs, ctx.OutputCount, dim);
        var strides = Tensor.StridesOf(x.Shape);
        var outs = new Tensor?[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = sizes[i];
            outs[i] = StridedCopy.Gather(x, start * strides[axis], shape, strides);
            start += sizes[i];
        }
        return outs;
    }

    /// <summary>
    /// Part sizes: explicit 'split' input; else num_outputs parts of ceil(dim/n) with a smaller last
    /// part (Split-18); else as many equal parts as the node has outputs (Split-13).
    /// </summary>
    public static int[] SplitSizes(KernelContext ctx, Tensor? split, long numOutputs, int outputCount, int dim)
    {
        if (split is not null)
        {
            var s = KernelArgs.Ints(ctx, split, "split");
            if (s.Length != outputCount) throw ctx.Fail($"split has {s.Length} entries but the node has {outputCount} outputs");
            if (s.Any(v => v < 0) || s.Sum() != dim) throw ctx.Fail($"split [{string.Join(",", s)}] does not add up to the axis size {dim}");
            return s.Select(v => (int)v).ToArray();
        }
        int n = numOutputs > 0 ? (int)Math.Min(numOutputs, int.MaxValue) : outputCount;
        if (n <= 0) throw ctx.Fail("number of outputs must be positive");
        if (numOutputs > 0 && numOutputs != outputCount) throw ctx.Fail($"num_outputs is {numOutputs} but the node has {outputCount} outputs");
        if (numOutputs <= 0 && dim % n != 0) throw ctx.Fail($"axis size {dim} cannot be split into {n} equal parts");
        int chunk = (dim + n - 1) / n;
        var sizes = new int[n];
        int left = dim;
        for (int i = 0; i < n; i++)
        {
            sizes[i] = Math.Min(chunk, left);
            left -= sizes[i];
        }
        return sizes;
    }
}
