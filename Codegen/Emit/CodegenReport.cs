namespace Engine.Codegen;

/// <summary>A node the backend ran through its op's reference kernel instead of generated code.</summary>
public sealed record FallbackEntry(string NodeName, string Op, string Reason);

/// <summary>What became of one node.</summary>
public enum NodeOutcome
{
    /// <summary>Generated code (a lowering, a fused loop, an anchor with its epilogue).</summary>
    Lowered,
    /// <summary>No code: a view of its input, or written in place by its producers (memory plan).</summary>
    Elided,
    /// <summary>The op's reference kernel (allocates; see <see cref="FallbackEntry.Reason"/>).</summary>
    Fallback,
}

/// <summary>One node (top-level or inside a Fused body) and how it was compiled.</summary>
public sealed record NodeReport(string NodeName, string Op, NodeOutcome Outcome, string Detail);

/// <summary>What the emitter did: generated code vs reference-kernel fallbacks, and the memory plan's numbers.</summary>
public sealed class CodegenReport
{
    public List<NodeReport> Nodes { get; } = new();

    public List<string> InlinedNodes { get; } = new();

    public List<FallbackEntry> Fallbacks { get; } = new();

    /// <summary>The vector path the loops were written for.</summary>
    public VectorPath Vector { get; internal set; }

    /// <summary>Bytes of the planned arena holding every intermediate value.</summary>
    public long ArenaBytes { get; internal set; }

    /// <summary>Bytes of per-node scratch reserved after the arena (the largest node's request).</summary>
    public long ScratchBytes { get; internal set; }

    /// <summary>Max over time of the bytes of intermediates live at once: no arena can be smaller.</summary>
    public long LowerBoundBytes { get; internal set; }

    public string Plan { get; internal set; } = "";

    public double ArenaRatio => LowerBoundBytes == 0 ? 1.0 : (double)ArenaBytes / LowerBoundBytes;

    internal void Add(string node, string op, NodeOutcome outcome, string detail)
    {
        Nodes.Add(new NodeReport(node, op, outcome, detail));
        if (outcome == NodeOutcome.Lowered) InlinedNodes.Add(node);
        if (outcome == NodeOutcome.Fallback) Fallbacks.Add(new FallbackEntry(node, op, detail));
    }

    public override string ToString() =>
        $"{InlinedNodes.Count} node(s) as generated code ({Vector}), {Fallbacks.Count} reference-kernel fallback(s)" +
        (Fallbacks.Count == 0 ? "" : ": " + string.Join(", ", Fallbacks.GroupBy(f => f.Op).Select(g => $"{g.Key}×{g.Count()}")));
}
