using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// One op instance. Inputs may contain null for an absent optional input; outputs may contain null
/// for an optional output nobody asked for. Attributes fall back to the schema's defaults.
/// </summary>
public sealed class Node
{
    private readonly List<Value?> _inputs = new();
    private readonly List<Value?> _outputs = new();

    public Node(OpSchema schema, string name)
    {
        Schema = schema;
        Name = name;
        Attributes = new AttributeMap(schema.Defaults) { Owner = $"node '{name}' ({schema.Name})" };
    }

    public OpSchema Schema { get; private set; }

    public string OpType => Schema.Name;

    public string Domain => Schema.Domain;

    public string Name { get; set; }

    public AttributeMap Attributes { get; private set; }

    public IReadOnlyList<Value?> Inputs => _inputs;

    public IReadOnlyList<Value?> Outputs => _outputs;

    /// <summary>The graph that holds this node (set when added).</summary>
    public Graph? Owner { get; internal set; }

    public void AddInput(Value? v)
    {
        _inputs.Add(v);
        v?.Users.Add(this);
    }

    public void SetInput(int index, Value? v)
    {
        while (_inputs.Count <= index) _inputs.Add(null);
        var old = _inputs[index];
        old?.Users.Remove(this);
        _inputs[index] = v;
        v?.Users.Add(this);
    }

    /// <summary>Drops trailing null inputs so optional-input arity is canonical.</summary>
    public void TrimInputs()
    {
        while (_inputs.Count > 0 && _inputs[^1] is null) _inputs.RemoveAt(_inputs.Count - 1);
    }

    public void RemoveInput(int index)
    {
        _inputs[index]?.Users.Remove(this);
        _inputs.RemoveAt(index);
    }

    public void ClearInputs()
    {
        foreach (var v in _inputs) v?.Users.Remove(this);
        _inputs.Clear();
    }

    public Value AddOutput(Value v)
    {
        v.Producer = this;
        v.ProducerOutput = _outputs.Count;
        _outputs.Add(v);
        return v;
    }

    public void AddAbsentOutput() => _outputs.Add(null);

    public Value? Input(int i) => i < _inputs.Count ? _inputs[i] : null;

    public Value? Output(int i) => i < _outputs.Count ? _outputs[i] : null;

    /// <summary>Replaces the schema (e.g. an import rule mapping an old op to its modern form).</summary>
    public void Rebind(OpSchema schema)
    {
        Schema = schema;
        Attributes = Attributes.WithDefaults(schema.Defaults);
    }

    /// <summary>Subgraphs held in attributes (If branches, Loop/Scan bodies).</summary>
    public IEnumerable<Graph> Subgraphs =>
        Attributes.Explicit.Select(kv => kv.Value).OfType<Graph>();

    public override string ToString() => $"{OpType} '{Name}'";
}
