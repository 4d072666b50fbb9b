namespace Engine.Graph;

/// <summary>
/// An SSA value: defined once (by a node output, a graph input or an initializer), used by any
/// number of nodes. Values are compared by reference; the name is for people and for ONNX.
/// </summary>
public sealed class Value
{
    public Value(string name, TensorType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; set; }

    public TensorType Type { get; set; }

    /// <summary>The node that defines this value, or null for graph inputs and initializers.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>Index among the producer's outputs.</summary>
    public int ProducerOutput { get; internal set; }

    /// <summary>Nodes that read this value (a node appears once per input slot that reads it).</summary>
    public List<Node> Users { get; } = new();

    public override string ToString() => $"%{Name}: {Type}";
}
