using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>The operations a rule may use to inspect and change the graph.</summary>
public sealed class RewriteContext
{
    public RewriteContext(Graph.Graph graph, PassContext pass)
    {
        Graph = graph;
        Pass = pass;
    }

    public Graph.Graph Graph { get; }

    public PassContext Pass { get; }

    public OpRegistry Registry => OpRegistry.Default;

    /// <summary>Constant data of a value (initializer or Constant node), else null.</summary>
    public Tensor? ConstantOf(Value? v) => v is null ? null : TypePropagation.ConstantOf(v) ?? Graph.InitializerData(v);

    /// <summary>The node producing <paramref name="v"/> when it is of op <paramref name="op"/> (default domain).</summary>
    public static Node? Producer(Value? v, string op) => v?.Producer is { } p && p.OpType == op && p.Domain == "" ? p : null;

    /// <summary>True when the value may be rewired or removed: not pinned by the user and not a graph output.</summary>
    public bool IsFree(Value v) => !Pass.PinnedValues.Contains(v.Name) && !Graph.Outputs.Contains(v);

    /// <summary>True when only one node reads the value and it is free.</summary>
    public bool HasSingleUse(Value v) => v.Users.Count == 1 && IsFree(v);

    /// <summary>Adds a constant initializer.</summary>
    public Value Constant(Tensor t, string hint) => Graph.AddInitializer(NodeFactory.FreshName(hint), t);

    /// <summary>Inserts a new node of the given op before <paramref name="anchor"/>; its outputs get inferred types.</summary>
    public Node InsertBefore(Node anchor, string op, IEnumerable<Value?> inputs, int outputs = 1, params (string, object)[] attributes)
    {
        var n = NodeFactory.Create(Registry.Get(op), NodeFactory.FreshName(op), inputs, outputs, attributes);
        Graph.InsertNode(Graph.IndexOf(anchor), n);
        TypePropagation.InferNode(n);
        return n;
    }

    /// <summary>
    /// Makes every reader of <paramref name="old"/> read <paramref name="replacement"/>. When old is a
    /// graph output the replacement takes over its name, so the model's interface is unchanged.
    /// </summary>
    public void Replace(Value old, Value replacement)
    {
        if (Graph.Outputs.Contains(old) && replacement.Producer?.Owner == Graph && !Graph.Outputs.Contains(replacement)
            && !Graph.Inputs.Contains(replacement))
        {
            replacement.Name = old.Name;
        }
        Graph.ReplaceAllUses(old, replacement);
    }

    /// <summary>True when replacing <paramref name="old"/> by <paramref name="replacement"/> keeps the graph's interface.</summary>
    public bool CanReplace(Value old, Value replacement)
    {
        if (Pass.PinnedValues.Contains(old.Name)) return false;
        if (!Graph.Outputs.Contains(old)) return true;
        // A graph output may only be replaced by a value we can rename: produced by a node, not an input/output already.
        // (and produced in this graph: a subgraph output may not become a value captured from outside).
        return replacement.Producer is { } p && p.Owner == Graph && !Graph.Outputs.Contains(replacement) && !Graph.Inputs.Contains(replacement);
    }
}
