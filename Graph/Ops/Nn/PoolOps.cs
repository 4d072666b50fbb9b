using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>MaxPool, AveragePool, LpPool, their Global forms, and MaxUnpool.</summary>
public sealed class PoolOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        // Older versions only lack attributes whose defaults reproduce their behaviour
        // (ceil_mode, dilations, storage_order, count_include_pad), so no upgrade rules are needed.
        r.Add("MaxPool").Since(22).In("X").Out("Y", "Indices?")
            .Attr("auto_pad", "NOTSET")
            .Attr("ceil_mode", 0L)
            .OptionalAttr("dilations", AttrType.Ints)
            .RequiredAttr("kernel_shape", AttrType.Ints)
            .OptionalAttr("pads", AttrType.Ints)
            .Attr("storage_order", 0L)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(ctx => WindowInference.Pool(ctx, ctx.Attributes.GetInt("ceil_mode") != 0, 2))
            .WithKernel(PoolKernels.MaxPool)
            .Fuses(FusionKind.OutEWiseFusable)
            .Gradient(PoolGradients.Max);

        r.Add("AveragePool").Since(22).In("X").Out("Y")
            .Attr("auto_pad", "NOTSET")
            .Attr("ceil_mode", 0L)
            .Attr("count_include_pad", 0L)
            .OptionalAttr("dilations", AttrType.Ints)
            .RequiredAttr("kernel_shape", AttrType.Ints)
            .OptionalAttr("pads", AttrType.Ints)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(ctx => WindowInference.Pool(ctx, ctx.Attributes.GetInt("ceil_mode") != 0))
            .WithKernel(PoolKernels.AveragePool)
            .Fuses(FusionKind.OutEWiseFusable)
            .Gradient(PoolGradients.Average);

        r.Add("LpPool").Since(22).In("X").Out("Y")
            .Attr("auto_pad", "NOTSET")
            .Attr("ceil_mode", 0L)
            .OptionalAttr("dilations", AttrType.Ints)
            .RequiredAttr("kernel_shape", AttrType.Ints)
            .Attr("p", 2L)
            .OptionalAttr("pads", AttrType.Ints)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(ctx => WindowInference.Pool(ctx, ctx.Attributes.GetInt("ceil_mode") != 0))
            .WithKernel(PoolKernels.LpPool)
            .Fuses(FusionKind.OutEWiseFusable);

        r.Add("GlobalAveragePool").Since(22).In("X").Out("Y")
            .Infer(InferGlobal)
            .WithKernel(GlobalPoolKernels.GlobalAveragePool)
            .Fuses(FusionKind.CommReduce)
            .Gradient(PoolGradients.GlobalAverage);

        r.Add("GlobalMaxPool").Since(22).In("X").Out("Y")
            .Infer(InferGlobal)
            .WithKernel(GlobalPoolKernels.GlobalMaxPool)
            .Fuses(FusionKind.CommReduce)
            .Gradient(PoolGradients.GlobalMax);

        r.Add("GlobalLpPool").Since(22).In("X").Out("Y")
            .Attr("p", 2L)
            .Infer(InferGlobal)
            .WithKernel(GlobalPoolKernels.GlobalLpPool)
            .Fuses(FusionKind.CommReduce);

        r.Add("MaxUnpool").Since(22).In("X", "I", "output_shape?").Out("output")
            .RequiredAttr("kernel_shape", AttrType.Ints)
            .OptionalAttr("pads", AttrType.Ints)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(InferMaxUnpool)
            .WithKernel(GlobalPoolKernels.MaxUnpool)
            .Fuses(FusionKind.Opaque);
    }

    /// <summary>[N, C, 1, 1, ...].</summary>
    private static void InferGlobal(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is { } d && d.Length < 2) throw ctx.Fail($"X must have rank >= 2, got {x.ShapeText}");
        ctx.SetOutput(0, x.Elem, x.Dims?.Select((dim, i) => i < 2 ? dim : Dim.Of(1)).ToArray());
    }

    private static void InferMaxUnpool(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (ctx.HasInput(2))
        {
            var shape = ctx.ConstantInput(2);
            int rank = ctx.Input(2)?.Dims is [{ IsKnown: true } len] ? (int)len.Value : x.Rank;
            ctx.SetOutput(0, x.Elem, shape is not null ? Shapes.Of(shape.ToInt64Array()) : rank >= 0 ? Shapes.UnknownOfRank(rank) : null);
            return;
        }
        if (x.Dims is not { } xd)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        if (xd.Length < 3) throw ctx.Fail($"X must have rank >= 3, got {x.ShapeText}");
        var input = xd.Select(d => d.IsKnown && d.Value <= int.MaxValue ? (int)d.Value : -1).ToArray();
        var o = GlobalPoolKernels.DefaultOutputShape(input, ctx.Attributes, ctx.Fail);
        ctx.SetOutput(0, x.Elem, o.Select((v, i) => i < 2 ? xd[i] : v < 0 ? Dim.Unknown : Dim.Of(v)).ToArray());
    }
}
