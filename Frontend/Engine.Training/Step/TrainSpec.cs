using Engine.Graph;

namespace Engine.Training;

/// <summary>
/// What a model hands to the train step: a forward graph computing a scalar loss from its inputs
/// (the batch) and its initializers (weights). <see cref="TrainStepGraph.Build"/> consumes the graph.
/// </summary>
public sealed class TrainSpec
{
    public required Graph.Graph Graph { get; init; }

    public required Value Loss { get; init; }

    /// <summary>The trainable initializers; null = every float initializer not frozen and not a buffer.</summary>
    public IReadOnlyList<Value>? Parameters { get; init; }

    /// <summary>Initializer names never trained (they stay constants of the step graph).</summary>
    public IReadOnlySet<string> Frozen { get; init; } = new HashSet<string>();

    /// <summary>Forward values the step also returns (e.g. logits for metrics), under their own names.</summary>
    public IReadOnlyList<Value> ExtraOutputs { get; init; } = [];

    /// <summary>
    /// Non-trained state the forward pass updates (BatchNormalization's running statistics in
    /// training mode): the initializer and the value that replaces it after each step.
    /// </summary>
    public IReadOnlyList<(Value State, Value Updated)> Buffers { get; init; } = [];
}
