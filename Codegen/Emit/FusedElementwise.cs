using Engine.Codegen.Lowerings.Elementwise;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// A Fused body made only of float32 elementwise ops as one loop: every body output (all of one shape)
/// is a root of one expression DAG over the body's inputs and initializers.
/// </summary>
internal sealed class FusedElementwise
{
    private FusedElementwise(List<ElementwiseExpr> roots, List<Value> operands)
    {
        Roots = roots;
        Operands = operands;
    }

    /// <summary>One root per body output, in order.</summary>
    public List<ElementwiseExpr> Roots { get; }

    /// <summary>Leaf i reads body value Operands[i] (a body input or a body initializer).</summary>
    public List<Value> Operands { get; }

    public static FusedElementwise? TryBuild(Node node, Graph.Graph body, out string reason)
    {
        reason = "";
        if (body.Inputs.Count != node.Inputs.Count || body.Outputs.Count != node.Outputs.Count) { reason = "fused body does not match the node"; return null; }
        if (body.Outputs.Count == 0 || node.Outputs.Any(o => o is null)) { reason = "absent fused output"; return null; }
        var shape = body.Outputs[0].Type.StaticShape();
        foreach (var o in body.Outputs)
        {
            if (o.Type.Elem != DataType.Float || !o.Type.StaticShape().AsSpan().SequenceEqual(shape)) { reason = "fused outputs differ in shape or are not float32"; return null; }
            if (o.Producer is null) { reason = "a fused output is a body input"; return null; }
        }
        var operands = new List<Value>();
        var map = new Dictionary<Value, ElementwiseExpr>();
        ElementwiseExpr OperandOf(Value v)
        {
            if (map.TryGetValue(v, out var e)) return e;
            bool input = body.Inputs.Contains(v);
            if (!input && !body.IsInitializer(v)) throw new MissingOperand();
            if (v.Type.Elem != DataType.Float) throw new MissingOperand();
            e = new LeafExpr(operands.Count);
            operands.Add(v);
            map[v] = e;
            return e;
        }
        Tensor? Constant(Value v) => body.InitializerData(v) is { Length: <= 64 } t ? t : null;
        foreach (var n in body.Nodes)
        {
            ElementwiseExpr? e;
            string why;
            try
            {
                e = ElementwiseOps.TryBuild(n, OperandOf, Constant, out why);
            }
            catch (MissingOperand)
            {
                reason = $"fused body op {n.OpType} reads a value that is neither a float body input, a body constant nor an earlier body op";
                return null;
            }
            if (e is null) { reason = $"fused body op {n.OpType}: {why}"; return null; }
            map[n.Outputs[0]!] = e;
        }
        var roots = new List<ElementwiseExpr>();
        foreach (var o in body.Outputs)
        {
            if (!map.TryGetValue(o, out var r)) { reason = "fused body output is not computed by the body"; return null; }
            roots.Add(r);
        }
        return new FusedElementwise(roots, operands);
    }

    /// <summary>Output 0 may take input i's bytes when the group is one loop and input i has the outputs' shape.</summary>
    public static bool CanWriteInPlace(Node node, Graph.Graph body, int input)
    {
        if (TryBuild(node, body, out _) is null) return false;
        if (node.Input(input) is not { } x || x.Type.Elem != DataType.Float || !x.Type.IsStatic) return false;
        return x.Type.StaticShape().AsSpan().SequenceEqual(node.Outputs[0]!.Type.StaticShape());
    }

    private sealed class MissingOperand : Exception;
}
