using Engine.Graph;

namespace Engine.Passes;

/// <summary>
/// Decides the fusion groups of one graph from the ops' <see cref="FusionKind"/> (TVM's OpPatternKind):
/// 1. an OutEWiseFusable op (Conv, Gemm, MatMul…) takes the chain of elementwise ops that follows it
///    while each link has a single use (bias Add, activation, residual Add, Clip) → "&lt;op&gt;-epilogue";
/// 2. a CommReduce op takes the tree of elementwise ops feeding its reduced input when each of their
///    results feeds only that tree → "reduce-prologue";
/// 3. the remaining ElemWise/Broadcast ops join into DAGs → "elementwise"; a value read outside the
///    group, a graph output or a pinned value stays an output of the group, and fusion never crosses
///    a pinned value.
/// Injective ops (Reshape, Transpose…) and Opaque ops are not fused.
/// </summary>
internal sealed class FusionPlanner
{
    public const string Elementwise = "elementwise";
    public const string ReducePrologue = "reduce-prologue";

    private readonly Graph.Graph _graph;
    private readonly PassContext _context;
    private readonly HashSet<Value> _observed;

    public FusionPlanner(Graph.Graph graph, PassContext context)
    {
        _graph = graph;
        _context = context;
        Partition = new FusionPartition(graph);
        _observed = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        CollectObserved(graph);
    }

    public FusionPartition Partition { get; }

    /// <summary>Graph outputs, also of nested subgraphs that return one of our values directly.</summary>
    private void CollectObserved(Graph.Graph g)
    {
        _observed.UnionWith(g.Outputs);
        foreach (var n in g.Nodes) foreach (var s in n.Subgraphs) CollectObserved(s);
    }

    /// <summary>The value must stay visible outside any group: a graph output or pinned by the user.</summary>
    public bool MustStayVisible(Value v) => _observed.Contains(v) || _context.PinnedValues.Contains(v.Name);

    /// <summary>Pure, kernel-backed, without subgraphs: its copy can run inside a body.</summary>
    private static bool CanGoInBody(Node n) =>
        n.Schema.IsPure && n.Schema.Kernel is not null && !n.Subgraphs.Any() && n.Outputs.Count > 0;

    private static bool IsElementwise(Node n) => n.Schema.Fusion is FusionKind.ElemWise or FusionKind.Broadcast && CanGoInBody(n);

    /// <summary>A node of this graph still alone, of elementwise kind, with one output.</summary>
    private bool FreeElementwise(Node? n) =>
        n is not null && ReferenceEquals(n.Owner, _graph) && IsElementwise(n) && Partition.Of(n).IsSingle
        && n.Outputs.Count == 1 && n.Outputs[0] is not null;

    /// <summary>Read by exactly one node and not observable otherwise: it may become internal to a group.</summary>
    private bool SingleInternalUse(Value v) => v.Users.Count == 1 && !MustStayVisible(v);

    public IEnumerable<FusionGroup> Plan()
    {
        var nodes = _graph.Nodes.ToArray();
        foreach (var n in nodes)
        {
            if (n.Schema.Fusion == FusionKind.OutEWiseFusable && CanGoInBody(n)) GrowEpilogue(n);
        }
        foreach (var n in nodes)
        {
            if (n.Schema.Fusion == FusionKind.CommReduce && CanGoInBody(n)) GrowPrologue(n);
        }
        foreach (var n in nodes)
        {
            if (IsElementwise(n)) JoinElementwise(n);
        }
        return Partition.Groups.Where(g => !g.IsSingle && g.Kind is not null).OrderBy(g => g.Max);
    }

    private void GrowEpilogue(Node anchor)
    {
        if (!Partition.Of(anchor).IsSingle || anchor.Outputs.Count != 1 || anchor.Outputs[0] is not { } anchorOut) return;
        var group = Partition.Of(anchor);
        var kind = anchor.OpType.ToLowerInvariant() + "-epilogue";
        var tail = anchorOut;
        while (SingleInternalUse(tail))
        {
            var user = tail.Users[0];
            // The epilogue computes per element of the anchor's result: an op that broadcasts it wider is not one.
            if (!FreeElementwise(user) || !SameShape(user.Outputs[0]!.Type, anchorOut.Type)) break;
            if (Partition.TryMerge(group, Partition.Of(user), kind) is not { } merged) break;
            group = merged;
            tail = user.Outputs[0]!;
        }
    }

    private static bool SameShape(TensorType a, TensorType b) =>
        a.Dims is { } x && b.Dims is { } y && x.AsSpan().SequenceEqual(y) && x.All(d => d.IsKnown || d.IsSymbolic);

    private void GrowPrologue(Node reduce)
    {
        if (!Partition.Of(reduce).IsSingle || reduce.Inputs.Count == 0 || reduce.Inputs[0] is not { } data) return;
        if (!SingleInternalUse(data) || !FreeElementwise(data.Producer)) return;
        var group = Partition.Of(reduce);
        var work = new Stack<Node>();
        work.Push(data.Producer!);
        while (work.Count > 0)
        {
            var p = work.Pop();
            if (!FreeElementwise(p) || Partition.TryMerge(group, Partition.Of(p), ReducePrologue) is not { } merged) continue;
            group = merged;
            foreach (var v in p.Inputs.Distinct())
            {
                if (v is not null && SingleInternalUse(v) && FreeElementwise(v.Producer)) work.Push(v.Producer!);
            }
        }
    }

    private void JoinElementwise(Node n)
    {
        foreach (var v in n.Inputs.Distinct())
        {
            if (v?.Producer is not { } p || !ReferenceEquals(p.Owner, _graph) || !IsElementwise(p)) continue;
            if (_context.PinnedValues.Contains(v.Name)) continue;
            var mine = Partition.Of(n);
            var theirs = Partition.Of(p);
            if (!IsElementwiseGroup(mine) || !IsElementwiseGroup(theirs)) continue;
            Partition.TryMerge(mine, theirs, Elementwise);
        }
    }

    private static bool IsElementwiseGroup(FusionGroup g) => g.Kind == Elementwise || (g.IsSingle && g.Kind is null);
}
