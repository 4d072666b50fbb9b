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
            })
            .NotDifferentiable(1, 2, 3, 4)
            .Gradient(SliceGradient);

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
            })
            .NotDifferentiable(1, 3)
            .Gradient(PadGradient);

        r.Add("CenterCropPad").Since(18).In("input_data", "shape").Out("output_data")
            .OptionalAttr("axes", AttrType.Ints)
            .Infer(InferCenterCropPad)
            .WithKernel(SliceKernels.CenterCropPad)
            .Fuses(FusionKind.Injective)
            .NotDifferentiable(1)
            // Cropping and padding about the centre use the same offset, (larger − smaller) / 2, so the
            // same op back to the input's shape undoes the move (cropped elements get zeros).
            .Gradient(g =>
            {
                var axes = g.Attributes.GetIntsOrNull("axes");
                Value shape = g.ShapeOf(g.X(0));
                if (axes is not null)
                {
                    int rank = g.X(0).Type.Rank;
                    var idx = axes.Select(a => a < 0 ? a + rank : a).ToArray();
                    shape = g.Op("Gather", [shape, g.Ints(idx)], ("axis", 0L));
                }
                var attrs = axes is null ? Array.Empty<(string, object)>() : [("axes", (object)axes)];
                g.SetGrad(0, g.Op("CenterCropPad", [g.dY(0), shape], attrs));
            });
    }

    /// <summary>
    /// dY put back where the slice came from: zero padding on unit-step axes, a scatter on strided or
    /// reversed ones. Needs constant starts/ends/axes/steps and known extents on the sliced axes.
    /// </summary>
    private static void SliceGradient(GradientContext g)
    {
        var x = g.X(0);
        if (!x.Type.HasRank) throw g.Fail("input rank must be known to differentiate Slice");
        int rank = x.Type.Rank;
        var starts = AxisGradients.ConstInts(g, 1, "starts");
        var ends = AxisGradients.ConstInts(g, 2, "ends");
        var axes = g.HasX(3) ? AxisGradients.ConstInts(g, 3, "axes") : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = g.HasX(4) ? AxisGradients.ConstInts(g, 4, "steps") : Enumerable.Repeat(1L, starts.Length).ToArray();
        var pads = new long[2 * rank];
        var cur = g.dY(0)!;
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = AxisGradients.Axis(g, axes[i], rank);
            long dim = AxisGradients.KnownDim(g, x, axis);
            var (first, count) = AxisGradients.SliceRange(starts[i], ends[i], steps[i], dim);
            if (steps[i] == 1)
            {
                pads[axis] = first;
                pads[axis + rank] = dim - first - count;
            }
            else
            {
                var positions = Enumerable.Range(0, (int)count).Select(j => first + steps[i] * j).ToArray();
                cur = AxisGradients.ScatterAlong(g, cur, axis, dim, positions, add: false);
            }
        }
        g.SetGrad(0, pads.Any(p => p != 0) ? g.Op("Pad", cur, g.Ints(pads)) : cur);
    }

    /// <summary>
    /// Constant mode: the interior of dY (cropped axes get zeros back); the fill value gets the sum over the
    /// padding. Edge/reflect/wrap: every output element copies an input element, so each padded axis is a
    /// scatter-add of dY onto its source indices.
    /// </summary>
    private static void PadGradient(GradientContext g)
    {
        var x = g.X(0);
        if (!x.Type.HasRank) throw g.Fail("input rank must be known to differentiate Pad");
        int rank = x.Type.Rank;
        var raw = AxisGradients.ConstInts(g, 1, "pads");
        var axes = g.HasX(3) ? AxisGradients.ConstInts(g, 3, "axes").Select(a => (long)AxisGradients.Axis(g, a, rank)).ToArray()
            : Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        if (raw.Length != 2 * axes.Length) throw g.Fail($"pads has {raw.Length} entries for {axes.Length} axes");
        var begin = new long[rank];
        var end = new long[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = raw[i];
            end[axes[i]] = raw[i + axes.Length];
        }
        var dy = g.dY(0)!;
        var mode = g.Attributes.GetString("mode");
        if (mode == "constant")
        {
            var crop = Enumerable.Range(0, rank).Where(a => begin[a] > 0 || end[a] > 0).ToArray();
            var inner = crop.Length == 0 ? dy : g.Op("Slice", dy,
                g.Ints(crop.Select(a => Math.Max(begin[a], 0)).ToArray()),
                g.Ints(crop.Select(a => end[a] > 0 ? -end[a] : long.MaxValue).ToArray()),
                g.Ints(crop.Select(a => (long)a).ToArray()));
            if (g.NeedsGrad(0))
            {
                var regrow = Enumerable.Range(0, rank).Select(a => Math.Max(-begin[a], 0)).Concat(Enumerable.Range(0, rank).Select(a => Math.Max(-end[a], 0))).ToArray();
                g.SetGrad(0, regrow.Any(p => p != 0) ? g.Op("Pad", inner, g.Ints(regrow)) : inner);
            }
            if (g.NeedsGrad(2))
            {
                var total = g.Op("Sub", g.Op("ReduceSum", [dy], ("keepdims", 0L)), g.Op("ReduceSum", [inner], ("keepdims", 0L)));
                g.SetGrad(2, g.Op("Reshape", total, g.ShapeOf(g.X(2))));
            }
            return;
        }
        var cur = dy;
        for (int a = 0; a < rank; a++)
        {
            if (begin[a] == 0 && end[a] == 0) continue;
            long dim = AxisGradients.KnownDim(g, x, a);
            long outDim = dim + begin[a] + end[a];
            var sources = new long[outDim];
            for (long j = 0; j < outDim; j++) sources[j] = PadSource(j - begin[a], dim, mode) ?? throw g.Fail($"unsupported mode '{mode}'");
            cur = AxisGradients.ScatterAlong(g, cur, a, dim, sources, add: true);
        }
        if (g.NeedsGrad(2)) g.SetGrad(2, g.ZerosLike(g.X(2)));
        g.SetGrad(0, cur);
    }

    /// <summary>The input index an output position p (relative to the input's start) copies in a non-constant mode.</summary>
    private static long? PadSource(long p, long dim, string mode)
    {
        switch (mode)
        {
            case "edge":
                return Math.Clamp(p, 0, dim - 1);
            case "wrap":
                return ((p % dim) + dim) % dim;
            case "reflect":
                if (dim == 1) return 0;
                long period = 2 * (dim - 1);
                p = ((p % period) + period) % period;
                return p < dim ? p : period - p;
            default:
                return null;
        }
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
