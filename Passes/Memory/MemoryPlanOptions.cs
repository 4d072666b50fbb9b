using Engine.Graph;

namespace Engine.Passes.Memory;

/// <summary>What the memory planner may do; the code generator says which in-place writes its kernels support.</summary>
public sealed class MemoryPlanOptions
{
    /// <summary>
    /// Whether the node's kernel may write output 0 over input i (read element k, then write element k).
    /// Null means <see cref="MemoryPlan.DefaultCanWriteInPlace"/>: single-output ElemWise/Broadcast ops
    /// and ai.engine::Fused nodes whose body holds only such ops.
    /// </summary>
    public Func<Node, int, bool>? CanWriteInPlace { get; set; }

    /// <summary>Reshape/Flatten/Squeeze/Unsqueeze/Identity (registry: <see cref="OutputAliasing.ViewOfInput0"/>) reuse their input's bytes.</summary>
    public bool ZeroCopyViews { get; set; } = true;

    /// <summary>Concat producers write straight into their slice when the slices are contiguous.</summary>
    public bool ConcatInPlace { get; set; } = true;

    /// <summary>Byte alignment of every arena buffer (a power of two; 64 = one cache line / one Vector512).</summary>
    public int Alignment { get; set; } = 64;
}
