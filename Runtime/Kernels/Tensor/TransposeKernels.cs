namespace Engine.Runtime.Kernels;

/// <summary>Axis permutations: Transpose and the depth/space rearrangements (a reshape-transpose-reshape each).</summary>
public static class TransposeKernels
{
    public static Tensor?[] Transpose(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var perm = Permutation(ctx, ctx.Attributes.GetIntsOrNull("perm"), x.Rank);
        var inStrides = Tensor.StridesOf(x.Shape);
        var shape = new int[x.Rank];
        var strides = new int[x.Rank];
        for (int i = 0; i < perm.Length; i++)
        {
            shape[i] = x.Shape[perm[i]];
            strides[i] = inStrides[perm[i]];
        }
        return [StridedCopy.Gather(x, 0, shape, strides)];
    }

    /// <summary>The permutation (default: reversed axes), validated to be one.</summary>
    public static int[] Permutation(KernelContext ctx, long[]? perm, int rank)
    {
        if (perm is null) return Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank) throw ctx.Fail($"perm has {perm.Length} entries but the input has rank {rank}");
        var r = KernelArgs.Axes(ctx, perm, rank);
        return r;
    }

    public static Tensor?[] DepthToSpace(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        int b = BlockSize(ctx);
        if (x.Rank != 4) throw ctx.Fail($"input must be 4-D, got {Tensor.ShapeString(x.Shape)}");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (c % (b * b) != 0) throw ctx.Fail($"channels {c} are not divisible by blocksize² {b * b}");
        int c2 = c / (b * b);
        int hw = h * w;
        string mode = ctx.Attributes.GetString("mode");
        // View the input as [N, C', H, b1, W, b2] and copy it out: that is the output's layout.
        int sB1, sB2, sC;
        switch (mode)
        {
            case "DCR": sB1 = b * c2 * hw; sB2 = c2 * hw; sC = hw; break;
            case "CRD": sC = b * b * hw; sB1 = b * hw; sB2 = hw; break;
            default: throw ctx.Fail($"mode '{mode}' is not DCR or CRD");
        }
        var y = StridedCopy.Gather(x, 0, [n, c2, h, b, w, b], [c * hw, sC, w, sB1, 1, sB2]);
        return [y.Reshape(n, c2, h * b, w * b)];
    }

    public static Tensor?[] SpaceToDepth(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        int b = BlockSize(ctx);
        if (x.Rank != 4) throw ctx.Fail($"input must be 4-D, got {Tensor.ShapeString(x.Shape)}");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (h % b != 0 || w % b != 0) throw ctx.Fail($"spatial dims {h}x{w} are not divisible by blocksize {b}");
        int h2 = h / b, w2 = w / b;
        var y = StridedCopy.Gather(x, 0, [n, b, b, c, h2, w2], [c * h * w, w, 1, h * w, b * w, b]);
        return [y.Reshape(n, c * b * b, h2, w2)];
    }

    private static int BlockSize(KernelContext ctx)
    {
        long b = ctx.Attributes.GetInt("blocksize");
        if (b <= 0 || b > 1 << 15) throw ctx.Fail($"blocksize {b} is invalid");
        return (int)b;
    }
}
