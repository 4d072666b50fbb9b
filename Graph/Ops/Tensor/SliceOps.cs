using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Windows: Slice, Pad, CenterCropPad.</summary>
public sealed class SliceOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Slice").Since(13).In("data", "starts", "ends", "axes?", "steps?").Out("output")
            .Infer(InferSlice)
            .WithKernel(SliceKernels.Slice)
            .Fuses(FusionKind.Injective)
            .Upgrade(10, "Slice-1's starts/ends/axes attributes become inputs 1-3", ctx =>
            {
                if (!ctx.Node.Attributes.HasExplicit("starts") || !ctx.Node.Attributes.HasExplicit("ends"))
                    throw ctx.Fail("Slice-1 needs 'starts' and 'ends' attributes");
                ctx.MoveAttributeToInput("starts", 1, DataType.Int64);
                ctx.MoveAttributeToInput("ends", 2, DataType.Int64);
                ctx.MoveAttributeToInput("axes", 3, DataType.Int64);
            });

        r.Add("Pad").Since(25).In("data", "pads", "constant_value?", "axes?").Out("output")
            .Attr("mode", "constant")
            .Infer(InferPad)
            .WithKernel(SliceKernels.Pad)
            .Fuses(FusionKind.Injective)
            .Upgrade(11, "Pad-1/2's 'pads' (or 'paddings') and 'value' attributes become inputs 1 and 2", ctx =>
            {
                var a = ctx.Node.Attributes;
                if (a.HasExplicit("paddings"))
                {
                    a.Set("pads", a.GetInts("paddings"));
                    a.Remove("paddings");
                }
                if (!a.HasExplicit("pads")) throw ctx.Fail("Pad needs a 'pads' attribute");
                ctx.MoveAttributeToInput("pads", 1, DataType.Int64);
                // The kernel converts the float fill to the data's element type.
                ctx.MoveAttributeToInput("value", 2, DataType.Float);
            });

        r.Add("CenterCropPad").Since(18).In("input_data", "shape").Out("output_data")
            .OptionalAttr("axes", AttrType.Ints)
            .Infer(InferCenterCropPad)
            .WithKernel(SliceKernels.CenterCropPad)
            .Fuses(FusionKind.Injective);
    }

    private static void InferSlice(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        var starts = TensorShapes.ConstInts(ctx, 1);
        var ends = TensorShapes.ConstInts(ctx, 2);
        var axesRaw = ctx.HasInput(3) ? TensorShapes.ConstInts(ctx, 3) : null;
        var steps = ctx.HasInput(4) ? TensorShapes.ConstInts(ctx, 4) : null;
        int count = starts?.Length ?? ends?.Length ?? TensorShapes.StaticLength(ctx.Input(1));
        int[]? axes = axesRaw is not null ? TensorShapes.Axes(ctx, axesRaw, d.Length)
            : !ctx.HasInput(3) && count >= 0 ? Enumerable.Range(0, count).ToArray() : null;
        if (axes is null)
        {
            ctx.SetOutput(0, x.Elem, Shapes.UnknownOfRank(d.Length));
            return;
        }
        if (axes.Any(a => a >= d.Length)) throw ctx.Fail($"slice axes exceed the input rank {d.Length}");
        var r = (Dim[])d.Clone();
        bool exact = starts is not null && ends is not null && (steps is not null || !ctx.HasInput(4));
        if (exact && (starts!.Length != axes.Length || ends!.Length != axes.Length || (steps is not null && steps.Length != axes.Length)))
            throw ctx.Fail("starts, ends, axes and steps must have the same length");
        for (int i = 0; i < axes.Length; i++)
        {
            if (!exact)
            {
                r[axes[i]] = Dim.Unknown;
                continue;
            }
            long step = steps?[i] ?? 1;
            if (step == 0) throw ctx.Fail("slice step cannot be 0");
            r[axes[i]] = TensorShapes.SliceDim(d[axes[i]], starts![i], ends![i], step);
        }
        ctx.SetOutput(0, x.Elem, r);
    }

    private static void InferPad(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        var pads = TensorShapes.ConstInts(ctx, 1);
        int[]? axes = ctx.HasInput(3)
            ? TensorShapes.ConstInts(ctx, 3) is { } ax ? TensorShapes.Axes(ctx, ax, d.Length) : null
            : Enumerable.Range(0, d.Length).ToArray();
        if (pads is null || axes is null)
        {
            var u = (Dim[])d.Clone();
            for (int i = 0; i < u.Length; i++) if (axes is null || axes.Contains(i)) u[i] = Dim.Unknown;
            ctx.SetOutput(0, x.Elem, u);
            return;
        }
        if (pads.Length != 2 * axes.Length) throw ctx.Fail($"pads has {pads.Length} entries but {axes.Length} axes need {2 * axes.Length}");
        var r = (Dim[])d.Clone();
        for (int i = 0; i < axes.Length; i++)
        {
            long extra = pads[i] + pads[i + axes.Length];
            var v = d[axes[i]];
            if (v.IsKnown && v.Value + extra < 0) throw ctx.Fail($"pads shrink axis {axes[i]} below zero");
            r[axes[i]] = extra == 0 ? v : v.IsKnown ? v.Value + extra : Dim.Unknown;
        }
        ctx.SetOutput(0, x.Elem, r);
    }

    private static void InferCenterCropPad(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        var axes = ctx.Attributes.GetIntsOrNull("axes") is { } ax ? TensorShapes.Axes(ctx, ax, d.Length) : Enumerable.Range(0, d.Length).ToArray();
        var shape = TensorShapes.ConstInts(ctx, 1);
        if (shape is not null && shape.Length != axes.Length) throw ctx.Fail($"shape has {shape.Length} entries but there are {axes.Length} axes");
        var r = (Dim[])d.Clone();
        for (int i = 0; i < axes.Length; i++) r[axes[i]] = shape is null ? Dim.Unknown : shape[i];
        ctx.SetOutput(0, x.Elem, r);
    }
}
