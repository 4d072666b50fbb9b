using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Where and Clip.</summary>
public sealed class SelectOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Where").Since(16).In("condition", "X", "Y").Out("output")
            .Infer(ElementwiseInference.Where)
            .WithKernel(SelectKernels.Where)
            .Fuses(FusionKind.Broadcast);

        r.Add("Clip").Since(13).In("input", "min?", "max?").Out("output")
            .Infer(Shapes.SameAsInput0)
            .WithKernel(SelectKernels.Clip)
            .Fuses(FusionKind.ElemWise)
            .Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Upgrade(11, "min/max attributes to inputs", ClipBoundsToInputs);
    }

    /// <summary>Clip-6's float attributes become Clip-11's optional scalar inputs (absent stays absent).</summary>
    private static void ClipBoundsToInputs(ImportRuleContext ctx)
    {
        ctx.MoveAttributeToInput("min", 1, DataType.Float);
        ctx.MoveAttributeToInput("max", 2, DataType.Float);
    }
}
