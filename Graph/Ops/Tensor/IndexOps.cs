using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Reads and writes by index: Gather*, Scatter*, TensorScatter, Compress, OneHot.</summary>
public sealed class IndexOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Gather").Since(13).In("data", "indices").Out("output")
            .Attr("axis", 0L)
            .Infer(InferGather)
            .WithKernel(GatherKernels.Gather)
            .Fuses(FusionKind.Injective)
            .NotDifferentiable(1)
            .Gradient(GatherGradient);

        r.Add("GatherElements").Since(13).In("data", "indices").Out("output")
            .Attr("axis", 0L)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(0).Elem, ctx.Required(1).Dims))
            .WithKernel(GatherKernels.GatherElements)
            .Fuses(FusionKind.Injective)
            .NotDifferentiable(1)
            .Gradient(g => g.SetGrad(0, g.Op("ScatterElements", [g.ZerosLike(g.X(0)), g.X(1), g.dY(0)],
                ("axis", g.Attributes.GetInt("axis")), ("reduction", "add"))));

        r.Add("GatherND").Since(13).In("data", "indices").Out("output")
            .Attr("batch_dims", 0L)
            .Infer(InferGatherND)
            .WithKernel(GatherKernels.GatherND)
            .Fuses(FusionKind.Injective)
            .NotDifferentiable(1)
            .Gradient(g =>
            {
                if (g.Attributes.GetInt("batch_dims") != 0) throw g.Fail("differentiating GatherND with batch_dims is not supported");
                g.SetGrad(0, g.Op("ScatterND", [g.ZerosLike(g.X(0)), g.X(1), g.dY(0)], ("reduction", "add")));
            });

        r.Add("ScatterElements").Since(18).In("data", "indices", "updates").Out("output")
            .Attr("axis", 0L)
            .Attr("reduction", "none")
            .Infer(Shapes.SameAsInput0)
            .WithKernel(ScatterKernels.ScatterElements)
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(1)
            .Gradient(g => ScatterGradient(g, "GatherElements", "ScatterElements", ("axis", g.Attributes.GetInt("axis"))));

        // Deprecated since opset 11; every model that may use it is rewritten to ScatterElements.
        r.Add("Scatter").Since(11).In("data", "indices", "updates").Out("output")
            .Attr("axis", 0L)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(ScatterKernels.Scatter)
            .Fuses(FusionKind.Opaque)
            .Upgrade(12, "Scatter is deprecated: it becomes ScatterElements (same semantics, no reduction)",
                ctx => ctx.Node.Rebind(ctx.Registry.Get("ScatterElements")));

        r.Add("ScatterND").Since(18).In("data", "indices", "updates").Out("output")
            .Attr("reduction", "none")
            .Infer(Shapes.SameAsInput0)
            .WithKernel(ScatterKernels.ScatterND)
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(1)
            .Gradient(g => ScatterGradient(g, "GatherND", "ScatterND"));

        r.Add("TensorScatter").Since(24).In("past_cache", "update", "write_indices?").Out("present_cache")
            .Attr("axis", -2L)
            .Attr("mode", "linear")
            .Infer(Shapes.SameAsInput0)
            .WithKernel(ScatterKernels.TensorScatter)
            .Fuses(FusionKind.Opaque);

        r.Add("Compress").Since(11).In("input", "condition").Out("output")
            .OptionalAttr("axis", AttrType.Int)
            .Infer(InferCompress)
            .WithKernel(GatherKernels.Compress)
            .Fuses(FusionKind.Opaque);

        r.Add("OneHot").Since(11).In("indices", "depth", "values").Out("output")
            .Attr("axis", -1L)
            .Infer(InferOneHot)
            .WithKernel(GeneratorKernels.OneHot)
            .Fuses(FusionKind.Injective);
    }

    /// <summary>
    /// Gather's adjoint is a scatter-add into zeros (repeated indices, e.g. an embedding row used twice,
    /// sum). dY is viewed as [data dims before axis, all indices flattened, data dims after axis] and
    /// the flattened indices are broadcast along it, so ScatterElements can place every slice.
    /// </summary>
    private static void GatherGradient(GradientContext g)
    {
        var x = g.X(0);
        var indices = g.X(1);
        if (!x.Type.HasRank) throw g.Fail("data rank must be known to differentiate Gather");
        int rank = x.Type.Rank;
        int axis = AxisGradients.Axis(g, g.Attributes.GetInt("axis"), rank);
        // With static shapes (the usual embedding table and token batch) the shapes are constants, so the
        // backward graph keeps static shapes the code generator needs; otherwise they are computed.
        long[]? view = null;
        if (x.Type.IsStatic && indices.Type.IsStatic)
        {
            var xs = x.Type.StaticShape();
            view = [.. xs[..axis].Select(d => (long)d), Tensor.ElementCount(indices.Type.StaticShape()), .. xs[(axis + 1)..].Select(d => (long)d)];
        }
        var viewShape = view is not null ? g.Ints(view) : g.Op("Concat", [
            g.Op("Shape", [x], ("start", 0L), ("end", (long)axis)),
            g.Ints(-1),
            g.Op("Shape", [x], ("start", (long)axis + 1))], ("axis", 0L));
        // allowzero: a constant view may hold a real 0 (an empty dim), which plain Reshape would read as "copy".
        var dy = view is not null ? g.Op("Reshape", [g.dY(0), viewShape], ("allowzero", 1L)) : g.Op("Reshape", g.dY(0), viewShape);
        var idxShape = Enumerable.Repeat(1L, rank).ToArray();
        idxShape[axis] = -1;
        var idx = g.Op("Expand", g.Op("Reshape", indices, g.Ints(idxShape)), view is not null ? g.Ints(view) : g.Op("Shape", dy));
        g.SetGrad(0, g.Op("ScatterElements", [g.ZerosLike(x), idx, dy], ("axis", (long)axis), ("reduction", "add")));
    }

    /// <summary>
    /// Scatter without reduction: the data keeps dY except where it was overwritten; the updates get dY
    /// read back at their targets (with repeated targets the last write wins, as in the forward kernel).
    /// </summary>
    private static void ScatterGradient(GradientContext g, string gatherOp, string scatterOp, params (string, object)[] attrs)
    {
        if (g.Attributes.GetString("reduction") != "none") throw g.Fail("differentiating a scatter with a reduction is not supported");
        var dy = g.dY(0)!;
        if (g.NeedsGrad(0)) g.SetGrad(0, g.Op(scatterOp, [dy, g.X(1), g.ZerosLike(g.X(2))], attrs));
        if (g.NeedsGrad(2)) g.SetGrad(2, g.Op(gatherOp, [dy, g.X(1)], attrs));
    }

    private static void InferGather(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var idx = ctx.Required(1);
        if (x.Dims is not { } d || idx.Dims is not { } id)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        if (d.Length == 0) throw ctx.Fail("cannot gather from a scalar");
        int axis = Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), d.Length);
        if (ctx.ConstantInput(1) is { } c && d[axis].IsKnown && DataTypes.IsInteger(c.Type))
        {
            long n = d[axis].Value;
            foreach (long v in KernelArgs.ToInt64(c))
                if (v < -n || v >= n) throw ctx.Fail($"index {v} is out of range for axis {axis} of size {n}");
        }
        ctx.SetOutput(0, x.Elem, [.. d[..axis], .. id, .. d[(axis + 1)..]]);
    }

    private static void InferGatherND(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var idx = ctx.Required(1);
        if (x.Dims is not { } d || idx.Dims is not { } id || id.Length == 0 || !id[^1].IsKnown)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        int b = (int)ctx.Attributes.GetInt("batch_dims");
        long k = id[^1].Value;
        if (b < 0 || b >= Math.Min(d.Length, id.Length) || k > d.Length - b)
            throw ctx.Fail($"indices {idx.ShapeText} with batch_dims {b} do not fit data {x.ShapeText}");
        var batch = new Dim[b];
        for (int i = 0; i < b; i++) batch[i] = TensorShapes.Unify(id[i], d[i]);
        ctx.SetOutput(0, x.Elem, [.. batch, .. id[b..^1], .. d[(b + (int)k)..]]);
    }

    private static void InferCompress(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        Dim n = Dim.Unknown;
        if (ctx.ConstantInput(1) is { } c)
        {
            n = c.ToDoubleArray().Count(v => v != 0);
        }
        if (ctx.Attributes.Get("axis") is not long axis)
        {
            ctx.SetOutput(0, x.Elem, [n]);
            return;
        }
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        var r = (Dim[])d.Clone();
        r[Shapes.Axis(ctx, axis, d.Length)] = n;
        ctx.SetOutput(0, x.Elem, r);
    }

    private static void InferOneHot(InferenceContext ctx)
    {
        var idx = ctx.Required(0);
        var values = ctx.Required(2);
        if (idx.Dims is not { } d)
        {
            ctx.SetOutput(0, values.Elem, null);
            return;
        }
        Dim depth = ctx.ConstantInput(1) is { Length: 1, Type: not DataType.String } c ? (long)KernelArgs.ToDouble(c)[0] : Dim.Unknown;
        int axis = Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), d.Length + 1);
        ctx.SetOutput(0, values.Elem, [.. d[..axis], depth, .. d[axis..]]);
    }
}
