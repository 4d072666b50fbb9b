using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// The oracle: interprets a graph node by node with each op's reference kernel. Simple on purpose;
/// every optimized or compiled result is tested against it.
/// </summary>
public sealed class ReferenceExecutor
{
    private readonly Graph _graph;

    public ReferenceExecutor(Graph graph, int threads = 1, int seed = 0)
    {
        _graph = graph;
        Threads = Math.Max(1, threads);
        Seed = seed;
    }

    public int Threads { get; }

    public int Seed { get; }

    /// <summary>Also keep every intermediate value (for debugging and bisection).</summary>
    public bool KeepIntermediates { get; init; }

    public Dictionary<Value, Tensor?> Intermediates { get; } = new();

    /// <summary>Runs the graph with inputs matched by name; returns outputs by name.</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (var name in inputs.Keys)
        {
            if (!_graph.Inputs.Any(v => v.Name == name))
                throw new EngineException($"graph '{_graph.Name}' has no input named '{name}' (inputs: {string.Join(", ", _graph.Inputs.Select(v => v.Name))})");
        }
        var args = new Tensor?[_graph.Inputs.Count];
        for (int i = 0; i < args.Length; i++)
        {
            var v = _graph.Inputs[i];
            if (inputs.TryGetValue(v.Name, out var t)) args[i] = t;
            else if (!_graph.IsInitializer(v)) throw new EngineException($"input '{v.Name}' was not given");
        }
        var outs = Run(args);
        var result = new Dictionary<string, Tensor>();
        for (int i = 0; i < outs.Length; i++)
        {
            result[_graph.Outputs[i].Name] = outs[i] ?? throw new EngineException($"output '{_graph.Outputs[i].Name}' was not produced");
        }
        return result;
    }

    /// <summary>Runs the graph with positional inputs (null = use the initializer of that name).</summary>
    public Tensor?[] Run(Tensor?[] inputs) => RunGraph(_graph, inputs, null);

    private Tensor?[] RunGraph(Graph g, Tensor?[] inputs, Scope? parent)
    {
        var scope = new Scope(parent);
        foreach (var kv in g.Initializers) scope.Values[kv.Key] = kv.Value;
        if (inputs.Length > g.Inputs.Count)
            throw new EngineException($"graph '{g.Name}' takes {g.Inputs.Count} inputs but got {inputs.Length}");
        for (int i = 0; i < g.Inputs.Count; i++)
        {
            var v = g.Inputs[i];
            var t = i < inputs.Length ? inputs[i] : null;
            if (t is null)
            {
                if (g.IsInitializer(v)) continue;
                throw new EngineException($"graph '{g.Name}': input '{v.Name}' was not given");
            }
            CheckInput(g, v, t);
            scope.Values[v] = t;
        }
        foreach (var node in g.Nodes) RunNode(node, scope);
        var result = new Tensor?[g.Outputs.Count];
        for (int i = 0; i < result.Length; i++) result[i] = scope.Lookup(g.Outputs[i], g);
        return result;
    }

    private static void CheckInput(Graph g, Value v, Tensor t)
    {
        var type = v.Type;
        if (type.Elem != DataType.Undefined && type.Elem != t.Type)
            throw new EngineException($"graph '{g.Name}': input '{v.Name}' expects {DataTypes.ShortName(type.Elem)} but got {DataTypes.ShortName(t.Type)}");
        if (type.Dims is { } dims)
        {
            if (dims.Length != t.Rank)
                throw new EngineException($"graph '{g.Name}': input '{v.Name}' expects rank {dims.Length} {type.ShapeText} but got {Tensor.ShapeString(t.Shape)}");
            for (int i = 0; i < dims.Length; i++)
            {
                if (dims[i].IsKnown && dims[i].Value != t.Shape[i])
                    throw new EngineException($"graph '{g.Name}': input '{v.Name}' expects shape {type.ShapeText} but got {Tensor.ShapeString(t.Shape)}");
            }
        }
    }

    private void RunNode(Node node, Scope scope)
    {
        var inputs = new Tensor?[node.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (node.Inputs[i] is { } v) inputs[i] = scope.Lookup(v, node.Owner);
        }
        var ctx = new KernelContext(node.Attributes, node.Outputs.Count, node.Name)
        {
            Threads = Threads,
            Random = new Random(StableSeed(Seed, node.Name)),
        };
        Tensor?[] outs;
        try
        {
            if (node.Schema.GraphKernel is { } gk)
            {
                var gctx = new GraphKernelContext(ctx, node, (sub, args) => RunGraph(sub, args, scope));
                outs = gk(gctx, inputs);
            }
            else if (node.Schema.Kernel is { } k)
            {
                outs = k(ctx, inputs);
            }
            else
            {
                throw new EngineException($"node '{node.Name}': op {node.Schema.QualifiedName} has no reference kernel");
            }
        }
        catch (EngineException)
        {
            throw;
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidCastException
                                   or OverflowException or NullReferenceException or InvalidOperationException
                                   or DivideByZeroException or OutOfMemoryException or RankException)
        {
            // A kernel bug or an input the kernel did not validate: report it against the node.
            throw new EngineException($"node '{node.Name}' ({node.OpType}) failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}", e);
        }
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } ov) continue;
            var t = i < outs.Length ? outs[i] : null;
            scope.Values[ov] = t;
            if (KeepIntermediates) Intermediates[ov] = t;
        }
    }

    /// <summary>A per-node seed that is the same in every process (string.GetHashCode is randomized per process).</summary>
    private static int StableSeed(int seed, string name)
    {
        uint h = 2166136261u ^ (uint)seed;
        foreach (char ch in name) h = (h ^ ch) * 16777619u;
        return (int)(h & 0x7FFFFFFF);
    }

    private sealed class Scope
    {
        public Scope(Scope? parent) => Parent = parent;

        public Scope? Parent { get; }

        public Dictionary<Value, Tensor?> Values { get; } = new();

        public Tensor? Lookup(Value v, Graph? g)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.Values.TryGetValue(v, out var t)) return t;
            }
            throw new EngineException($"graph '{g?.Name}': value '{v.Name}' is read before it is defined");
        }
    }
}
