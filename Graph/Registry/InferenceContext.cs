using Engine.Runtime;

namespace Engine.Graph;

/// <summary>Shape and type inference for one op: reads input types, writes output types.</summary>
public delegate void TypeInference(InferenceContext ctx);

/// <summary>What an op's inference rule may look at, and where it puts its answer.</summary>
public sealed class InferenceContext
{
    private readonly Func<Value, Tensor?> _constantOf;

    public InferenceContext(Node node, Func<Value, Tensor?> constantOf)
    {
        Node = node;
        _constantOf = constantOf;
        Outputs = new TensorType?[node.Outputs.Count];
    }

    public Node Node { get; }

    public AttributeMap Attributes => Node.Attributes;

    public int InputCount => Node.Inputs.Count;

    public int OutputCount => Node.Outputs.Count;

    public TensorType?[] Outputs { get; }

    public bool HasInput(int i) => Node.Input(i) is not null;

    /// <summary>The type of input i, or null when the optional input is absent.</summary>
    public TensorType? Input(int i) => Node.Input(i)?.Type;

    /// <summary>The type of input i; fails when absent.</summary>
    public TensorType Required(int i) => Input(i) ?? throw Fail($"input {i} is required");

    /// <summary>The data of input i when it is known at compile time (initializer or folded constant).</summary>
    public Tensor? ConstantInput(int i) => Node.Input(i) is { } v ? _constantOf(v) : null;

    public void SetOutput(int i, TensorType t)
    {
        if (i < Outputs.Length) Outputs[i] = t;
    }

    public void SetOutput(int i, DataType elem, Dim[]? dims) => SetOutput(i, new TensorType(elem, dims));

    public EngineException Fail(string message) => new($"node '{Node.Name}' ({Node.OpType}): {message}");
}
