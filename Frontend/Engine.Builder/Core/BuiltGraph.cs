using Engine.Graph;

namespace Engine.Builder;

/// <summary>
/// A model lowered to the IR for one mode: the graph, which initializer holds which parameter, and in
/// training mode the buffers' next values (graph outputs a training step writes back).
/// </summary>
public sealed class BuiltGraph
{
    internal BuiltGraph(Graph.Graph graph, BuildMode mode, IReadOnlyDictionary<Parameter, Value> parameters, IReadOnlyList<(Parameter Buffer, Value Next)> stateUpdates)
    {
        Graph = graph;
        Mode = mode;
        Parameters = parameters;
        StateUpdates = stateUpdates;
    }

    public Graph.Graph Graph { get; }

    public BuildMode Mode { get; }

    /// <summary>Every parameter (weights and buffers) and the initializer holding it.</summary>
    public IReadOnlyDictionary<Parameter, Value> Parameters { get; }

    /// <summary>The initializers the optimizer updates (trainable weights), in a stable order.</summary>
    public IReadOnlyList<Value> TrainableValues => Parameters.Where(kv => kv.Key.IsTrainable).Select(kv => kv.Value).ToList();

    /// <summary>Training mode: buffers and the value each takes after a step.</summary>
    public IReadOnlyList<(Parameter Buffer, Value Next)> StateUpdates { get; }
}
