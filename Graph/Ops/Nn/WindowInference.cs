using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Shape inference for sliding-window ops, delegating the arithmetic to <see cref="WindowGeometry"/>.</summary>
internal static class WindowInference
{
    /// <summary>
    /// Output spatial dims of a window over <paramref name="spatial"/> (input dims after N, C).
    /// Unknown or symbolic input dims give unknown output dims; an unknown kernel gives all unknown.
    /// </summary>
    public static Dim[] Spatial(InferenceContext ctx, Dim[] spatial, long[]? kernel, bool ceilMode)
    {
        if (kernel is null || kernel.Length != spatial.Length) return Shapes.UnknownOfRank(spatial.Length);
        var input = spatial.Select(d => d.IsKnown && d.Value <= int.MaxValue ? (int)d.Value : -1).ToArray();
        var k = kernel.Select(v => v is >= 1 and <= int.MaxValue ? (int)v : throw ctx.Fail($"kernel dim {v} is invalid")).ToArray();
        var g = WindowGeometry.Resolve(input, k, ctx.Attributes, ceilMode, ctx.Fail);
        return g.Output.Select(o => o < 0 ? Dim.Unknown : Dim.Of(o)).ToArray();
    }

    /// <summary>The kernel: the kernel_shape attribute, else W's spatial dims when all known.</summary>
    public static long[]? KernelOf(InferenceContext ctx, int weightInput)
    {
        if (ctx.Attributes.GetIntsOrNull("kernel_shape") is { Length: > 0 } ks) return ks;
        var w = ctx.Input(weightInput)?.Dims;
        if (w is null || w.Length < 3 || w.Skip(2).Any(d => !d.IsKnown)) return null;
        return w.Skip(2).Select(d => d.Value).ToArray();
    }

    /// <summary>[N, channels, window dims...] for a pool-like op with a kernel_shape attribute.</summary>
    public static void Pool(InferenceContext ctx, bool ceilMode, int outputs = 1)
    {
        var x = ctx.Required(0);
        Dim[]? dims = null;
        if (x.Dims is { } xd)
        {
            if (xd.Length < 3) throw ctx.Fail($"input must have rank >= 3, got {x.ShapeText}");
            dims = [xd[0], xd[1], .. Spatial(ctx, xd[2..], ctx.Attributes.GetIntsOrNull("kernel_shape"), ceilMode)];
        }
        ctx.SetOutput(0, x.Elem, dims);
        if (outputs > 1) ctx.SetOutput(1, Runtime.DataType.Int64, dims);
    }
}
