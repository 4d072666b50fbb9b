namespace Engine.Runtime.Kernels;

/// <summary>
/// The sliding-window arithmetic shared by Conv, the pools and their shape inference: per spatial
/// dim the kernel size, stride, dilation, resolved begin/end padding and output size. One place
/// for ONNX's auto_pad / ceil_mode rules, so kernels and inference can never disagree.
/// </summary>
public sealed class WindowGeometry
{
    public int Rank => Input.Length;

    public int[] Input { get; private init; } = [];

    public int[] Kernel { get; private init; } = [];

    public int[] Strides { get; private init; } = [];

    public int[] Dilations { get; private init; } = [];

    public int[] PadBegin { get; private init; } = [];

    public int[] PadEnd { get; private init; } = [];

    public int[] Output { get; private init; } = [];

    /// <summary>Extent of the dilated kernel along dim i.</summary>
    public int Span(int i) => (Kernel[i] - 1) * Dilations[i] + 1;

    public long OutputSize => Output.Aggregate(1L, (a, b) => a * b);

    public long KernelSize => Kernel.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// Resolves the window of a Conv/pool node. Input dims may be -1 (unknown, for inference): the
    /// matching output dim is then -1 too. <paramref name="fail"/> builds the error for bad attributes.
    /// </summary>
    public static WindowGeometry Resolve(int[] input, int[] kernel, AttributeMap a, bool ceilMode, Func<string, Exception> fail)
    {
        int r = input.Length;
        if (kernel.Length != r) throw fail($"kernel_shape has {kernel.Length} dims but the input has {r} spatial dims");
        var strides = Ints(a.GetIntsOrNull("strides"), r, 1, "strides", fail);
        var dil = Ints(a.GetIntsOrNull("dilations"), r, 1, "dilations", fail);
        var pads = a.GetIntsOrNull("pads");
        string autoPad = a.GetString("auto_pad", "NOTSET");
        var pb = new int[r];
        var pe = new int[r];
        var outDims = new int[r];
        for (int i = 0; i < r; i++)
        {
            if (kernel[i] < 1) throw fail($"kernel dim {i} is {kernel[i]}, must be >= 1");
            if (strides[i] < 1) throw fail($"stride {i} is {strides[i]}, must be >= 1");
            if (dil[i] < 1) throw fail($"dilation {i} is {dil[i]}, must be >= 1");
        }
        if (pads is not null && autoPad is "NOTSET")
        {
            if (pads.Length != 2 * r) throw fail($"pads has {pads.Length} values, expected {2 * r}");
            for (int i = 0; i < r; i++)
            {
                pb[i] = Checked(pads[i], "pads", fail);
                pe[i] = Checked(pads[i + r], "pads", fail);
                if (pb[i] < 0 || pe[i] < 0) throw fail("pads must be non-negative");
            }
        }
        for (int i = 0; i < r; i++)
        {
            long span = (long)(kernel[i] - 1) * dil[i] + 1;
            if (input[i] < 0)
            {
                outDims[i] = -1;
                continue;
            }
            switch (autoPad)
            {
                case "NOTSET":
                    {
                        long avail = input[i] + (long)pb[i] + pe[i] - span;
                        if (avail < 0) throw fail($"kernel extent {span} exceeds padded input {input[i] + pb[i] + pe[i]} on spatial dim {i}");
                        long o = ceilMode ? (avail + strides[i] - 1) / strides[i] + 1 : avail / strides[i] + 1;
                        // ceil_mode must not create a window that starts in the end padding.
                        if (ceilMode && (o - 1) * strides[i] >= input[i] + (long)pb[i]) o--;
                        if (o > int.MaxValue) throw fail($"output dim {i} of {o} is too large");
                        outDims[i] = (int)o;
                        break;
                    }
                case "VALID":
                    {
                        long avail = input[i] - span;
                        if (avail < 0) throw fail($"kernel extent {span} exceeds input {input[i]} on spatial dim {i}");
                        outDims[i] = (int)((ceilMode ? avail + strides[i] - 1 : avail) / strides[i] + 1);
                        break;
                    }
                case "SAME_UPPER":
                case "SAME_LOWER":
                    {
                        long o = (input[i] + (long)strides[i] - 1) / strides[i];
                        long total = Math.Max(0, (o - 1) * strides[i] + span - input[i]);
                        long small = total / 2;
                        pb[i] = (int)(autoPad == "SAME_UPPER" ? small : total - small);
                        pe[i] = (int)(total - pb[i]);
                        outDims[i] = (int)o;
                        break;
                    }
                default:
                    throw fail($"unknown auto_pad '{autoPad}'");
            }
        }
        return new WindowGeometry
        {
            Input = input,
            Kernel = kernel,
            Strides = strides,
            Dilations = dil,
            PadBegin = pb,
            PadEnd = pe,
            Output = outDims,
        };
    }

    /// <summary>An ints attribute of length <paramref name="r"/>, or all <paramref name="fallback"/> when absent.</summary>
    public static int[] Ints(long[]? v, int r, int fallback, string name, Func<string, Exception> fail)
    {
        if (v is null || v.Length == 0) return Enumerable.Repeat(fallback, r).ToArray();
        if (v.Length != r) throw fail($"{name} has {v.Length} values, expected {r}");
        return v.Select(x => Checked(x, name, fail)).ToArray();
    }

    private static int Checked(long v, string name, Func<string, Exception> fail) =>
        v is >= int.MinValue / 4 and <= int.MaxValue / 4 ? (int)v : throw fail($"{name} value {v} is out of range");
}
