using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// A graph: inputs, initializers (constant values with data), nodes in topological order, and
/// outputs. Subgraphs (If/Loop/Scan bodies) are Graphs held in node attributes; their nodes may
/// read values of enclosing graphs directly (captures), and <see cref="Parent"/> links them.
/// </summary>
public sealed class Graph
{
    private readonly List<Node> _nodes = new();
    private readonly Dictionary<Value, Tensor> _initializers = new();
    private readonly List<Value> _initializerOrder = new();

    public Graph(string name = "main") => Name = name;

    public string Name { get; set; }

    public Graph? Parent { get; set; }

    public List<Value> Inputs { get; } = new();

    public List<Value> Outputs { get; } = new();

    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Initializers in insertion order.</summary>
    public IReadOnlyList<Value> InitializerValues => _initializerOrder;

    public IReadOnlyDictionary<Value, Tensor> Initializers => _initializers;

    public Value AddInput(string name, TensorType type)
    {
        var v = new Value(name, type);
        Inputs.Add(v);
        return v;
    }

    public Value AddInitializer(string name, Tensor data)
    {
        var v = new Value(name, TensorType.Of(data));
        _initializers[v] = data;
        _initializerOrder.Add(v);
        return v;
    }

    public void SetInitializer(Value v, Tensor data)
    {
        if (!_initializers.ContainsKey(v)) _initializerOrder.Add(v);
        _initializers[v] = data;
        v.Type = TensorType.Of(data);
    }

    public bool RemoveInitializer(Value v)
    {
        _initializerOrder.Remove(v);
        return _initializers.Remove(v);
    }

    public bool IsInitializer(Value v) => _initializers.ContainsKey(v);

    public Tensor? InitializerData(Value v) => _initializers.GetValueOrDefault(v);

    public Node AddNode(Node n)
    {
        n.Owner = this;
        _nodes.Add(n);
        return n;
    }

    public void InsertNode(int index, Node n)
    {
        n.Owner = this;
        _nodes.Insert(index, n);
    }

    public void RemoveNode(Node n)
    {
        n.ClearInputs();
        _nodes.Remove(n);
        n.Owner = null;
    }

    public int IndexOf(Node n) => _nodes.IndexOf(n);

    /// <summary>Removes a node from this graph but keeps its inputs wired (it is about to move to another graph).</summary>
    public void DetachNode(Node n)
    {
        _nodes.Remove(n);
        n.Owner = null;
    }

    /// <summary>Points every reader of <paramref name="old"/> (and graph outputs) at <paramref name="replacement"/>.</summary>
    public void ReplaceAllUses(Value old, Value replacement)
    {
        foreach (var user in old.Users.ToArray())
        {
            for (int i = 0; i < user.Inputs.Count; i++)
            {
                if (ReferenceEquals(user.Inputs[i], old)) user.SetInput(i, replacement);
            }
        }
        for (int i = 0; i < Outputs.Count; i++)
        {
            if (ReferenceEquals(Outputs[i], old)) Outputs[i] = replacement;
        }
    }

    /// <summary>Reorders nodes topologically (stable); throws on a cycle, naming a node on it.</summary>
    public void TopologicalSort()
    {
        var produced = new HashSet<Value>(Inputs);
        foreach (var v in _initializerOrder) produced.Add(v);
        var pending = new List<Node>(_nodes);
        var order = new List<Node>(_nodes.Count);
        var localOutputs = new HashSet<Value>(_nodes.SelectMany(n => n.Outputs).OfType<Value>());
        bool progress = true;
        while (pending.Count > 0 && progress)
        {
            progress = false;
            for (int i = 0; i < pending.Count; i++)
            {
                var n = pending[i];
                if (ReadsOnlyAvailable(n, produced, localOutputs))
                {
                    order.Add(n);
                    foreach (var o in n.Outputs) if (o is not null) produced.Add(o);
                    pending.RemoveAt(i);
                    i--;
                    progress = true;
                }
            }
        }
        if (pending.Count > 0)
            throw new EngineException($"graph '{Name}' has a cycle or reads an undefined value at node '{pending[0].Name}' ({pending[0].OpType})");
        _nodes.Clear();
        _nodes.AddRange(order);
    }

    private static bool ReadsOnlyAvailable(Node n, HashSet<Value> produced, HashSet<Value> localOutputs)
    {
        foreach (var v in AllReads(n))
        {
            // Values produced by this graph's nodes must come first; anything else (outer-scope
            // captures) is available already.
            if (localOutputs.Contains(v) && !produced.Contains(v)) return false;
        }
        return true;
    }

    /// <summary>Every value a node reads, including captures read inside its subgraphs.</summary>
    public static IEnumerable<Value> AllReads(Node n)
    {
        foreach (var v in n.Inputs) if (v is not null) yield return v;
        foreach (var g in n.Subgraphs)
        {
            foreach (var v in g.Captures()) yield return v;
        }
    }

    /// <summary>Values read in this graph (recursively) but defined outside it.</summary>
    public IEnumerable<Value> Captures()
    {
        var defined = new HashSet<Value>(Inputs);
        foreach (var v in _initializerOrder) defined.Add(v);
        foreach (var n in _nodes) foreach (var o in n.Outputs) if (o is not null) defined.Add(o);
        var seen = new HashSet<Value>();
        foreach (var n in _nodes)
        {
            foreach (var v in AllReads(n))
            {
                if (!defined.Contains(v) && seen.Add(v)) yield return v;
            }
        }
        foreach (var v in Outputs)
        {
            if (!defined.Contains(v) && seen.Add(v)) yield return v;
        }
    }

    /// <summary>All nodes of this graph and, recursively, of its subgraphs.</summary>
    public IEnumerable<Node> AllNodes()
    {
        foreach (var n in _nodes)
        {
            yield return n;
            foreach (var g in n.Subgraphs) foreach (var m in g.AllNodes()) yield return m;
        }
    }
}
