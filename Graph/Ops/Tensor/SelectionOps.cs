using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Value-dependent ops: TopK, ArgMax, ArgMin, NonZero, Unique, CumSum, CumProd.</summary>
public sealed class SelectionOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("TopK").Since(24).In("X", "K").Out("Values", "Indices")
            .Attr("axis", -1L)
            .Attr("largest", 1L)
            .Attr("sorted", 1L)
            .Infer(InferTopK)
            .WithKernel(SelectionKernels.TopK)
            .Fuses(FusionKind.Opaque)
            .Upgrade(10, "TopK-1's 'k' attribute becomes the 1-D input K", ctx =>
            {
                if (!ctx.Node.Attributes.HasExplicit("k")) throw ctx.Fail("TopK-1 needs a 'k' attribute");
                long k = ctx.Node.Attributes.GetInt("k");
                ctx.Node.Attributes.Remove("k");
                ctx.Node.SetInput(1, ctx.Constant(Tensor.FromArray(new[] { k }, 1), ctx.Node.Name + "_k"));
            })
            .NotDifferentiable(1)
            // The selected values' gradients go back to where they were taken from.
            .Gradient(g => g.SetGrad(0, g.Op("ScatterElements", [g.ZerosLike(g.X(0)), g.Y(1), g.dY(0)],
                ("axis", g.Attributes.GetInt("axis")), ("reduction", "add"))));

        foreach (var name in new[] { "ArgMax", "ArgMin" })
        {
            r.Add(name).Since(13).In("data").Out("reduced")
                .Attr("axis", 0L)
                .Attr("keepdims", 1L)
                .Attr("select_last_index", 0L)
                .Infer(InferArg)
                .WithKernel(name == "ArgMax" ? SelectionKernels.ArgMax : SelectionKernels.ArgMin)
                .Fuses(FusionKind.CommReduce);
        }

        r.Add("NonZero").Since(13).In("X").Out("Y")
            .Infer(ctx => ctx.SetOutput(0, DataType.Int64, [ctx.Required(0).Dims is { } d ? d.Length : Dim.Unknown, Dim.Unknown]))
            .WithKernel(SelectionKernels.NonZero)
            .Fuses(FusionKind.Opaque);

        r.Add("Unique").Since(11).In("X").Out("Y", "indices?", "inverse_indices?", "counts?")
            .OptionalAttr("axis", AttrType.Int)
            .Attr("sorted", 1L)
            .Infer(InferUnique)
            .WithKernel(UniqueKernels.Unique)
            .Fuses(FusionKind.Opaque);

        r.Add("CumSum").Since(14).In("x", "axis").Out("y")
            .Attr("exclusive", 0L)
            .Attr("reverse", 0L)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(ScanKernels.CumSum)
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(1)
            // Each x_i reaches every y_j at or after it (before it when reversed): the adjoint scans the other way.
            .Gradient(g => g.SetGrad(0, g.Op("CumSum", [g.dY(0), g.X(1)],
                ("exclusive", g.Attributes.GetInt("exclusive")), ("reverse", 1 - g.Attributes.GetInt("reverse")))));

        r.Add("CumProd").Since(26).In("x", "axis").Out("y")
            .Attr("exclusive", 0L)
            .Attr("reverse", 0L)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(ScanKernels.CumProd)
            .Fuses(FusionKind.Opaque);
    }

    private static void InferTopK(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        Dim[]? dims = null;
        if (x.Dims is { } d)
        {
            if (d.Length == 0) throw ctx.Fail("input must have rank >= 1");
            int axis = Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), d.Length);
            dims = (Dim[])d.Clone();
            var k = TensorShapes.ConstInts(ctx, 1);
            if (k is not null && k.Length != 1) throw ctx.Fail("K must be a single value");
            if (k is not null && (k[0] < 0 || d[axis].IsKnown && k[0] > d[axis].Value))
                throw ctx.Fail($"K {k[0]} is outside [0, {d[axis]}]");
            dims[axis] = k is null ? Dim.Unknown : k[0];
        }
        ctx.SetOutput(0, x.Elem, dims);
        ctx.SetOutput(1, DataType.Int64, dims);
    }

    private static void InferArg(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, DataType.Int64, null);
            return;
        }
        if (d.Length == 0) throw ctx.Fail("input must have rank >= 1");
        int axis = Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), d.Length);
        var r = ctx.Attributes.GetInt("keepdims") != 0
            ? d.Select((v, i) => i == axis ? (Dim)1 : v).ToArray()
            : d.Where((_, i) => i != axis).ToArray();
        ctx.SetOutput(0, DataType.Int64, r);
    }

    private static void InferUnique(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        Dim[]? y = [Dim.Unknown];
        Dim inverse = x.Dims is { } all ? TensorShapes.Product(all) : Dim.Unknown;
        if (ctx.Attributes.Get("axis") is long a)
        {
            if (x.Dims is { } d)
            {
                int axis = Shapes.Axis(ctx, a, d.Length);
                y = (Dim[])d.Clone();
                y[axis] = Dim.Unknown;
                inverse = d[axis];
            }
            else
            {
                y = null;
                inverse = Dim.Unknown;
            }
        }
        ctx.SetOutput(0, x.Elem, y);
        ctx.SetOutput(1, DataType.Int64, [Dim.Unknown]);
        ctx.SetOutput(2, DataType.Int64, [inverse]);
        ctx.SetOutput(3, DataType.Int64, [Dim.Unknown]);
    }
}
