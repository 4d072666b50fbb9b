using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// ai.engine::StopGradient — identity in the forward pass, a wall for autodiff: nothing flows back
/// through it (targets, frozen branches, straight-through tricks). Not simplified away by the
/// optimizer, since that would change what a later differentiation computes.
/// </summary>
public sealed class StopGradientOps : IOpLibrary
{
    public void Register(OpRegistry r) =>
        r.Add(OpRegistry.EngineDomain, "StopGradient").Since(1).In("input").Out("output")
            .Infer(Shapes.SameAsInput0)
            .WithKernel(ConstantKernels.Identity)
            .ZeroGradient();
}
