namespace Engine.Codegen.Lowerings.Elementwise;

/// <summary>
/// One output element of an elementwise group as a small DAG: leaves are the group's operands
/// (read at the broadcast index), inner nodes are ops with their float parameters. A single node
/// and an <c>ai.engine::Fused</c> body both become one of these and one loop.
/// </summary>
internal abstract record ElementwiseExpr;

/// <summary>Operand <see cref="Index"/> of the loop, read at the current (broadcast) position.</summary>
internal sealed record LeafExpr(int Index) : ElementwiseExpr;

/// <summary>An op applied to sub-expressions; <see cref="Params"/> are constants such as Clip bounds or LeakyRelu's alpha.</summary>
internal sealed record OpExpr(string Op, ElementwiseExpr[] Args, float[] Params) : ElementwiseExpr;
