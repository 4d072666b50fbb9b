using Engine.Graph;

namespace Engine.Passes;

/// <summary>
/// Groups the optimized graph into ai.engine::Fused nodes (see <see cref="FusionPlanner"/> for the
/// rules), the units the code generator lowers one by one. Runs last at level 3; subgraphs are
/// fused too.
/// </summary>
public sealed class OperatorFusion : IPass
{
    public string Name => "operator-fusion";

    public int Level => 3;

    public bool Run(Graph.Graph graph, PassContext context) => Fuse(graph, context) > 0;

    public static bool IsFused(Node n) => n.Domain == OpRegistry.EngineDomain && n.OpType == "Fused";

    /// <summary>Returns how many Fused nodes were created.</summary>
    public static int Fuse(Graph.Graph graph, PassContext context)
    {
        int created = 0;
        foreach (var n in graph.Nodes.ToArray())
        {
            // A Fused body is one group already; fusing inside it again would nest groups.
            if (IsFused(n)) continue;
            foreach (var sub in n.Subgraphs) created += Fuse(sub, context);
        }
        var planner = new FusionPlanner(graph, context);
        var partition = planner.Partition;
        var groups = planner.Plan().Select(g => (Nodes: g.Nodes.OrderBy(partition.IndexOf).ToList(), g.Kind!)).ToList();
        foreach (var (nodes, kind) in groups)
        {
            FusedNodeBuilder.Build(graph, nodes, kind, planner.MustStayVisible);
            created++;
        }
        if (created > 0)
        {
            graph.TopologicalSort();
            // Constants copied into bodies may have no reader left outside.
            DeadCodeElimination.RemoveDead(graph, context);
        }
        return created;
    }
}
