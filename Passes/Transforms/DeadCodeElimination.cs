using Engine.Graph;

namespace Engine.Passes;

/// <summary>Removes pure nodes whose outputs nobody reads, and initializers nobody reads.</summary>
public sealed class DeadCodeElimination : IPass
{
    public string Name => "dead-code-elimination";

    public int Level => 1;

    public bool Run(Graph.Graph graph, PassContext context) => RemoveDead(graph, context) > 0;

    public static int RemoveDead(Graph.Graph graph, PassContext context)
    {
        int removed = 0;
        var outputs = new HashSet<Value>(graph.Outputs);
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var n = graph.Nodes[i];
            foreach (var sub in n.Subgraphs) removed += RemoveDead(sub, context);
            if (!n.Schema.IsPure) continue;
            bool live = n.Outputs.Any(o => o is not null && (o.Users.Count > 0 || outputs.Contains(o) || context.PinnedValues.Contains(o.Name)));
            if (live) continue;
            graph.RemoveNode(n);
            removed++;
        }
        foreach (var v in graph.InitializerValues.ToArray())
        {
            if (v.Users.Count == 0 && !outputs.Contains(v) && !graph.Inputs.Contains(v))
            {
                graph.RemoveInitializer(v);
                removed++;
            }
        }
        return removed;
    }
}
