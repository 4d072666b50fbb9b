namespace Engine.Runtime.Kernels;

/// <summary>Ops that only relabel the shape (storage is shared; tensors are immutable) and ops that report it.</summary>
public static class ReshapeKernels
{
    public static Tensor?[] Reshape(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var shape = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "shape");
        bool allowZero = ctx.Attributes.GetInt("allowzero") != 0;
        return [x.Reshape(ReshapeTarget(ctx, x.Shape, shape, allowZero))];
    }

    /// <summary>Resolves Reshape's 0 (copy input dim unless allowzero) and -1 (inferred) entries.</summary>
    public static int[] ReshapeTarget(KernelContext ctx, int[] inShape, long[] shape, bool allowZero)
    {
        var r = new int[shape.Length];
        int inferred = -1;
        long known = 1;
        bool hasZero = false;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = shape[i];
            if (d == -1)
            {
                if (inferred >= 0) throw ctx.Fail("shape has more than one -1");
                inferred = i;
                continue;
            }
            if (d < -1) throw ctx.Fail($"shape entry {d} is invalid");
            if (d == 0 && !allowZero)
            {
                if (i >= inShape.Length) throw ctx.Fail($"shape entry {i} is 0 but the input has rank {inShape.Length}");
                d = inShape[i];
            }
            if (d == 0) hasZero = true;
            r[i] = KernelArgs.Dim(ctx, d, "shape entry");
            known *= r[i];
            if (known > Tensor.MaxElements) throw ctx.Fail($"shape {string.Join(",", shape)} is too large");
        }
        long total = Tensor.ElementCount(inShape);
        if (inferred >= 0)
        {
            if (allowZero && hasZero) throw ctx.Fail("shape cannot hold both 0 and -1 when allowzero=1");
            if (known == 0 || total % known != 0)
                throw ctx.Fail($"cannot reshape {Tensor.ShapeString(inShape)} to [{string.Join(",", shape)}]");
            r[inferred] = (int)(total / known);
        }
        else if (known != total)
        {
            throw ctx.Fail($"cannot reshape {Tensor.ShapeString(inShape)} ({total} elements) to {Tensor.ShapeString(r)}");
        }
        return r;
    }

    public static Tensor?[] Flatten(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        long axis = ctx.Attributes.GetInt("axis");
        int rank = x.Rank;
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a > rank) throw ctx.Fail($"axis {axis} is out of range for rank {rank}");
        long outer = 1;
        for (int i = 0; i < a; i++) outer *= x.Shape[i];
        long inner = 1;
        for (int i = (int)a; i < rank; i++) inner *= x.Shape[i];
        return [x.Reshape((int)outer, (int)inner)];
    }

    public static Tensor?[] Squeeze(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var axesT = KernelArgs.Optional(inputs, 1);
        var drop = new bool[x.Rank];
        // An empty axes tensor means "not given" (some exporters write one), as in ONNX Runtime.
        if (axesT is null || axesT.Length == 0)
        {
            for (int i = 0; i < x.Rank; i++) drop[i] = x.Shape[i] == 1;
        }
        else
        {
            foreach (int a in KernelArgs.Axes(ctx, KernelArgs.Ints(ctx, axesT, "axes"), x.Rank))
            {
                if (x.Shape[a] != 1) throw ctx.Fail($"cannot squeeze axis {a} of size {x.Shape[a]}");
                drop[a] = true;
            }
        }
        return [x.Reshape(x.Shape.Where((_, i) => !drop[i]).ToArray())];
    }

    public static Tensor?[] Unsqueeze(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var axes = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "axes");
        int outRank = x.Rank + axes.Length;
        var insert = new bool[outRank];
        foreach (int a in KernelArgs.Axes(ctx, axes, outRank)) insert[a] = true;
        var shape = new int[outRank];
        int j = 0;
        for (int i = 0; i < outRank; i++) shape[i] = insert[i] ? 1 : x.Shape[j++];
        return [x.Reshape(shape)];
    }

    /// <summary>The [start, end) window of Shape-15+, clamped like Python slicing without steps.</summary>
    public static (int Start, int End) ShapeWindow(long start, long end, int rank)
    {
        static int Clamp(long v, int rank) => (int)Math.Clamp(v < 0 ? v + rank : v, 0, rank);
        int s = Clamp(start, rank);
        int e = Clamp(end, rank);
        return (s, Math.Max(s, e));
    }

    public static Tensor?[] Shape(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var (s, e) = ShapeWindow(ctx.Attributes.GetInt("start"), ctx.Attributes.GetInt("end", long.MaxValue), x.Rank);
        var dims = new long[e - s];
        for (int i = s; i < e; i++) dims[i - s] = x.Shape[i];
        return [Tensor.FromArray(dims, dims.Length)];
    }

    public static Tensor?[] Size(KernelContext ctx, Tensor?[] inputs) =>
        [Tensor.Scalar((long)KernelArgs.Input(ctx, inputs, 0).Length)];
}
