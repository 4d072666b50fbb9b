using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// Replaces a group of nodes by one ai.engine::Fused node whose body holds copies of them. The
/// group's result values move to the Fused node unchanged (same objects, names and readers), so graph
/// outputs, pinned values and readers outside the group see no difference.
/// </summary>
internal static class FusedNodeBuilder
{
    /// <summary>Constants up to this many elements (scalars, axes, shapes) are copied into the body, so
    /// its ops see them as constants; larger ones (weights) stay inputs of the Fused node.</summary>
    public const int MaxEmbeddedElements = 8;

    public static Node Build(Graph.Graph graph, IReadOnlyList<Node> members, string kind, Func<Value, bool> mustStayVisible)
    {
        var memberSet = new HashSet<Node>(members, ReferenceEqualityComparer.Instance);
        var body = new Graph.Graph(NodeFactory.FreshName("fused_" + kind)) { Parent = graph };
        var map = new Dictionary<Value, Value>(ReferenceEqualityComparer.Instance);
        var inputs = new List<Value>();
        foreach (var m in members)
        {
            var copy = new Node(m.Schema, m.Name);
            foreach (var (k, v) in m.Attributes.Explicit) copy.Attributes.Set(k, v);
            foreach (var v in m.Inputs)
            {
                if (v is null)
                {
                    copy.AddInput(null);
                    continue;
                }
                if (!map.TryGetValue(v, out var inner))
                {
                    // Members come in topological order, so a value not mapped yet is defined outside the group.
                    if (SmallConstant(graph, v) is { } data) inner = body.AddInitializer(v.Name, data);
                    else
                    {
                        inner = body.AddInput(v.Name, v.Type);
                        inputs.Add(v);
                    }
                    map[v] = inner;
                }
                copy.AddInput(inner);
            }
            foreach (var o in m.Outputs)
            {
                if (o is null) copy.AddAbsentOutput();
                else map[o] = copy.AddOutput(new Value(o.Name, o.Type));
            }
            body.AddNode(copy);
        }

        var outputs = members.SelectMany(m => m.Outputs).OfType<Value>()
            .Where(o => mustStayVisible(o) || o.Users.Any(u => !memberSet.Contains(u))).ToList();
        if (outputs.Count == 0) throw new EngineException($"fusion group of '{members[^1].Name}' has no result anybody reads");
        foreach (var o in outputs) body.Outputs.Add(map[o]);

        var fused = new Node(OpRegistry.Default.Get(OpRegistry.EngineDomain, "Fused"), NodeFactory.FreshName("fused_" + members[^1].Name));
        fused.Attributes.Set("body", body);
        fused.Attributes.Set("kind", kind);
        foreach (var v in inputs) fused.AddInput(v);
        int at = graph.IndexOf(members[^1]) - (members.Count - 1);
        foreach (var m in members) graph.RemoveNode(m);
        foreach (var o in outputs) fused.AddOutput(o);
        graph.InsertNode(at, fused);
        return fused;
    }

    /// <summary>Initializer data of a small, non-overridable constant visible from <paramref name="graph"/>.</summary>
    private static Tensor? SmallConstant(Graph.Graph graph, Value v)
    {
        if (v.Producer is not null) return null;
        for (var g = graph; g is not null; g = g.Parent)
        {
            if (g.InitializerData(v) is { } t)
                return !g.Inputs.Contains(v) && t.Length <= MaxEmbeddedElements ? t : null;
            if (g.Inputs.Contains(v)) return null;
        }
        return null;
    }
}
