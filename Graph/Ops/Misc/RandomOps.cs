using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Random generators. All are impure (never folded or CSE'd) and opaque to fusion.</summary>
public sealed class RandomOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("RandomNormal").Since(22).Out("output")
            .Attr("dtype", 1L).Attr("mean", 0f).Attr("scale", 1f)
            .OptionalAttr("seed", AttrType.Float)
            .RequiredAttr("shape", AttrType.Ints)
            .Infer(FromShapeAttr)
            .WithKernel(RandomSamplingKernels.RandomNormal)
            .Fuses(FusionKind.Opaque).Impure();

        r.Add("RandomUniform").Since(22).Out("output")
            .Attr("dtype", 1L).Attr("high", 1f).Attr("low", 0f)
            .OptionalAttr("seed", AttrType.Float)
            .RequiredAttr("shape", AttrType.Ints)
            .Infer(FromShapeAttr)
            .WithKernel(RandomSamplingKernels.RandomUniform)
            .Fuses(FusionKind.Opaque).Impure();

        r.Add("RandomNormalLike").Since(22).In("input").Out("output")
            .OptionalAttr("dtype", AttrType.Int).Attr("mean", 0f).Attr("scale", 1f)
            .OptionalAttr("seed", AttrType.Float)
            .Infer(LikeInput)
            .WithKernel(RandomSamplingKernels.RandomNormalLike)
            .Fuses(FusionKind.Opaque).Impure()
            .NotDifferentiable(); // reads only the input's shape (or samples from it)

        r.Add("RandomUniformLike").Since(22).In("input").Out("output")
            .OptionalAttr("dtype", AttrType.Int).Attr("high", 1f).Attr("low", 0f)
            .OptionalAttr("seed", AttrType.Float)
            .Infer(LikeInput)
            .WithKernel(RandomSamplingKernels.RandomUniformLike)
            .Fuses(FusionKind.Opaque).Impure()
            .NotDifferentiable(); // reads only the input's shape (or samples from it)

        r.Add("Bernoulli").Since(22).In("input").Out("output")
            .OptionalAttr("dtype", AttrType.Int)
            .OptionalAttr("seed", AttrType.Float)
            .Infer(LikeInput)
            .WithKernel(RandomSamplingKernels.Bernoulli)
            .Fuses(FusionKind.Opaque).Impure()
            .NotDifferentiable(); // reads only the input's shape (or samples from it)

        r.Add("Multinomial").Since(22).In("input").Out("output")
            .Attr("dtype", 6L).Attr("sample_size", 1L)
            .OptionalAttr("seed", AttrType.Float)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                Dim batch = x.Dims is { Length: 2 } d ? d[0] : Dim.Unknown;
                ctx.SetOutput(0, (DataType)ctx.Attributes.GetInt("dtype"), [batch, Dim.Of(ctx.Attributes.GetInt("sample_size"))]);
            })
            .WithKernel(RandomSamplingKernels.Multinomial)
            .Fuses(FusionKind.Opaque).Impure();
    }

    private static void FromShapeAttr(InferenceContext ctx) =>
        ctx.SetOutput(0, (DataType)ctx.Attributes.GetInt("dtype"), Shapes.Of(ctx.Attributes.GetInts("shape")));

    private static void LikeInput(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var elem = ctx.Attributes.Get("dtype") is long d ? (DataType)d : x.Elem;
        ctx.SetOutput(0, elem, x.Dims);
    }
}
