namespace Engine.Codegen;

/// <summary>A node the backend ran through its op's reference kernel instead of generated code.</summary>
public sealed record FallbackEntry(string NodeName, string Op, string Reason);

/// <summary>What the emitter did with each node: generated loops vs reference-kernel fallbacks.</summary>
public sealed class CodegenReport
{
    public List<string> InlinedNodes { get; } = new();

    public List<FallbackEntry> Fallbacks { get; } = new();

    /// <summary>The vector path the loops were written for.</summary>
    public VectorPath Vector { get; internal set; }

    public override string ToString() =>
        $"{InlinedNodes.Count} node(s) as generated loops ({Vector}), {Fallbacks.Count} reference-kernel fallback(s)" +
        (Fallbacks.Count == 0 ? "" : ": " + string.Join(", ", Fallbacks.GroupBy(f => f.Op).Select(g => $"{g.Key}×{g.Count()}")));
}
