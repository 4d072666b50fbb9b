namespace Engine.Training;

/// <summary>
/// Hyperparameters shared by some parameters: an lr multiplier (discriminative fine-tuning), the
/// update op's weight_decay (coupled L2, or decoupled for AdamW) and L1/L2 penalties added to the
/// gradient by an ai.engine::WeightPenalty node. The first group whose predicate accepts a
/// parameter's name wins; parameters no group accepts use the defaults (scale 1, no penalties).
/// </summary>
public sealed record ParamGroup(string Name, Func<string, bool> Contains)
{
    public double LrScale { get; init; } = 1;

    /// <summary>Overrides the optimizer's weight_decay attribute for this group.</summary>
    public float? WeightDecay { get; init; }

    public float L1 { get; init; }

    public float L2 { get; init; }

    /// <summary>Parameters whose names start with <paramref name="prefix"/>.</summary>
    public static ParamGroup Prefix(string prefix) => new(prefix, n => n.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>
    /// ULMFiT's discriminative fine-tuning: layers listed from the output backwards get lr, lr/factor,
    /// lr/factor², … (Howard &amp; Ruder use factor 2.6).
    /// </summary>
    public static IReadOnlyList<ParamGroup> Discriminative(IReadOnlyList<string> prefixesFromTop, double factor = 2.6) =>
        prefixesFromTop.Select((p, k) => Prefix(p) with { LrScale = Math.Pow(factor, -k) }).ToArray();
}
