using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// What a <see cref="GradientRule"/> sees: the forward node, the gradients flowing into its outputs,
/// which inputs need a gradient, and a builder that appends backward nodes (types inferred as they are
/// added). The rule reports input gradients through <see cref="SetGrad"/>.
/// </summary>
public sealed class GradientContext
{
    private readonly Value?[] _outputGrads;
    private readonly bool[] _needs;
    private readonly Value?[] _inputGrads;

    public GradientContext(GraphBuilder builder, Node node, IReadOnlyList<Value?> outputGrads, IReadOnlyList<bool> needsGrad)
    {
        Builder = builder;
        Node = node;
        _outputGrads = outputGrads.ToArray();
        _needs = needsGrad.ToArray();
        _inputGrads = new Value?[node.Inputs.Count];
    }

    public GraphBuilder Builder { get; }

    public Node Node { get; }

    public AttributeMap Attributes => Node.Attributes;

    public int InputCount => Node.Inputs.Count;

    public int OutputCount => Node.Outputs.Count;

    /// <summary>Forward input i (fails when the optional input is absent).</summary>
    public Value X(int i) => Node.Input(i) ?? throw Fail($"input {i} is absent");

    public bool HasX(int i) => Node.Input(i) is not null;

    /// <summary>Forward output i (fails when the output was not requested).</summary>
    public Value Y(int i) => Node.Output(i) ?? throw Fail($"output {i} is absent");

    /// <summary>The gradient flowing into output i, or null when nothing downstream depends on it.</summary>
    public Value? dY(int i) => i < _outputGrads.Length ? _outputGrads[i] : null;

    /// <summary>The gradient of output i, or zeros of its shape when none flows in (multi-output rules).</summary>
    public Value dYOrZeros(int i) => dY(i) ?? Builder.ZerosLike(Y(i));

    public bool NeedsGrad(int i) => i < _needs.Length && _needs[i];

    /// <summary>Hands the gradient of input i back to autodiff (ignored when that input needs none).</summary>
    public void SetGrad(int i, Value grad)
    {
        if (!NeedsGrad(i)) return;
        var x = X(i);
        if (x.Type.IsStatic && grad.Type.IsStatic && !x.Type.StaticShape().AsSpan().SequenceEqual(grad.Type.StaticShape()))
            throw Fail($"gradient rule produced {grad.Type.ShapeText} for input {i} '{x.Name}' of shape {x.Type.ShapeText}");
        if (x.Type.Elem != DataType.Undefined && grad.Type.Elem != DataType.Undefined && x.Type.Elem != grad.Type.Elem)
            throw Fail($"gradient rule produced {DataTypes.ShortName(grad.Type.Elem)} for input {i} '{x.Name}' of type {DataTypes.ShortName(x.Type.Elem)}");
        _inputGrads[i] = grad;
    }

    /// <summary>The gradients the rule set (null where none).</summary>
    public IReadOnlyList<Value?> InputGrads => _inputGrads;

    /// <summary>Compile-time data of a value (initializer or Constant), else null.</summary>
    public Tensor? ConstantOf(Value v) => TypePropagation.ConstantOf(v);

    public Value Op(string opType, params Value?[] inputs) => Builder.Op(opType, inputs);

    public Value Op(string opType, Value?[] inputs, params (string Name, object Value)[] attrs) => Builder.Op(opType, inputs, attrs);

    public Value[] OpN(string opType, int outputs, Value?[] inputs, params (string Name, object Value)[] attrs) => Builder.OpN(opType, outputs, inputs, attrs);

    /// <summary>A rank-0 constant of element type <paramref name="like"/>.</summary>
    public Value Const(double v, DataType like) => Builder.Const(v, like);

    public Value Const(Tensor t) => Builder.Const(t);

    /// <summary>A rank-0 constant with <paramref name="like"/>'s element type.</summary>
    public Value ConstLike(double v, Value like) => Builder.ConstLike(v, like);

    public Value Ints(params long[] values) => Builder.Ints(values);

    public Value ReduceToShape(Value grad, Value like) => Builder.ReduceToShape(grad, like);

    public Value ShapeOf(Value v) => Builder.ShapeOf(v);

    public Value ZerosLike(Value v) => Builder.ZerosLike(v);

    public Value Cast(Value v, DataType to) => Builder.Cast(v, to);

    /// <summary>A bool mask as 0/1 in <paramref name="like"/>'s element type.</summary>
    public Value Mask(Value condition, Value like) => Builder.Cast(condition, like.Type.Elem);

    public Value ExpandTo(Value v, Value like) => Builder.ExpandTo(v, like);

    public EngineException Fail(string message) => new($"autodiff: node '{Node.Name}' ({Node.OpType}): {message}");
}
