using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// Ops of our own domain for the blocked channel layout NCHW{c}c: activations are 5-D tensors
/// [N, C/c, H, W, c] (channel = block·c + lane) and weights are 6-D [M/c, C/c, kH, kW, c_in, c_out].
/// Elementwise ops need no op of their own (they commute with the layout change and run on the
/// 5-D tensor as they are); the conversions at the boundaries are standard Reshape+Transpose.
/// </summary>
public sealed class BlockedLayoutOps : IOpLibrary
{
    public const string Domain = "ai.engine";

    public void Register(OpRegistry r)
    {
        // A 2-D, group-1 Conv on blocked activations and blocked weights; B stays [M].
        r.Add(Domain, "ConvNCHWc").Since(1).In("X", "W", "B?").Out("Y")
            .RequiredAttr("block", AttrType.Int)
            .Attr("auto_pad", "NOTSET")
            .OptionalAttr("dilations", AttrType.Ints)
            .Attr("group", 1L)
            .OptionalAttr("kernel_shape", AttrType.Ints)
            .OptionalAttr("pads", AttrType.Ints)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(InferConvNchwc)
            .WithKernel(ConvNchwc)
            .Fuses(FusionKind.OutEWiseFusable);
    }

    private static void InferConvNchwc(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var w = ctx.Required(1);
        long c = ctx.Attributes.GetInt("block");
        if (c < 1) throw ctx.Fail($"block must be positive, got {c}");
        if (ctx.Attributes.GetInt("group") != 1) throw ctx.Fail("only group = 1 is supported");
        if (x.Dims is not { } xd || w.Dims is not { } wd)
        {
            ctx.SetOutput(0, x.Elem, Shapes.UnknownOfRank(5));
            return;
        }
        if (xd.Length != 5 || wd.Length != 6) throw ctx.Fail($"X must be rank 5 and W rank 6, got {x.ShapeText} and {w.ShapeText}");
        if (xd[4].IsKnown && xd[4].Value != c) throw ctx.Fail($"X's last dim {xd[4]} must equal block {c}");
        if (xd[1].IsKnown && wd[1].IsKnown && xd[1].Value != wd[1].Value) throw ctx.Fail($"X {x.ShapeText} and W {w.ShapeText} disagree on input channel blocks");
        var kernel = ctx.Attributes.GetIntsOrNull("kernel_shape") is { Length: > 0 } ks ? ks
            : wd[2].IsKnown && wd[3].IsKnown ? [wd[2].Value, wd[3].Value] : null;
        var spatial = WindowInference.Spatial(ctx, [xd[2], xd[3]], kernel, false);
        ctx.SetOutput(0, x.Elem, [xd[0], wd[0], spatial[0], spatial[1], c]);
    }

    /// <summary>Correctness first: unblock to NCHW/OIHW, run the reference Conv, block the result.</summary>
    private static Tensor?[] ConvNchwc(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("X is required");
        var w = inputs[1] ?? throw ctx.Fail("W is required");
        int c = checked((int)ctx.Attributes.GetInt("block"));
        if (x.Rank != 5 || w.Rank != 6 || x.Shape[4] != c || w.Shape[4] != c || w.Shape[5] != c || x.Shape[1] != w.Shape[1])
            throw ctx.Fail($"expected X [N,C/{c},H,W,{c}] and W [M/{c},C/{c},kH,kW,{c},{c}], got {Tensor.ShapeString(x.Shape)} and {Tensor.ShapeString(w.Shape)}");
        var y = ConvKernels.Conv(ctx, [BlockedLayout.ToNchw(x), BlockedLayout.WeightsToOihw(w), inputs.Length > 2 ? inputs[2] : null])[0]!;
        return [BlockedLayout.ToBlocked(y, c)];
    }
}
