namespace Engine.Runtime.Kernels;

/// <summary>Windows of a tensor: Slice (a strided view), Pad and CenterCropPad (per-axis index tables).</summary>
public static class SliceKernels
{
    public static Tensor?[] Slice(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var starts = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "starts");
        var ends = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 2), "ends");
        var axesT = KernelArgs.Optional(inputs, 3);
        var stepsT = KernelArgs.Optional(inputs, 4);
        if (starts.Length != ends.Length) throw ctx.Fail($"starts has {starts.Length} entries but ends has {ends.Length}");
        var axes = axesT is null ? Enumerable.Range(0, starts.Length).ToArray() : KernelArgs.Axes(ctx, KernelArgs.Ints(ctx, axesT, "axes"), x.Rank);
        if (axes.Length != starts.Length) throw ctx.Fail($"axes has {axes.Length} entries but starts has {starts.Length}");
        var steps = stepsT is null ? Enumerable.Repeat(1L, starts.Length).ToArray() : KernelArgs.Ints(ctx, stepsT, "steps");
        if (steps.Length != starts.Length) throw ctx.Fail($"steps has {steps.Length} entries but starts has {starts.Length}");
        var inStrides = Tensor.StridesOf(x.Shape);
        var shape = (int[])x.Shape.Clone();
        var strides = (int[])inStrides.Clone();
        int offset = 0;
        for (int i = 0; i < axes.Length; i++)
        {
            int a = axes[i];
            if (a >= x.Rank) throw ctx.Fail($"axis {a} is out of range for rank {x.Rank}");
            if (steps[i] == 0) throw ctx.Fail("slice step cannot be 0");
            var (start, count) = Window(starts[i], ends[i], steps[i], x.Shape[a]);
            shape[a] = count;
            strides[a] = (int)(inStrides[a] * Math.Clamp(steps[i], -(long)int.MaxValue, int.MaxValue));
            if (count > 0) offset += start * inStrides[a];
        }
        if (shape.Contains(0)) return [Tensor.Zeros(x.Type, shape)];
        return [StridedCopy.Gather(x, offset, shape, strides)];
    }

    /// <summary>ONNX Slice clamping: returns the first index and the element count along one axis.</summary>
    public static (int Start, int Count) Window(long start, long end, long step, int dim)
    {
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            long n = end > start ? (end - start + step - 1) / step : 0;
            return ((int)start, (int)n);
        }
        start = Math.Clamp(start, 0, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        long m = start > end ? (start - end + (-step) - 1) / (-step) : 0;
        return ((int)start, (int)m);
    }

    public static Tensor?[] Pad(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var pads = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "pads");
        var value = KernelArgs.Optional(inputs, 2);
        var axesT = KernelArgs.Optional(inputs, 3);
        int rank = x.Rank;
        var axes = axesT is null ? Enumerable.Range(0, rank).ToArray() : KernelArgs.Axes(ctx, KernelArgs.Ints(ctx, axesT, "axes"), rank);
        if (pads.Length != 2 * axes.Length) throw ctx.Fail($"pads has {pads.Length} entries but {axes.Length} axes need {2 * axes.Length}");
        var begin = new long[rank];
        var end = new long[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = pads[i];
            end[axes[i]] = pads[i + axes.Length];
        }
        string mode = ctx.Attributes.GetString("mode");
        if (mode is not ("constant" or "reflect" or "edge" or "wrap")) throw ctx.Fail($"mode '{mode}' is not supported");
        var shape = new int[rank];
        var maps = new int[rank][];
        for (int d = 0; d < rank; d++) shape[d] = KernelArgs.Dim(ctx, x.Shape[d] + begin[d] + end[d], $"padded size of axis {d}");
        KernelArgs.Count(ctx, shape);
        for (int d = 0; d < rank; d++)
        {
            int n = x.Shape[d];
            if (shape[d] > 0 && n == 0 && mode != "constant" && (begin[d] > 0 || end[d] > 0))
                throw ctx.Fail($"cannot {mode}-pad axis {d} of size 0");
            maps[d] = new int[shape[d]];
            for (int o = 0; o < shape[d]; o++)
            {
                long s = o - begin[d];
                maps[d][o] = s >= 0 && s < n ? (int)s : mode switch
                {
                    "constant" => -1,
                    "edge" => s < 0 ? 0 : n - 1,
                    "wrap" => (int)(((s % n) + n) % n),
                    _ => Reflect(s, n),
                };
            }
        }
        Array fill;
        try { fill = AxisMapCopy.Scalar(x.Type, value); }
        catch (EngineException e) { throw ctx.Fail(e.Message); }
        return [AxisMapCopy.Gather(x, shape, maps, fill)];
    }

    /// <summary>numpy 'reflect': mirror about the edge elements without repeating them.</summary>
    private static int Reflect(long s, int n)
    {
        if (n == 1) return 0;
        long period = 2L * (n - 1);
        long j = ((s % period) + period) % period;
        return (int)(j >= n ? period - j : j);
    }

    public static Tensor?[] CenterCropPad(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var target = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "shape");
        int rank = x.Rank;
        var axes = ctx.Attributes.GetIntsOrNull("axes") is { } ax ? KernelArgs.Axes(ctx, ax, rank) : Enumerable.Range(0, rank).ToArray();
        if (target.Length != axes.Length) throw ctx.Fail($"shape has {target.Length} entries but there are {axes.Length} axes");
        var shape = (int[])x.Shape.Clone();
        var maps = new int[rank][];
        for (int d = 0; d < rank; d++) maps[d] = Enumerable.Range(0, shape[d]).ToArray();
        for (int i = 0; i < axes.Length; i++) shape[axes[i]] = KernelArgs.Dim(ctx, target[i], "target size");
        KernelArgs.Count(ctx, shape);
        for (int i = 0; i < axes.Length; i++)
        {
            int a = axes[i];
            int n = x.Shape[a];
            int t = shape[a];
            var map = new int[t];
            // Cropping drops floor((n-t)/2) from the front; padding adds floor((t-n)/2) in front.
            int shift = t <= n ? (n - t) / 2 : -((t - n) / 2);
            for (int o = 0; o < t; o++)
            {
                int s = o + shift;
                map[o] = s >= 0 && s < n ? s : -1;
            }
            maps[a] = map;
        }
        return [AxisMapCopy.Gather(x, shape, maps, ElementDispatch.NewArray(x.Type, 1))];
    }
}
