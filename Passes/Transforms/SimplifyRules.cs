using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// Algebraic identities exporters leave behind: Identity, inference-mode Dropout, Cast to the same
/// type, x·1, x+0, x−0, x/1, Expand/Reshape to the shape x already has, Transpose∘Transpose,
/// Reshape∘Reshape, Unsqueeze→Squeeze of the same axes.
/// </summary>
public static class SimplifyRules
{
    public static RuleSet Create() => new("simplify", 1,
    [
        new("identity", (n, c) => Is(n, "Identity") && Forward(n, c, n.Inputs[0])),
        new("dropout-inference", DropoutInference),
        new("cast-same-type", (n, c) => Is(n, "Cast") && n.Inputs[0] is { } x && x.Type.Elem != DataType.Undefined
            && (DataType)n.Attributes.GetInt("to") == x.Type.Elem && Forward(n, c, x)),
        new("mul-by-one", (n, c) => Is(n, "Mul") && NeutralOperand(n, c, 1, commutative: true)),
        new("add-zero", (n, c) => Is(n, "Add") && NeutralOperand(n, c, 0, commutative: true)),
        new("sub-zero", (n, c) => Is(n, "Sub") && NeutralOperand(n, c, 0, commutative: false)),
        new("div-by-one", (n, c) => Is(n, "Div") && NeutralOperand(n, c, 1, commutative: false)),
        new("expand-noop", (n, c) => Is(n, "Expand") && SameTypeAsOutput(n, n.Inputs[0]) && Forward(n, c, n.Inputs[0])),
        new("reshape-noop", (n, c) => Is(n, "Reshape") && SameTypeAsOutput(n, n.Inputs[0]) && Forward(n, c, n.Inputs[0])),
        new("transpose-transpose", TransposeTranspose),
        new("reshape-reshape", ReshapeReshape),
        new("unsqueeze-squeeze", UnsqueezeSqueeze),
        new("transpose-into-gemm", TransposeIntoGemm),
        new("inline-constant-if", InlineConstantIf),
    ]);

    /// <summary>Gemm(Transpose(A), B) → Gemm(A, B, transA = !transA) for 2-D swaps (and likewise for B).</summary>
    private static bool TransposeIntoGemm(Node n, RewriteContext c)
    {
        if (!Is(n, "Gemm") || n.Outputs[0] is not { } y || c.Pass.PinnedValues.Contains(y.Name)) return false;
        for (int i = 0; i < 2; i++)
        {
            if (RewriteContext.Producer(n.Inputs[i], "Transpose") is not { } t || t.Inputs[0]!.Type.Rank != 2) continue;
            var perm = t.Attributes.GetIntsOrNull("perm");
            if (perm is not null && !(perm[0] == 1 && perm[1] == 0)) continue;
            string flag = i == 0 ? "transA" : "transB";
            var attrs = n.Attributes.Explicit.Where(kv => kv.Key != flag).Select(kv => (kv.Key, kv.Value))
                .Append((flag, (object)(n.Attributes.GetInt(flag) == 0 ? 1L : 0L))).ToArray();
            var inputs = n.Inputs.ToArray();
            inputs[i] = t.Inputs[0];
            var g = c.InsertBefore(n, "Gemm", inputs, 1, attrs);
            return Forward(n, c, g.Outputs[0]);
        }
        return false;
    }

    /// <summary>If with a constant condition: the taken branch's nodes move into the enclosing graph.</summary>
    private static bool InlineConstantIf(Node n, RewriteContext c)
    {
        if (!Is(n, "If") || c.ConstantOf(n.Inputs[0]) is not { Length: 1 } cond) return false;
        var branch = (Graph.Graph)n.Attributes.Get(cond.ScalarAsDouble() != 0 ? "then_branch" : "else_branch")!;
        // Branch inputs are none; its outputs must be produced inside it or captured from outside.
        if (branch.Inputs.Count != 0 || branch.Outputs.Count != n.Outputs.Count) return false;
        if (n.Outputs.Any(o => o is not null && c.Pass.PinnedValues.Contains(o.Name))) return false;
        var outputs = n.Outputs.ToArray();
        if (outputs.Select((o, i) => o is not null && c.Graph.Outputs.Contains(o) && !c.CanReplace(o, branch.Outputs[i])).Any(b => b)) return false;
        foreach (var v in branch.InitializerValues.ToArray())
        {
            var data = branch.Initializers[v];
            branch.RemoveInitializer(v);
            c.Graph.SetInitializer(v, data);
        }
        int at = c.Graph.IndexOf(n);
        foreach (var inner in branch.Nodes.ToArray())
        {
            // Keep the node's input wiring: detach from the branch without clearing its inputs.
            branch.DetachNode(inner);
            c.Graph.InsertNode(at++, inner);
            foreach (var sub in inner.Subgraphs) sub.Parent = c.Graph;
        }
        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is { } o) c.Replace(o, branch.Outputs[i]);
        }
        c.Graph.RemoveNode(n);
        return true;
    }

    private static bool Is(Node n, string op) => n.OpType == op && n.Domain == "";

    /// <summary>Replaces the node's first output by <paramref name="x"/> when allowed.</summary>
    private static bool Forward(Node n, RewriteContext c, Value? x)
    {
        if (x is null || n.Outputs.Count == 0 || n.Outputs[0] is not { } y) return false;
        if (!c.CanReplace(y, x)) return false;
        c.Replace(y, x);
        return true;
    }

    private static bool SameTypeAsOutput(Node n, Value? x) =>
        x is not null && n.Outputs[0] is { } y && x.Type.IsStatic && y.Type.IsStatic && x.Type.Equals(y.Type);

    private static bool DropoutInference(Node n, RewriteContext c)
    {
        if (!Is(n, "Dropout")) return false;
        if (n.Outputs.Count > 1 && n.Outputs[1] is { } mask && (mask.Users.Count > 0 || !c.IsFree(mask))) return false;
        if (n.Input(2) is { } training && (c.ConstantOf(training) is not { } t || t.ScalarAsDouble() != 0)) return false;
        if (!Forward(n, c, n.Inputs[0])) return false;
        // Dropout is impure (random in training mode), so dead-code elimination keeps it: remove it here.
        c.Graph.RemoveNode(n);
        return true;
    }

    /// <summary>x op k → x when k is a constant filled with <paramref name="neutral"/> that does not change x's type by broadcasting.</summary>
    private static bool NeutralOperand(Node n, RewriteContext c, double neutral, bool commutative)
    {
        if (n.Inputs.Count != 2 || n.Outputs[0] is not { } y) return false;
        for (int side = 1; side >= (commutative ? 0 : 1); side--)
        {
            var k = c.ConstantOf(n.Inputs[side]);
            var x = n.Inputs[1 - side];
            if (k is null || x is null || k.Type == DataType.String) continue;
            if (!x.Type.Equals(y.Type) || !y.Type.HasRank) continue;
            if (k.ToDoubleArray().All(v => v == neutral)) return Forward(n, c, x);
        }
        return false;
    }

    private static bool TransposeTranspose(Node n, RewriteContext c)
    {
        if (!Is(n, "Transpose") || RewriteContext.Producer(n.Inputs[0], "Transpose") is not { } inner) return false;
        int rank = n.Inputs[0]!.Type.Rank;
        if (rank < 0) return false;
        var p1 = Perm(inner, rank);
        var p2 = Perm(n, rank);
        var combined = p2.Select(i => p1[i]).ToArray();
        var x = inner.Inputs[0]!;
        if (combined.Select((p, i) => p == i).All(b => b)) return Forward(n, c, x);
        var t = c.InsertBefore(n, "Transpose", [x], 1, ("perm", combined));
        return Forward(n, c, t.Outputs[0]);
    }

    private static long[] Perm(Node t, int rank) =>
        t.Attributes.GetIntsOrNull("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();

    private static bool ReshapeReshape(Node n, RewriteContext c)
    {
        if (!Is(n, "Reshape") || RewriteContext.Producer(n.Inputs[0], "Reshape") is not { } inner) return false;
        // The outer shape may copy dims (0) from the intermediate: only fold when it has none.
        if (c.ConstantOf(n.Inputs[1]) is not { } shape || shape.ToInt64Array().Contains(0)) return false;
        var r = c.InsertBefore(n, "Reshape", [inner.Inputs[0], n.Inputs[1]]);
        return Forward(n, c, r.Outputs[0]);
    }

    private static bool UnsqueezeSqueeze(Node n, RewriteContext c)
    {
        if (!Is(n, "Squeeze") || RewriteContext.Producer(n.Inputs[0], "Unsqueeze") is not { } inner) return false;
        var a = c.ConstantOf(n.Input(1))?.ToInt64Array();
        var b = c.ConstantOf(inner.Input(1))?.ToInt64Array();
        int rank = n.Inputs[0]!.Type.Rank;
        if (a is null || b is null || rank < 0) return false;
        var na = a.Select(x => x < 0 ? x + rank : x).Order();
        var nb = b.Select(x => x < 0 ? x + rank : x).Order();
        return na.SequenceEqual(nb) && Forward(n, c, inner.Inputs[0]);
    }
}
