namespace Engine.Passes;

/// <summary>Options shared by the passes of one pipeline run.</summary>
public sealed class PassContext
{
    /// <summary>Passes skipped by name.</summary>
    public HashSet<string> Disabled { get; } = new(StringComparer.Ordinal);

    /// <summary>Run the verifier after every pass (debug builds and CI).</summary>
    public bool VerifyEachPass { get; init; } = true;

    /// <summary>When set, the IR text is written here after every pass (NN-passname.ir).</summary>
    public string? DumpDirectory { get; init; }

    /// <summary>
    /// Largest constant, in elements (16M = 64 MB of f32), that folding may create when it is larger than
    /// the node's inputs — so folding never explodes a model (e.g. ConstantOfShape of a huge shape).
    /// </summary>
    public long MaxFoldedElements { get; init; } = 1 << 24;

    /// <summary>Values the user asked to observe: no rewrite may remove or hide them.</summary>
    public HashSet<string> PinnedValues { get; } = new(StringComparer.Ordinal);

    /// <summary>Lets the nchwc-layout pass run (off by default: the code generator does not consume blocked layouts yet).</summary>
    public bool EnableBlockedLayout { get; init; }

    /// <summary>Channel block c of the NCHW{c}c layout: 8 or 16.</summary>
    public int BlockedLayoutWidth { get; init; } = 8;

    /// <summary>Called after every pass (bisection hooks in here).</summary>
    public Action<IPass, Graph.Graph>? AfterPass { get; init; }
}
