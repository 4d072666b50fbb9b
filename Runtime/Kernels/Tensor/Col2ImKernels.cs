using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>Col2Im: sums sliding-window columns [N, C·∏block, L] back into images [N, C, *image_shape].</summary>
public static class Col2ImKernels
{
    public static Tensor?[] Col2Im(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var image = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "image_shape");
        var block = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 2), "block_shape");
        int nd = image.Length;
        if (nd == 0 || block.Length != nd) throw ctx.Fail($"image_shape and block_shape must have the same non-zero length");
        if (x.Rank != 3) throw ctx.Fail($"input must be 3-D [N, C*prod(block), L], got {Tensor.ShapeString(x.Shape)}");
        var dil = ctx.Attributes.GetIntsOrNull("dilations") ?? Enumerable.Repeat(1L, nd).ToArray();
        var pads = ctx.Attributes.GetIntsOrNull("pads") ?? new long[2 * nd];
        var strides = ctx.Attributes.GetIntsOrNull("strides") ?? Enumerable.Repeat(1L, nd).ToArray();
        if (dil.Length != nd || strides.Length != nd || pads.Length != 2 * nd) throw ctx.Fail("dilations, strides and pads must match the image rank");
        if (dil.Any(d => d <= 0) || strides.Any(s => s <= 0) || block.Any(b => b <= 0) || image.Any(i => i <= 0))
            throw ctx.Fail("image_shape, block_shape, dilations and strides must be positive");
        long kernel = 1;
        foreach (long b in block) kernel = Math.Min(kernel * b, Tensor.MaxElements + 1L);
        if (x.Shape[1] % kernel != 0) throw ctx.Fail($"input dim 1 ({x.Shape[1]}) is not divisible by the block size {kernel}");
        var cols = new int[nd];
        long colCount = 1;
        for (int i = 0; i < nd; i++)
        {
            long c = (image[i] + pads[i] + pads[i + nd] - (dil[i] * (block[i] - 1) + 1)) / strides[i] + 1;
            if (c <= 0) throw ctx.Fail("the sliding window does not fit the padded image");
            cols[i] = (int)Math.Min(c, int.MaxValue);
            colCount *= c;
        }
        if (colCount != x.Shape[2]) throw ctx.Fail($"input dim 2 ({x.Shape[2]}) should be the number of blocks {colCount}");
        int n = x.Shape[0], c2 = (int)(x.Shape[1] / kernel);
        var shape = new[] { n, c2 }.Concat(image.Select(v => KernelArgs.Dim(ctx, v, "image dim"))).ToArray();
        KernelArgs.Count(ctx, shape);
        var geom = new Geometry(shape[2..], block.Select(b => (int)b).ToArray(), cols, dil.Select(d => (int)d).ToArray(),
            strides.Select(s => (int)s).ToArray(), pads.Take(nd).Select(p => (int)p).ToArray(), n * c2, (int)kernel);
        var data = ElementDispatch.RunNumeric<Array, Geometry>(x, geom, ctx.NodeName);
        return [ElementDispatch.Wrap(x.Type, shape, data)];
    }

    private readonly struct Geometry(int[] image, int[] block, int[] cols, int[] dil, int[] strides, int[] padBegin, int planes, int kernel)
        : INumericFunc<Array>
    {
        public Array Invoke<T>(T[] src) where T : unmanaged, INumber<T>
        {
            int nd = image.Length;
            int imSize = 1, colSize = 1;
            foreach (int v in image) imSize *= v;
            foreach (int v in cols) colSize *= v;
            var dst = new T[planes * imSize];
            var imStrides = Tensor.StridesOf(image);
            var off = new int[nd];
            var pos = new int[nd];
            for (int p = 0; p < planes; p++)
            {
                for (int kk = 0; kk < kernel; kk++)
                {
                    Unravel(kk, block, off);
                    for (int l = 0; l < colSize; l++)
                    {
                        Unravel(l, cols, pos);
                        int target = 0;
                        bool inside = true;
                        for (int d = 0; d < nd && inside; d++)
                        {
                            int ix = pos[d] * strides[d] - padBegin[d] + off[d] * dil[d];
                            inside = ix >= 0 && ix < image[d];
                            target += ix * imStrides[d];
                        }
                        if (inside) dst[p * imSize + target] += src[(p * kernel + kk) * colSize + l];
                    }
                }
            }
            return dst;
        }

        private static void Unravel(int i, int[] dims, int[] into)
        {
            for (int d = dims.Length - 1; d >= 0; d--)
            {
                into[d] = i % dims[d];
                i /= dims[d];
            }
        }
    }
}
