using Engine.Graph;

namespace Engine.Passes;

/// <summary>
/// A partition of one graph's nodes into fusion groups. Every node starts alone; <see cref="TryMerge"/>
/// joins two groups only when the result stays convex — no path leaves the merged group and comes
/// back through a third group — so the graph of groups stays acyclic and each group can become one node.
/// </summary>
internal sealed class FusionPartition
{
    private readonly Graph.Graph _graph;
    private readonly Dictionary<Node, int> _index = new();
    private readonly Dictionary<Node, FusionGroup> _groupOf = new();
    private readonly Dictionary<Graph.Graph, Node> _holder = new();

    public FusionPartition(Graph.Graph graph)
    {
        _graph = graph;
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var n = graph.Nodes[i];
            _index[n] = i;
            _groupOf[n] = new FusionGroup(n, i);
            foreach (var sub in n.Subgraphs) MapHolders(sub, n);
        }
    }

    /// <summary>Nodes of nested subgraphs read values of this graph as captures: they count as reads by the holding node.</summary>
    private void MapHolders(Graph.Graph sub, Node holder)
    {
        _holder[sub] = holder;
        foreach (var n in sub.Nodes) foreach (var s in n.Subgraphs) MapHolders(s, holder);
    }

    public int IndexOf(Node n) => _index[n];

    public FusionGroup Of(Node n) => _groupOf[n];

    public IEnumerable<FusionGroup> Groups => _groupOf.Values.Distinct();

    /// <summary>The node of this graph that reads a value through <paramref name="user"/> (itself, or the node holding its subgraph).</summary>
    public Node? Lift(Node user)
    {
        if (user.Owner is null) return null;
        if (ReferenceEquals(user.Owner, _graph)) return user;
        return _holder.GetValueOrDefault(user.Owner);
    }

    /// <summary>Joins <paramref name="a"/> and <paramref name="b"/> when convexity allows; returns the merged group or null.</summary>
    public FusionGroup? TryMerge(FusionGroup a, FusionGroup b, string kind)
    {
        if (ReferenceEquals(a, b)) return a;
        if (ReachesThroughThird(a, b) || ReachesThroughThird(b, a)) return null;
        var (keep, gone) = a.Nodes.Count >= b.Nodes.Count ? (a, b) : (b, a);
        foreach (var n in gone.Nodes)
        {
            keep.Add(n, _index[n]);
            _groupOf[n] = keep;
        }
        keep.Kind = kind;
        return keep;
    }

    private IEnumerable<FusionGroup> Successors(FusionGroup g)
    {
        foreach (var n in g.Nodes)
        {
            foreach (var o in n.Outputs)
            {
                if (o is null) continue;
                foreach (var u in o.Users)
                {
                    if (Lift(u) is { } l && _groupOf.TryGetValue(l, out var s) && !ReferenceEquals(s, g)) yield return s;
                }
            }
        }
    }

    /// <summary>True when some path from <paramref name="from"/> reaches <paramref name="to"/> through another group.</summary>
    private bool ReachesThroughThird(FusionGroup from, FusionGroup to)
    {
        var seen = new HashSet<FusionGroup>(ReferenceEqualityComparer.Instance) { from, to };
        var stack = new Stack<FusionGroup>();
        foreach (var s in Successors(from))
        {
            if (seen.Add(s)) stack.Push(s);
        }
        while (stack.Count > 0)
        {
            var g = stack.Pop();
            // Topological order: a group whose first node comes after the target's last cannot reach it.
            if (g.Min > to.Max) continue;
            foreach (var s in Successors(g))
            {
                if (ReferenceEquals(s, to)) return true;
                if (seen.Add(s)) stack.Push(s);
            }
        }
        return false;
    }
}

/// <summary>A set of nodes that will become one ai.engine::Fused node (or stay as it is when alone).</summary>
internal sealed class FusionGroup
{
    public FusionGroup(Node n, int index)
    {
        Nodes.Add(n);
        Min = Max = index;
    }

    public List<Node> Nodes { get; } = new();

    /// <summary>The Fused node's 'kind'; null while the group is a single node nobody merged with.</summary>
    public string? Kind { get; set; }

    /// <summary>Smallest and largest topological index among the nodes.</summary>
    public int Min { get; private set; }

    public int Max { get; private set; }

    public bool IsSingle => Nodes.Count == 1;

    public void Add(Node n, int index)
    {
        Nodes.Add(n);
        Min = Math.Min(Min, index);
        Max = Math.Max(Max, index);
    }
}
