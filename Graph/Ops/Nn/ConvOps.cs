using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Conv, ConvTranspose and DeformConv.</summary>
public sealed class ConvOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        // Conv-1 and -11 differ from -22 only in the element types allowed.
        r.Add("Conv").Since(22).In("X", "W", "B?").Out("Y")
            .Attr("auto_pad", "NOTSET")
            .OptionalAttr("dilations", AttrType.Ints)
            .Attr("group", 1L)
            .OptionalAttr("kernel_shape", AttrType.Ints)
            .OptionalAttr("pads", AttrType.Ints)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(InferConv)
            .WithKernel(ConvKernels.Conv)
            .Fuses(FusionKind.OutEWiseFusable)
            .Quantizes(0, 1, 2, _ => 0)
            .Gradient(ConvGradients.Conv);

        r.Add("ConvTranspose").Since(22).In("X", "W", "B?").Out("Y")
            .Attr("auto_pad", "NOTSET")
            .OptionalAttr("dilations", AttrType.Ints)
            .Attr("group", 1L)
            .OptionalAttr("kernel_shape", AttrType.Ints)
            .OptionalAttr("output_padding", AttrType.Ints)
            .OptionalAttr("output_shape", AttrType.Ints)
            .OptionalAttr("pads", AttrType.Ints)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(InferConvTranspose)
            .WithKernel(ConvTransposeKernels.ConvTranspose)
            .Fuses(FusionKind.OutEWiseFusable)
            .Gradient(ConvGradients.ConvTranspose);

        r.Add("DeformConv").Since(22).In("X", "W", "offset", "B?", "mask?").Out("Y")
            .OptionalAttr("dilations", AttrType.Ints)
            .Attr("group", 1L)
            .OptionalAttr("kernel_shape", AttrType.Ints)
            .Attr("offset_group", 1L)
            .OptionalAttr("pads", AttrType.Ints)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(InferConv)
            .WithKernel(DeformConvKernels.DeformConv)
            .Fuses(FusionKind.Opaque);
    }

    /// <summary>Y is [N, M, window dims] with M = W.shape[0].</summary>
    private static void InferConv(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var w = ctx.Required(1);
        if (x.Dims is not { } xd)
        {
            ctx.SetOutput(0, x.Elem, w.Dims is { } wd0 ? Shapes.UnknownOfRank(wd0.Length) : null);
            return;
        }
        if (xd.Length < 3) throw ctx.Fail($"X must have rank >= 3, got {x.ShapeText}");
        if (w.Dims is { } wd && wd.Length != xd.Length) throw ctx.Fail($"W {w.ShapeText} and X {x.ShapeText} must have the same rank");
        Dim m = w.Dims is { } wd1 ? wd1[0] : Dim.Unknown;
        ctx.SetOutput(0, x.Elem, [xd[0], m, .. WindowInference.Spatial(ctx, xd[2..], WindowInference.KernelOf(ctx, 1), false)]);
    }

    /// <summary>Y is [N, W.shape[1]·group, spatial dims from strides/pads/output_shape].</summary>
    private static void InferConvTranspose(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var w = ctx.Required(1);
        if (x.Dims is not { } xd)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        if (xd.Length < 3) throw ctx.Fail($"X must have rank >= 3, got {x.ShapeText}");
        long group = ctx.Attributes.GetInt("group");
        Dim m = w.Dims is { } wd && wd[1].IsKnown ? Dim.Of(wd[1].Value * group) : Dim.Unknown;
        var kernel = WindowInference.KernelOf(ctx, 1);
        Dim[] spatial;
        if (kernel is null || kernel.Length != xd.Length - 2) spatial = Shapes.UnknownOfRank(xd.Length - 2);
        else
        {
            var input = xd[2..].Select(d => d.IsKnown && d.Value <= int.MaxValue ? (int)d.Value : -1).ToArray();
            var k = kernel.Select(v => v is >= 1 and <= int.MaxValue ? (int)v : throw ctx.Fail($"kernel dim {v} is invalid")).ToArray();
            var g = ConvTransposeKernels.Resolve(input, k, ctx.Attributes, ctx.Fail);
            spatial = g.Output.Select(o => o < 0 ? Dim.Unknown : Dim.Of(o)).ToArray();
        }
        ctx.SetOutput(0, x.Elem, [xd[0], m, .. spatial]);
    }
}
