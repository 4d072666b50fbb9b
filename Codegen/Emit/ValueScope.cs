using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// How the values visible to a node are reached inside Run: the top-level graph (memory plan) or a Fused
/// body (its inputs are the Fused node's, its intermediates live in the node's scratch).
/// </summary>
internal abstract class ValueScope
{
    /// <summary>A typed pointer expression (<c>T*</c>) to the value's first element.</summary>
    public abstract string Pointer(Value v);

    /// <summary>Compile-time data of the value (an initializer), else null.</summary>
    public abstract Tensor? Constant(Value v);

    /// <summary>The weight-table index of a constant value (registering it), else -1.</summary>
    public abstract int WeightIndex(Value v);
}
