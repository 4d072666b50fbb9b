using Engine.Graph;
using static Engine.Passes.PatternUtil;

namespace Engine.Passes;

/// <summary>
/// Softmax spelled out on one axis: e = Exp(x − ReduceMax(x)) (or Exp(x)), e / ReduceSum(e), both
/// reductions over the same single axis with keepdims. The fused op subtracts the maximum itself, so
/// the max-free form becomes the numerically safer one.
/// </summary>
public static class SoftmaxPatterns
{
    public static RuleSet Create() => new("fuse-softmax", 2,
    [
        new("softmax", Softmax),
    ]);

    private static bool Softmax(Node div, RewriteContext c)
    {
        if (!Is(div, "Div") || div.Inputs.Count != 2) return false;
        var m = new PatternMatch(c);
        m.Add(div);
        var exp = m.Take(div.Inputs[0], "Exp");
        var sum = m.Take(div.Inputs[1], "ReduceSum");
        if (exp is null || sum is null || sum.Inputs[0] != exp.Outputs[0] || exp.Inputs[0] is not { } t) return false;
        int rank = t.Type.Rank;
        if (rank < 1 || !IsFloat(t.Type.Elem)) return false;
        if (ReduceAxes(sum, c, rank) is not [var axis]) return false;

        Value x = t;
        if (RewriteContext.Producer(t, "Sub") is { } sub && RewriteContext.Producer(sub.Inputs[1], "ReduceMax") is { } max
            && max.Inputs[0] == sub.Inputs[0])
        {
            if (ReduceAxes(max, c, rank) is not [var maxAxis] || maxAxis != axis) return false;
            m.Add(sub);
            m.Add(max);
            x = sub.Inputs[0]!;
        }
        var y = div.Outputs[0]!;
        if (!SameKnownType(x.Type, y.Type) || !SameKnownType(x.Type, t.Type)) return false;
        return m.Commit(y, () => c.InsertBefore(div, "Softmax", [x], 1, ("axis", (long)axis)).Outputs[0]!);
    }
}
