using Engine.Graph;

namespace Engine.Builder;

/// <summary>
/// A reusable piece of a network. Calling it on symbolic tensors records a call and infers the output
/// types at once (so shape errors surface at build time); the first call creates its parameters, later
/// calls share them. <see cref="Emit"/> writes the layer's nodes; it is replayed for each graph mode.
/// </summary>
public abstract class Layer
{
    private readonly List<Parameter> _parameters = new();
    private readonly List<LayerCall> _calls = new();
    private readonly List<Layer> _children = new();
    private string? _name;
    private string? _localName;
    private Layer? _parent;

    protected Layer(string? name = null) => _name = name;

    /// <summary>Unique within a model; an unnamed layer gets "type_k" from the first model it joins.</summary>
    public string Name
    {
        get => _parent is not null ? $"{_parent.Name}.{_localName}" : _name ?? TypeName.ToLowerInvariant();
        set => _name = value;
    }

    internal bool HasName => _name is not null;

    /// <summary>The composite layer this one is part of (transformer blocks), or null.</summary>
    public Layer? Parent => _parent;

    /// <summary>Keras-style type name shown by the summary.</summary>
    public virtual string TypeName => GetType().Name;

    /// <summary>False freezes the layer: its weights are not given to the optimizer.</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>This layer's parameters and those of its sub-layers.</summary>
    public IReadOnlyList<Parameter> Parameters => _children.Count == 0 ? _parameters : _parameters.Concat(_children.SelectMany(c => c.Parameters)).ToList();

    public bool IsBuilt { get; private set; }

    /// <summary>The outputs of the layer's most recent call (transfer learning taps intermediate layers).</summary>
    public SymbolicTensor Output => _calls.Count > 0 ? _calls[^1].Outputs[0] : throw BuildException.For(this, "the layer has not been called yet");

    internal IReadOnlyList<LayerCall> Calls => _calls;

    /// <summary>How many tensors one call returns.</summary>
    public virtual int OutputCount => 1;

    /// <summary>Creates the parameters from the first call's input types; validates them.</summary>
    protected virtual void Build(IReadOnlyList<TensorType> inputs) { }

    /// <summary>Checks later calls' inputs against the built parameters (shared layers).</summary>
    protected virtual void CheckInputs(IReadOnlyList<TensorType> inputs) { }

    /// <summary>Writes the layer's nodes for one call.</summary>
    protected internal abstract Value[] Emit(LayerEmitter e, Value[] inputs);

    protected Parameter AddWeight(string name, int[] shape, IInitializer init, int fanIn, int fanOut) =>
        Add(new Parameter(this, name, shape, init, fanIn, fanOut, isBuffer: false));

    protected Parameter AddBuffer(string name, int[] shape, IInitializer init) =>
        Add(new Parameter(this, name, shape, init, 1, 1, isBuffer: true));

    private Parameter Add(Parameter p)
    {
        foreach (var d in p.Shape)
            if (d <= 0) throw BuildException.For(this, $"parameter '{p.LocalName}' would have shape [{string.Join(",", p.Shape)}]");
        _parameters.Add(p);
        return p;
    }

    /// <summary>Makes <paramref name="child"/> part of this composite layer (named "parent.local"); its parameters become ours.</summary>
    protected T Sub<T>(T child, string localName) where T : Layer
    {
        if (child._parent is not null || child._calls.Count > 0) throw BuildException.For(child, "already belongs to another layer or was called on its own");
        child._parent = this;
        child._localName = localName;
        _children.Add(child);
        return child;
    }

    /// <summary>Emits a sub-layer inside this layer's Emit, building it from the value types on first use.</summary>
    protected Value[] Apply(LayerEmitter e, Layer child, params Value[] inputs)
    {
        var types = inputs.Select(v => v.Type).ToArray();
        if (!child.IsBuilt)
        {
            child.Build(types);
            child.IsBuilt = true;
        }
        var (layer, scope) = (e.Layer, e.Scope);
        e.Layer = child;
        e.Scope = $"{scope}/{child._localName}";
        try
        {
            return child.Emit(e, inputs);
        }
        finally
        {
            (e.Layer, e.Scope) = (layer, scope);
        }
    }

    protected Value Apply1(LayerEmitter e, Layer child, params Value[] inputs) => Apply(e, child, inputs)[0];

    public SymbolicTensor Call(SymbolicTensor input) => CallMany(input)[0];

    public SymbolicTensor Call(params SymbolicTensor[] inputs) => CallMany(inputs)[0];

    /// <summary>Applies the layer to symbolic inputs and returns all of its outputs.</summary>
    public SymbolicTensor[] CallMany(params SymbolicTensor[] inputs)
    {
        if (inputs.Length == 0) throw BuildException.For(this, "called with no inputs");
        if (_parent is not null) throw BuildException.For(this, "is part of a composite layer and cannot be called on its own");
        var types = inputs.Select(t => t.Type).ToArray();
        if (!IsBuilt)
        {
            Build(types);
            IsBuilt = true;
        }
        else
        {
            CheckInputs(types);
        }
        var call = new LayerCall(this, inputs, _calls.Count);
        var outTypes = ShapeProbe.Infer(this, types);
        call.Outputs = outTypes.Select((t, i) => new SymbolicTensor(call, i, t, null)).ToArray();
        _calls.Add(call);
        return call.Outputs;
    }

    /// <summary>Shape text without the batch, e.g. "(N, 6, 28, 28)".</summary>
    internal static string ShapeText(TensorType t) =>
        t.Dims is null ? "(?)" : "(" + string.Join(", ", t.Dims.Select(d => d.ToString())) + ")";

    public override string ToString() => $"{Name} ({TypeName})";
}
