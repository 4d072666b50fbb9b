using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Rewrites a node imported from an older opset into the op's current (canonical) form, e.g.
/// Squeeze-11's 'axes' attribute becoming Squeeze-13's second input. An op lists its rules with
/// the opset version that introduced the change; the importer applies, in order, every rule
/// whose version is above the model's opset — a chain of upgrades, as ONNX's version converter.
/// </summary>
public delegate void ImportRule(ImportRuleContext ctx);

public sealed record VersionedImportRule(int IntroducedIn, ImportRule Rule, string Description);

public sealed class ImportRuleContext
{
    private readonly Func<Tensor, string, Value> _addConstant;
    private readonly Action<Node> _emitBefore;

    public ImportRuleContext(Node node, long opset, OpRegistry registry, Func<Tensor, string, Value> addConstant, Action<Node> emitBefore)
    {
        Node = node;
        Opset = opset;
        Registry = registry;
        _addConstant = addConstant;
        _emitBefore = emitBefore;
    }

    public Node Node { get; }

    /// <summary>The opset version of the node's domain in the source model.</summary>
    public long Opset { get; }

    public OpRegistry Registry { get; }

    /// <summary>Adds a constant (initializer) value to the graph being imported.</summary>
    public Value Constant(Tensor t, string hint) => _addConstant(t, hint);

    /// <summary>Inserts a node that runs before the node being rewritten.</summary>
    public void EmitBefore(Node n) => _emitBefore(n);

    public EngineException Fail(string message) => new($"node '{Node.Name}' ({Node.OpType}, opset {Opset}): {message}");

    /// <summary>
    /// Moves an int/ints/float attribute into input slot <paramref name="inputIndex"/> as a constant
    /// tensor (the common shape of opset upgrades). Does nothing when the attribute is absent.
    /// </summary>
    public void MoveAttributeToInput(string attribute, int inputIndex, DataType type)
    {
        if (!Node.Attributes.HasExplicit(attribute)) return;
        var raw = Node.Attributes.Get(attribute)!;
        Tensor t = (raw, type) switch
        {
            (long[] a, DataType.Int64) => Tensor.FromArray(a, a.Length),
            (long l, DataType.Int64) => Tensor.Scalar(l),
            (float f, DataType.Float) => Tensor.Scalar(f),
            (float[] a, DataType.Float) => Tensor.FromArray(a, a.Length),
            _ => throw Fail($"cannot move attribute '{attribute}' to an input of type {type}"),
        };
        Node.Attributes.Remove(attribute);
        Node.SetInput(inputIndex, Constant(t, Node.Name + "_" + attribute));
    }
}
