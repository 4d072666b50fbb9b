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
            .Fuses(FusionKind.Broadcast)
            .NotDifferentiable(0)
            .Gradient(g =>
            {
                var zero = g.ConstLike(0, g.dY(0)!);
                if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("Where", g.X(0), g.dY(0), zero), g.X(1)));
                if (g.NeedsGrad(2)) g.SetGrad(2, g.ReduceToShape(g.Op("Where", g.X(0), zero, g.dY(0)), g.X(2)));
            });

        r.Add("Clip").Since(13).In("input", "min?", "max?").Out("output")
            .Infer(Shapes.SameAsInput0)
            .WithKernel(SelectKernels.Clip)
            .Fuses(FusionKind.ElemWise)
            .Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Upgrade(11, "min/max attributes to inputs", ClipBoundsToInputs)
            .Gradient(ClipGradient);
    }

    /// <summary>
    /// The input gets the gradient where min ≤ x ≤ max (PyTorch's convention at the bounds); a bound
    /// gets the gradient of the elements it clamped, summed back to its (scalar) shape.
    /// </summary>
    private static void ClipGradient(GradientContext g)
    {
        var x = g.X(0);
        var dy = g.dY(0)!;
        Value? below = g.HasX(1) ? g.Op("Less", x, g.X(1)) : null;
        Value? above = g.HasX(2) ? g.Op("Greater", x, g.X(2)) : null;
        if (g.NeedsGrad(0))
        {
            var clamped = below is null ? above : above is null ? below : g.Op("Or", below, above);
            g.SetGrad(0, clamped is null ? dy : g.Op("Where", clamped, g.ConstLike(0, x), dy));
        }
        if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("Mul", dy, g.Mask(below!, x)), g.X(1)));
        if (g.NeedsGrad(2)) g.SetGrad(2, g.ReduceToShape(g.Op("Mul", dy, g.Mask(above!, x)), g.X(2)));
    }

    /// <summary>Clip-6's float attributes become Clip-11's optional scalar inputs (absent stays absent).</summary>
    private static void ClipBoundsToInputs(ImportRuleContext ctx)
    {
        ctx.MoveAttributeToInput("min", 1, DataType.Float);
        ctx.MoveAttributeToInput("max", 2, DataType.Float);
    }
}
