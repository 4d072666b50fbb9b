using Engine.Graph;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// A trainable classifier architecture: how to initialize its weights and how to build its forward
/// graph (input "x" [batch, …sample] → "logits" [batch, classes]) with given weights as initializers.
/// The same builder makes the training graph (training = true: Dropout/BatchNorm in training mode)
/// and the inference graph that is evaluated and exported.
/// </summary>
public interface IModelDefinition
{
    string Name { get; }

    /// <summary>Seeded initial weights by parameter name.</summary>
    Dictionary<string, Tensor> InitWeights(int[] sampleShape, int classes, Rng rng);

    ModelGraph Forward(Dim batch, int[] sampleShape, int classes, IReadOnlyDictionary<string, Tensor> weights, bool training);
}

/// <summary>
/// A forward graph, its input and its logits value. In training mode, <paramref name="Buffers"/> pairs each
/// state initializer (BatchNormalization running statistics) with the value it takes after a step, and
/// <paramref name="Frozen"/> names initializers that are not trained (transfer learning's frozen base).
/// </summary>
public sealed record ModelGraph(Graph.Graph Graph, Value Input, Value Logits,
    IReadOnlyList<(Value State, Value Updated)>? Buffers = null, IReadOnlySet<string>? Frozen = null);
