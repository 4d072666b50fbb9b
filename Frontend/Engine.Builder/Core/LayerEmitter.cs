using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// What a layer sees while it writes its nodes: the graph, the mode, its parameters as values, and
/// node builders that run each op's registry inference at once, so a wrong shape fails here with the
/// layer's name instead of later in a pass or at run time.
/// </summary>
public sealed class LayerEmitter
{
    private readonly Func<Parameter, Value> _parameterValue;
    private readonly Action<Parameter, Value> _stateUpdate;
    private int _nodeCounter;
    private int _constCounter;

    internal LayerEmitter(Graph.Graph graph, BuildMode mode, int seed, Func<Parameter, Value> parameterValue, Action<Parameter, Value> stateUpdate)
    {
        Graph = graph;
        Mode = mode;
        Seed = seed;
        _parameterValue = parameterValue;
        _stateUpdate = stateUpdate;
    }

    public Graph.Graph Graph { get; }

    public BuildMode Mode { get; }

    public bool Training => Mode == BuildMode.Training;

    /// <summary>The model seed: layers derive per-node seeds (Dropout) from it and their names.</summary>
    public int Seed { get; }

    internal Layer Layer { get; set; } = null!;

    internal string Scope { get; set; } = "";

    /// <summary>The value holding a parameter of the current layer (an initializer, or a graph input when probing shapes).</summary>
    public Value Param(Parameter p) => _parameterValue(p);

    /// <summary>Training only: the buffer <paramref name="p"/> takes <paramref name="next"/> after the step (BatchNorm running stats).</summary>
    public void UpdateState(Parameter p, Value next) => _stateUpdate(p, next);

    public Value Op(string opType, params Value?[] inputs) => OpN("", opType, 1, inputs)[0];

    public Value Op(string opType, Value?[] inputs, params (string Name, object Value)[] attributes) =>
        OpN("", opType, 1, inputs, attributes)[0];

    public Value[] OpN(string opType, int outputs, Value?[] inputs, params (string Name, object Value)[] attributes) =>
        OpN("", opType, outputs, inputs, attributes);

    /// <summary>Appends one node of a registered op and infers its output types.</summary>
    public Value[] OpN(string domain, string opType, int outputs, Value?[] inputs, params (string Name, object Value)[] attributes)
    {
        if (!OpRegistry.Default.TryGet(domain, opType, out var schema))
            throw BuildException.For(Layer, $"op {opType} is not registered");
        string name = $"{Scope}/{opType}_{_nodeCounter++}";
        var node = NodeFactory.Create(schema, name, inputs, outputs, attributes);
        Graph.AddNode(node);
        try
        {
            TypePropagation.InferNode(node);
        }
        catch (EngineException e)
        {
            string shapes = string.Join(", ", inputs.Select(v => v?.Type.ToString() ?? "absent"));
            throw BuildException.For(Layer, $"{opType} cannot take inputs ({shapes}): {e.Message}");
        }
        return node.Outputs.Select(v => v!).ToArray();
    }

    /// <summary>A constant tensor (shape arguments, masks, encodings) as an initializer.</summary>
    public Value Const(Tensor t) => Graph.AddInitializer($"{Scope}/const_{_constCounter++}", t);

    public Value Int64s(params long[] values) => Const(Tensor.FromArray(values, values.Length));

    public Value Scalar(float value) => Const(Tensor.Scalar(value));

    /// <summary>Static dims of a value (the batch reads as -1).</summary>
    public static long[] ShapeOf(Value v) =>
        v.Type.Dims?.Select(d => d.IsKnown ? d.Value : -1).ToArray() ?? throw new BuildException($"value '{v.Name}' has unknown rank");
}
