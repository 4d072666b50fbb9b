using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>New tensors from shapes and scalars: ConstantOfShape, Range, EyeLike.</summary>
public sealed class GeneratorOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("ConstantOfShape").Since(25).In("input").Out("output")
            .OptionalAttr("value", AttrType.Tensor)
            .Infer(ctx =>
            {
                var elem = ctx.Attributes.GetTensorOrNull("value")?.Type ?? DataType.Float;
                var shape = TensorShapes.ConstInts(ctx, 0);
                int n = TensorShapes.StaticLength(ctx.Input(0));
                ctx.SetOutput(0, elem, shape is not null ? Shapes.Of(shape) : n >= 0 ? Shapes.UnknownOfRank(n) : null);
            })
            .WithKernel(GeneratorKernels.ConstantOfShape)
            .Fuses(FusionKind.Opaque);

        r.Add("Range").Since(11).In("start", "limit", "delta").Out("output")
            .Infer(InferRange)
            .WithKernel(GeneratorKernels.Range)
            .Fuses(FusionKind.Opaque);

        r.Add("EyeLike").Since(22).In("input").Out("output")
            .OptionalAttr("dtype", AttrType.Int)
            .Attr("k", 0L)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                var elem = ctx.Attributes.Get("dtype") is long dt ? (DataType)dt : x.Elem;
                if (x.Dims is { Length: not 2 }) throw ctx.Fail($"input must be 2-D, got {x.ShapeText}");
                ctx.SetOutput(0, elem, x.Dims ?? Shapes.UnknownOfRank(2));
            })
            .WithKernel(GeneratorKernels.EyeLike)
            .ShapeOnly()
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(); // reads only the input's shape
    }

    private static void InferRange(InferenceContext ctx)
    {
        var elem = ctx.Required(0).Elem;
        var s = ctx.ConstantInput(0);
        var l = ctx.ConstantInput(1);
        var d = ctx.ConstantInput(2);
        Dim n = Dim.Unknown;
        if (s is not null && l is not null && d is not null && s.Length == 1 && l.Length == 1 && d.Length == 1 && s.Type != DataType.String)
        {
            // Run the kernel on the constants: exact integer/float counting in one place.
            var kctx = new KernelContext(ctx.Attributes, 1, ctx.Node.Name);
            n = GeneratorKernels.Range(kctx, [s, l, d])[0]!.Length;
        }
        ctx.SetOutput(0, elem, [n]);
    }
}
