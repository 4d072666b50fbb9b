namespace Engine.Runtime.Kernels;

/// <summary>Repetition as strided views with zero strides: Expand and Tile.</summary>
public static class ExpandKernels
{
    public static Tensor?[] Expand(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var target = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "shape");
        var shape = target.Select(d => KernelArgs.Dim(ctx, d, "shape entry")).ToArray();
        var outShape = Broadcasting.Shape(ctx.NodeName, x.Shape, shape);
        KernelArgs.Count(ctx, outShape);
        return [StridedCopy.Gather(x, 0, outShape, Broadcasting.Strides(x.Shape, outShape))];
    }

    public static Tensor?[] Tile(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var repeats = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "repeats");
        int rank = x.Rank;
        if (repeats.Length != rank) throw ctx.Fail($"repeats has {repeats.Length} entries but the input has rank {rank}");
        // Output [r0·d0, r1·d1, …] is the view [r0, d0, r1, d1, …] with stride 0 on every r.
        var outShape = new int[rank];
        var viewShape = new int[2 * rank];
        var viewStrides = new int[2 * rank];
        var strides = Tensor.StridesOf(x.Shape);
        for (int d = 0; d < rank; d++)
        {
            int r = KernelArgs.Dim(ctx, repeats[d], "repeat count");
            outShape[d] = KernelArgs.Dim(ctx, (long)r * x.Shape[d], "tiled size");
            viewShape[2 * d] = r;
            viewShape[2 * d + 1] = x.Shape[d];
            viewStrides[2 * d + 1] = strides[d];
        }
        KernelArgs.Count(ctx, outShape);
        return [StridedCopy.Gather(x, 0, viewShape, viewStrides).Reshape(outShape)];
    }
}
