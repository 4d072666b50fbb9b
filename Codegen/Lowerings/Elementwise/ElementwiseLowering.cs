using Engine.Codegen.Lowering;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen.Lowerings.Elementwise;

/// <summary>
/// A float32 elementwise/broadcast op (<see cref="ElementwiseOps"/>) as one loop with constant bounds.
/// May write in place over an operand that has the output's shape (each element is read before it is written).
/// </summary>
public sealed class ElementwiseLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        var operands = new List<LoopOperand>();
        var index = new Dictionary<int, int>();
        ElementwiseExpr OperandOf(Value v)
        {
            int i = IndexOf(ctx.Node, v);
            if (!index.TryGetValue(i, out int k))
            {
                k = operands.Count;
                index[i] = k;
                operands.Add(new LoopOperand(ctx.In(i), ctx.InShape(i)));
            }
            return new LeafExpr(k);
        }
        Tensor? Constant(Value v) => ctx.Constant(IndexOf(ctx.Node, v)) is { Length: <= 64 } t ? t : null;
        var expr = ElementwiseOps.TryBuild(ctx.Node, OperandOf, Constant, out string reason);
        if (expr is null) return reason;
        if (ctx.OutLength(0) > int.MaxValue) return "more than 2^31 elements";
        ctx.Comment($"{ctx.Node.OpType}: loop ({ctx.Vector})");
        ElementwiseLoop.Emit(ctx.Line, ctx.Fresh, ctx.Vector, operands, ctx.OutShape(0), [new LoopResult(expr, ctx.Out(0))]);
        return null;
    }

    public bool CanWriteInPlace(Node node, int input) =>
        node.Outputs.Count == 1 && node.Outputs[0] is { } y && node.Input(input) is { } x
        && x.Type.Elem == DataType.Float && y.Type.Elem == DataType.Float
        && x.Type.IsStatic && y.Type.IsStatic && x.Type.StaticShape().AsSpan().SequenceEqual(y.Type.StaticShape());

    private static int IndexOf(Node node, Value v)
    {
        for (int i = 0; i < node.Inputs.Count; i++)
            if (ReferenceEquals(node.Inputs[i], v)) return i;
        throw new EngineException($"cpu backend: node '{node.Name}' does not read value '{v.Name}'");
    }
}

/// <summary>Registers the elementwise loop lowering for every op <see cref="ElementwiseOps"/> knows.</summary>
public sealed class ElementwiseLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r)
    {
        var l = new ElementwiseLowering();
        foreach (var op in ElementwiseOps.Ops) r.Add(op, l);
    }
}
