using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// A network defined in the functional style: layers called on symbolic tensors from <see cref="Input"/>
/// to the outputs (several inputs/outputs, shared layers). <see cref="ToGraph"/> lowers it to the IR
/// for inference or training; <see cref="Summary"/> prints layers, output shapes and parameter counts.
/// </summary>
public class Model
{
    private SymbolicTensor[] _inputs;
    private SymbolicTensor[] _outputs;
    private List<LayerCall> _calls = new();

    public Model(SymbolicTensor[] inputs, SymbolicTensor[] outputs, string name = "model")
    {
        Name = name;
        _inputs = inputs;
        _outputs = outputs;
        Rebuild();
    }

    public Model(SymbolicTensor input, SymbolicTensor output, string name = "model") : this([input], [output], name) { }

    public string Name { get; }

    public IReadOnlyList<SymbolicTensor> Inputs => _inputs;

    public IReadOnlyList<SymbolicTensor> Outputs => _outputs;

    /// <summary>Layers in call order, each once.</summary>
    public IReadOnlyList<Layer> Layers => _calls.Select(c => c.Layer).Distinct().ToList();

    /// <summary>Every parameter (weights and buffers), each once, in layer order.</summary>
    public IReadOnlyList<Parameter> Parameters => Layers.SelectMany(l => l.Parameters).ToList();

    public IReadOnlyList<Parameter> TrainableParameters => Parameters.Where(p => p.IsTrainable).ToList();

    /// <summary>Learned weights, as PyTorch counts parameters (buffers excluded).</summary>
    public long ParameterCount => Parameters.Where(p => !p.IsBuffer).Sum(p => p.Count);

    public long TrainableParameterCount => TrainableParameters.Sum(p => p.Count);

    public Layer GetLayer(string name) =>
        Layers.FirstOrDefault(l => l.Name == name) ?? throw new BuildException($"model '{Name}': no layer named '{name}'");

    internal void SetGraph(SymbolicTensor[] inputs, SymbolicTensor[] outputs)
    {
        _inputs = inputs;
        _outputs = outputs;
        Rebuild();
    }

    private void Rebuild()
    {
        if (_inputs.Length == 0) throw new BuildException($"model '{Name}': no inputs");
        foreach (var i in _inputs)
            if (i.Call is not null) throw new BuildException($"model '{Name}': input '{i}' is a layer output, not an Input");
        _calls = CollectCalls();
        AssignNames();
    }

    /// <summary>The calls the outputs depend on, in a topological order; every path must start at a model input.</summary>
    private List<LayerCall> CollectCalls()
    {
        var order = new List<LayerCall>();
        var state = new Dictionary<LayerCall, bool>();
        var inputs = new HashSet<SymbolicTensor>(_inputs);
        void Visit(SymbolicTensor t)
        {
            if (t.Call is null)
            {
                if (!inputs.Contains(t)) throw new BuildException($"model '{Name}': output depends on an input ({t}) that is not among the model's inputs");
                return;
            }
            if (state.TryGetValue(t.Call, out var done))
            {
                if (!done) throw new BuildException($"model '{Name}': cycle through layer '{t.Call.Layer.Name}'");
                return;
            }
            state[t.Call] = false;
            foreach (var i in t.Call.Inputs) Visit(i);
            state[t.Call] = true;
            order.Add(t.Call);
        }
        foreach (var o in _outputs) Visit(o);
        return order;
    }

    private void AssignNames()
    {
        var taken = new HashSet<string>(_calls.Select(c => c.Layer).Distinct().Where(l => l.HasName).Select(l => l.Name));
        var counters = new Dictionary<string, int>();
        foreach (var layer in _calls.Select(c => c.Layer).Distinct())
        {
            if (layer.HasName) continue;
            string stem = Snake(layer.TypeName);
            int k = counters.GetValueOrDefault(stem);
            string name;
            do { name = k == 0 ? stem : $"{stem}_{k}"; k++; } while (taken.Contains(name));
            counters[stem] = k;
            layer.Name = name;
            taken.Add(name);
        }
        var seen = new HashSet<string>();
        foreach (var layer in _calls.Select(c => c.Layer).Distinct())
            if (!seen.Add(layer.Name)) throw new BuildException($"model '{Name}': two layers are named '{layer.Name}'");
    }

    private static string Snake(string typeName)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < typeName.Length; i++)
        {
            char c = typeName[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(typeName[i - 1])) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>Creates every parameter's value that is still missing, from <paramref name="seed"/>.</summary>
    public void Initialize(int seed = 0)
    {
        foreach (var p in Parameters) p.Materialize(seed);
    }

    /// <summary>
    /// Lowers the model to a graph. The batch dim stays symbolic ("N") unless <paramref name="batch"/> is
    /// given. Parameters without values are initialized from <paramref name="seed"/> first.
    /// </summary>
    public BuiltGraph ToGraph(BuildMode mode = BuildMode.Inference, int? batch = null, int seed = 0) =>
        ToGraph(mode, batch is { } b ? Dim.Of(b) : null, seed);

    /// <summary>Lowers the model with the batch dim given as a <see cref="Dim"/> (static or symbolic).</summary>
    public BuiltGraph ToGraph(BuildMode mode, Dim? batch, int seed = 0)
    {
        Initialize(seed);
        var g = new Graph.Graph(Name);
        var map = new Dictionary<SymbolicTensor, Value>();
        for (int i = 0; i < _inputs.Length; i++)
        {
            var t = _inputs[i].Type;
            if (batch is { } b) t = new TensorType(t.Elem, [b, .. t.Dims!.Skip(1)]);
            map[_inputs[i]] = g.AddInput(_inputs[i].Name ?? (_inputs.Length == 1 ? "input" : $"input_{i}"), t);
        }
        var pvals = new Dictionary<Parameter, Value>();
        var updates = new List<(Parameter, Value)>();
        Value ParamValue(Parameter p)
        {
            if (!pvals.TryGetValue(p, out var v))
            {
                v = g.AddInitializer(p.Name, p.Data!);
                pvals[p] = v;
            }
            return v;
        }
        var emitter = new LayerEmitter(g, mode, seed, ParamValue, (p, v) => updates.Add((p, v)));
        foreach (var call in _calls)
        {
            emitter.Layer = call.Layer;
            emitter.Scope = call.Ordinal == 0 ? call.Layer.Name : $"{call.Layer.Name}_call{call.Ordinal}";
            var outs = call.Layer.Emit(emitter, call.Inputs.Select(i => map[i]).ToArray());
            for (int k = 0; k < call.Outputs.Length; k++) map[call.Outputs[k]] = outs[k];
        }
        for (int k = 0; k < _outputs.Length; k++)
        {
            var v = map[_outputs[k]];
            string name = _outputs[k].Name ?? (_outputs.Length == 1 ? "output" : $"output_{k}");
            if (_inputs.Contains(_outputs[k]) || g.IsInitializer(v) || g.Outputs.Contains(v))
                v = emitter.Op("Identity", v);
            v.Name = name;
            g.Outputs.Add(v);
        }
        return new BuiltGraph(g, mode, pvals, updates);
    }

    /// <summary>Copies weights from another model by layer and parameter name (shapes must match); returns how many.</summary>
    public int LoadWeightsFrom(Model source, Func<Layer, bool>? where = null)
    {
        var byName = source.Parameters.ToDictionary(p => p.Name);
        int copied = 0;
        foreach (var p in Parameters)
        {
            if (where is not null && !where(p.Owner)) continue;
            if (!byName.TryGetValue(p.Name, out var q) || q.Data is null) continue;
            if (!q.Shape.AsSpan().SequenceEqual(p.Shape))
                throw new BuildException($"model '{Name}': parameter '{p.Name}' is {Tensor.ShapeString(p.Shape)} here but {Tensor.ShapeString(q.Shape)} in '{source.Name}'");
            p.Assign(q.Data.Clone());
            copied++;
        }
        return copied;
    }

    /// <summary>Keras-style table: layer (type), output shape, parameter count; totals at the end.</summary>
    public string Summary() => ModelSummary.Render(this, _calls);
}
