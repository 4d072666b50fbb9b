using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Ops that relabel or report shapes: Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size.</summary>
public sealed class ReshapeOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Reshape").Since(25).In("data", "shape").Out("reshaped")
            .Attr("allowzero", 0L)
            .Infer(InferReshape)
            .WithKernel(ReshapeKernels.Reshape)
            .Fuses(FusionKind.Injective)
            .Upgrade(5, "Reshape-1's 'shape' attribute becomes input 1", ctx => ctx.MoveAttributeToInput("shape", 1, DataType.Int64))
            .NotDifferentiable(1)
            .Gradient(ReshapeBack);

        r.Add("Flatten").Since(25).In("input").Out("output")
            .Attr("axis", 1L)
            .Infer(InferFlatten)
            .WithKernel(ReshapeKernels.Flatten)
            .Fuses(FusionKind.Injective)
            .Gradient(ReshapeBack);

        r.Add("Squeeze").Since(25).In("data", "axes?").Out("squeezed")
            .Infer(InferSqueeze)
            .WithKernel(ReshapeKernels.Squeeze)
            .Fuses(FusionKind.Injective)
            .Upgrade(13, "Squeeze-1/11's 'axes' attribute becomes input 1", ctx => ctx.MoveAttributeToInput("axes", 1, DataType.Int64))
            .NotDifferentiable(1)
            .Gradient(ReshapeBack);

        r.Add("Unsqueeze").Since(25).In("data", "axes").Out("expanded")
            .Infer(InferUnsqueeze)
            .WithKernel(ReshapeKernels.Unsqueeze)
            .Fuses(FusionKind.Injective)
            .Upgrade(13, "Unsqueeze-1/11's 'axes' attribute becomes input 1", ctx => ctx.MoveAttributeToInput("axes", 1, DataType.Int64))
            .NotDifferentiable(1)
            .Gradient(ReshapeBack);

        r.Add("Shape").Since(25).In("data").Out("shape")
            .Attr("start", 0L)
            .OptionalAttr("end", AttrType.Int)
            .Infer(InferShape)
            .WithKernel(ReshapeKernels.Shape)
            .ShapeOnly()
            .Fuses(FusionKind.Opaque);

        r.Add("Size").Since(25).In("data").Out("size")
            .Infer(ctx => ctx.SetOutput(0, DataType.Int64, []))
            .WithKernel(ReshapeKernels.Size)
            .ShapeOnly()
            .Fuses(FusionKind.Opaque);
    }

    /// <summary>Relabelling ops keep the element order: the gradient is dY given the input's shape back.</summary>
    private static readonly GradientRule ReshapeBack = GradientRules.Linear((g, dy) => g.Op("Reshape", dy, g.ShapeOf(g.X(0))));

    private static void InferReshape(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var shape = TensorShapes.ConstInts(ctx, 1);
        if (shape is not null)
        {
            ctx.SetOutput(0, x.Elem, TensorShapes.Reshape(ctx, x.Dims, shape, ctx.Attributes.GetInt("allowzero") != 0));
            return;
        }
        int n = TensorShapes.StaticLength(ctx.Input(1));
        ctx.SetOutput(0, x.Elem, n >= 0 ? Shapes.UnknownOfRank(n) : null);
    }

    private static void InferShape(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        Dim n = Dim.Unknown;
        if (x.Dims is { } d)
        {
            var (start, end) = ReshapeKernels.ShapeWindow(ctx.Attributes.GetInt("start"), ctx.Attributes.GetInt("end", long.MaxValue), d.Length);
            n = end - start;
        }
        ctx.SetOutput(0, DataType.Int64, [n]);
    }

    private static void InferFlatten(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, Shapes.UnknownOfRank(2));
            return;
        }
        long axis = ctx.Attributes.GetInt("axis");
        long a = axis < 0 ? axis + d.Length : axis;
        if (a < 0 || a > d.Length) throw ctx.Fail($"axis {axis} is out of range for rank {d.Length}");
        ctx.SetOutput(0, x.Elem, [TensorShapes.Product(d[..(int)a]), TensorShapes.Product(d[(int)a..])]);
    }

    private static void InferSqueeze(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        var axes = TensorShapes.ConstInts(ctx, 1);
        if (!ctx.HasInput(1) || axes is { Length: 0 })
        {
            // Without axes every size-1 dim goes; an unknown dim might be 1, so the rank is unknown then.
            ctx.SetOutput(0, x.Elem, d.All(v => v.IsKnown) ? d.Where(v => v.Value != 1).ToArray() : null);
            return;
        }
        if (axes is null)
        {
            int n = TensorShapes.StaticLength(ctx.Input(1));
            ctx.SetOutput(0, x.Elem, n > 0 && n <= d.Length ? Shapes.UnknownOfRank(d.Length - n) : null);
            return;
        }
        var drop = TensorShapes.Axes(ctx, axes, d.Length);
        foreach (int a in drop)
        {
            if (d[a].IsKnown && d[a].Value != 1) throw ctx.Fail($"cannot squeeze axis {a} of size {d[a]}");
        }
        ctx.SetOutput(0, x.Elem, d.Where((_, i) => !drop.Contains(i)).ToArray());
    }

    private static void InferUnsqueeze(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var axes = TensorShapes.ConstInts(ctx, 1);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        if (axes is null)
        {
            int n = TensorShapes.StaticLength(ctx.Input(1));
            ctx.SetOutput(0, x.Elem, n >= 0 ? Shapes.UnknownOfRank(d.Length + n) : null);
            return;
        }
        int rank = d.Length + axes.Length;
        var insert = TensorShapes.Axes(ctx, axes, rank);
        var r = new Dim[rank];
        int j = 0;
        for (int i = 0; i < rank; i++) r[i] = insert.Contains(i) ? 1 : d[j++];
        ctx.SetOutput(0, x.Elem, r);
    }
}
