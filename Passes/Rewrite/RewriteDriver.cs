using Engine.Graph;

namespace Engine.Passes;

/// <summary>
/// Applies a rule set to a fixpoint: sweeps the nodes in order, tries each rule at each node,
/// removes what became dead, and repeats until a sweep changes nothing.
/// </summary>
public static class RewriteDriver
{
    public const int MaxSweeps = 64;

    /// <summary>Returns how many rewrites were applied.</summary>
    public static int Apply(Graph.Graph graph, RuleSet rules, PassContext pass)
    {
        int total = 0;
        foreach (var n in graph.Nodes.ToArray())
        {
            foreach (var sub in n.Subgraphs) total += Apply(sub, rules, pass);
        }
        var ctx = new RewriteContext(graph, pass);
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            int applied = 0;
            foreach (var node in graph.Nodes.ToArray())
            {
                if (node.Owner != graph) continue;
                foreach (var rule in rules.Rules)
                {
                    if (rule.TryApply(node, ctx))
                    {
                        applied++;
                        break;
                    }
                }
            }
            if (applied == 0) break;
            total += applied;
            DeadCodeElimination.RemoveDead(graph, pass);
            graph.TopologicalSort();
        }
        return total;
    }
}
