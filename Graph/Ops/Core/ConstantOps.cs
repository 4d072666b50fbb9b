using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Identity and Constant: the simplest definitions, and the pattern every op family follows.</summary>
public sealed class ConstantOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Identity").Since(21).In("input").Out("output")
            .Infer(Shapes.SameAsInput0)
            .WithKernel(ConstantKernels.Identity)
            .Fuses(FusionKind.Injective)
            .Gradient(GradientRules.PassThrough);

        r.Add("Constant").Since(21).Out("output")
            .OptionalAttr("value", AttrType.Tensor)
            .OptionalAttr("sparse_value", AttrType.Tensor)
            .OptionalAttr("value_float", AttrType.Float)
            .OptionalAttr("value_floats", AttrType.Floats)
            .OptionalAttr("value_int", AttrType.Int)
            .OptionalAttr("value_ints", AttrType.Ints)
            .OptionalAttr("value_string", AttrType.String)
            .OptionalAttr("value_strings", AttrType.Strings)
            .Infer(ctx => ctx.SetOutput(0, TensorType.Of(ConstantKernels.ConstantValue(ctx.Attributes, ctx.Node.Name))))
            .WithKernel(ConstantKernels.Constant)
            .Fuses(FusionKind.Opaque);
    }
}
