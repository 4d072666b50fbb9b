using Engine.Graph;

namespace Engine.Codegen.Lowering;

/// <summary>
/// Writes the C# of one node inside the generated <c>Run</c> (see Codegen/README.md, "Lowering contract").
/// Implementations are stateless and shared by every compile.
/// </summary>
public interface ICpuLowering
{
    /// <summary>
    /// Emits the node through <paramref name="ctx"/> and returns null, or emits NOTHING and returns
    /// the reason it declines (the node then runs its reference kernel and the reason is reported).
    /// </summary>
    string? TryEmit(LoweringContext ctx);

    /// <summary>
    /// Whether this lowering may write output 0 over input <paramref name="input"/> (same bytes) for
    /// <paramref name="node"/>. The memory planner asks before emission; when it says yes and the plan
    /// takes it, <see cref="LoweringContext.Aliased"/> is true and the emitted code must read each
    /// element of that input before writing the same element of the output (elementwise loops do).
    /// </summary>
    bool CanWriteInPlace(Node node, int input) => false;
}

/// <summary>
/// Marker: this lowering honours <see cref="LoweringContext.Epilogue"/> (bias/activation/residual
/// applied in its output loop), so a fused group "anchor + elementwise tail" becomes one kernel.
/// </summary>
public interface IEpilogueLowering : ICpuLowering;

/// <summary>
/// A set of lowerings. Public classes with a parameterless constructor in the Engine.Codegen assembly
/// are found by reflection (as <see cref="IOpLibrary"/> is for ops) and fill <see cref="CpuLoweringRegistry.Default"/>.
/// </summary>
public interface ICpuLoweringLibrary
{
    void Register(CpuLoweringRegistry r);
}
