using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Rearrangements of elements that keep the shape or rebuild images: Trilu, ReverseSequence, Col2Im.</summary>
public sealed class ArrangeOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Trilu").Since(14).In("input", "k?").Out("output")
            .Attr("upper", 1L)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                if (x.Dims is { Length: < 2 }) throw ctx.Fail($"input must have rank >= 2, got {x.ShapeText}");
                ctx.SetOutput(0, x);
            })
            .WithKernel(TriluKernels.Trilu)
            .Fuses(FusionKind.Injective)
            .NotDifferentiable(1)
            .Gradient(g => g.SetGrad(0, g.Op("Trilu", [g.dY(0), g.HasX(1) ? g.X(1) : null], ("upper", g.Attributes.GetInt("upper")))));

        r.Add("ReverseSequence").Since(10).In("input", "sequence_lens").Out("Y")
            .Attr("batch_axis", 1L)
            .Attr("time_axis", 0L)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(TriluKernels.ReverseSequence)
            .Fuses(FusionKind.Injective)
            .NotDifferentiable(1)
            // Reversing each sequence's prefix is its own inverse.
            .Gradient(g => g.SetGrad(0, g.Op("ReverseSequence", [g.dY(0), g.X(1)],
                ("batch_axis", g.Attributes.GetInt("batch_axis")), ("time_axis", g.Attributes.GetInt("time_axis")))));

        r.Add("Col2Im").Since(18).In("input", "image_shape", "block_shape").Out("output")
            .OptionalAttr("dilations", AttrType.Ints)
            .OptionalAttr("pads", AttrType.Ints)
            .OptionalAttr("strides", AttrType.Ints)
            .Infer(InferCol2Im)
            .WithKernel(Col2ImKernels.Col2Im)
            .Fuses(FusionKind.Opaque);
    }

    private static void InferCol2Im(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var image = TensorShapes.ConstInts(ctx, 1);
        var block = TensorShapes.ConstInts(ctx, 2);
        if (x.Dims is { } d && d.Length != 3) throw ctx.Fail($"input must be 3-D, got {x.ShapeText}");
        int nd = image?.Length ?? TensorShapes.StaticLength(ctx.Input(1));
        if (nd < 0)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        Dim n = x.Dims?[0] ?? Dim.Unknown;
        Dim c = Dim.Unknown;
        if (block is not null && x.Dims is { } xd && xd[1].IsKnown)
        {
            long k = block.Aggregate(1L, (p, v) => p * v);
            if (k > 0 && xd[1].Value % k == 0) c = xd[1].Value / k;
        }
        var spatial = image is not null ? Shapes.Of(image) : Shapes.UnknownOfRank(nd);
        ctx.SetOutput(0, x.Elem, [n, c, .. spatial]);
    }
}
