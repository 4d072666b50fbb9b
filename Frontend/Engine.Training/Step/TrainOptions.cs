namespace Engine.Training;

/// <summary>Gradient transforms and per-parameter groups of a train step.</summary>
public sealed record TrainOptions
{
    public IReadOnlyList<ParamGroup> Groups { get; init; } = [];

    /// <summary>Clip every gradient element to [−v, v] (ONNX Clip) before the update.</summary>
    public float? ClipValue { get; init; }

    /// <summary>Scale all gradients together so their global L2 norm is at most this (ai.engine::ClipByGlobalNorm).</summary>
    public float? ClipNorm { get; init; }
}
