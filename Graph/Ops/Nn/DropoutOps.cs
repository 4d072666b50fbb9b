using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Dropout: identity at inference, random masking in training mode.</summary>
public sealed class DropoutOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Dropout").Since(22).In("data", "ratio?", "training_mode?").Out("output", "mask?")
            .OptionalAttr("seed", AttrType.Int)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                ctx.SetOutput(0, x);
                ctx.SetOutput(1, DataType.Bool, x.Dims);
            })
            .WithKernel(DropoutKernels.Dropout)
            .Upgrade(7, "is_test and consumed_inputs removed", BeforeOpset7)
            .Upgrade(12, "ratio became an input", ctx => ctx.MoveAttributeToInput("ratio", 1, DataType.Float))
            .Fuses(FusionKind.Opaque)
            .Impure()
            .NotDifferentiable(1, 2)
            .Gradient(NormalizationGradients.Dropout);
    }

    /// <summary>
    /// Dropout-1/6 chose test mode with is_test; like Dropout-7..11 (where the mode belongs to the
    /// runtime) imported models run in inference mode, so the flag is dropped.
    /// </summary>
    private static void BeforeOpset7(ImportRuleContext ctx)
    {
        ctx.Node.Attributes.Remove("is_test");
        ctx.Node.Attributes.Remove("consumed_inputs");
    }
}
