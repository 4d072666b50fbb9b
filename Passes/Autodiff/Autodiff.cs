using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// Reverse-mode automatic differentiation as a graph transform: appends to the graph the nodes that
/// compute ∂loss/∂w for each requested value w (trainable initializers, graph inputs, or any float
/// value), built from the gradient rules the ops carry in the registry. Only nodes on a path from a
/// requested value to the loss are differentiated; contributions of a value read in several places are
/// summed; <c>ai.engine::StopGradient</c> and ops with a zero derivative stop the flow; backward nodes
/// that feed no requested gradient are removed. The result is an ordinary graph (optimizable, compilable,
/// exportable). As a pass it differentiates named values and exposes the gradients as outputs.
/// </summary>
public sealed class Autodiff : IPass
{
    private readonly string _loss;
    private readonly string[] _wrt;

    public Autodiff(string loss, params string[] wrt)
    {
        _loss = loss;
        _wrt = wrt;
    }

    public string Name => "autodiff";

    /// <summary>Never part of a standard pipeline (it needs a loss and parameters).</summary>
    public int Level => 0;

    public bool Run(Graph.Graph graph, PassContext context)
    {
        Differentiate(graph, FindValue(graph, _loss), _wrt.Select(n => FindValue(graph, n)).ToArray(),
            new AutodiffOptions { ExposeGradients = true });
        return true;
    }

    /// <summary>The value named <paramref name="name"/> (input, initializer or node output).</summary>
    public static Value FindValue(Graph.Graph graph, string name) =>
        graph.Inputs.Concat(graph.InitializerValues).Concat(graph.Nodes.SelectMany(n => n.Outputs).OfType<Value>())
            .FirstOrDefault(v => v.Name == name)
        ?? throw new EngineException($"autodiff: graph '{graph.Name}' has no value named '{name}'");

    /// <summary>
    /// Appends the backward graph and returns ∂loss/∂wrt[i] in the order of <paramref name="wrt"/>
    /// (zeros for a value the loss does not depend on).
    /// </summary>
    public static Value[] Differentiate(Graph.Graph graph, Value loss, IReadOnlyList<Value> wrt, AutodiffOptions? options = null)
    {
        options ??= new AutodiffOptions();
        TypePropagation.Run(graph);
        graph.TopologicalSort();
        CheckLoss(loss);
        foreach (var w in wrt)
        {
            if (!DataTypes.IsFloat(w.Type.Elem))
                throw new EngineException($"autodiff: cannot differentiate with respect to '{w.Name}' of type {w.Type}: not a float value");
        }

        var forward = graph.Nodes.ToArray();
        var active = ActiveValues(forward, wrt);
        var builder = new GraphBuilder(graph);
        var contributions = new Dictionary<Value, List<Value>>();
        var seed = options.Seed ?? builder.Const(Ones(loss.Type.Elem, loss.Type.StaticShape()));
        contributions[loss] = [seed];

        for (int k = forward.Length - 1; k >= 0; k--)
        {
            var node = forward[k];
            var outGrads = node.Outputs.Select(o => o is not null && contributions.ContainsKey(o) ? Accumulate(builder, contributions, o) : null).ToArray();
            if (outGrads.All(d => d is null) || node.Schema.HasZeroGradient) continue;
            var needs = new bool[node.Inputs.Count];
            for (int i = 0; i < needs.Length; i++)
            {
                needs[i] = node.Inputs[i] is { } x && active.Contains(x) && node.Schema.IsDifferentiableInput(i) && DataTypes.IsFloat(x.Type.Elem);
            }
            bool capturesActive = node.Subgraphs.Any(s => s.Captures().Any(active.Contains));
            if (!needs.Any(b => b) && !capturesActive) continue;
            if (node.Schema.GradientRule is not { } rule)
                throw new EngineException($"autodiff: op {node.Schema.QualifiedName} (node '{node.Name}') has no gradient rule");
            if (capturesActive)
                throw new EngineException($"autodiff: node '{node.Name}' ({node.OpType}) reads a differentiated value inside a subgraph; differentiating through control flow is not supported");
            builder.NamePrefix = node.Name + "_grad";
            var ctx = new GradientContext(builder, node, outGrads, needs);
            rule(ctx);
            for (int i = 0; i < needs.Length; i++)
            {
                if (!needs[i]) continue;
                var g = ctx.InputGrads[i]
                    ?? throw new EngineException($"autodiff: the gradient rule of {node.Schema.QualifiedName} (node '{node.Name}') gave no gradient for input {i} '{node.Inputs[i]!.Name}'");
                if (!contributions.TryGetValue(node.Inputs[i]!, out var list)) contributions[node.Inputs[i]!] = list = new();
                list.Add(g);
            }
        }

        builder.NamePrefix = "grad";
        var grads = wrt.Select(w => contributions.ContainsKey(w) ? Accumulate(builder, contributions, w) : builder.ZerosLike(w)).ToArray();
        Prune(graph, builder.Added, grads);
        if (options.ExposeGradients) Expose(graph, wrt, grads, options.OutputPrefix);
        return grads;
    }

    private static Tensor Ones(DataType type, int[] shape) =>
        Runtime.Kernels.DoubleBridge.FromDoublesAny(type, shape, Enumerable.Repeat(1.0, (int)Tensor.ElementCount(shape)).ToArray());

    private static void CheckLoss(Value loss)
    {
        var t = loss.Type;
        if (!DataTypes.IsFloat(t.Elem) || !t.IsStatic || t.StaticShape().Any(d => d != 1))
            throw new EngineException($"autodiff: loss '{loss.Name}' must be a scalar float, got {t}");
    }

    /// <summary>Values that depend differentiably on a requested value (forward sweep).</summary>
    private static HashSet<Value> ActiveValues(Node[] forward, IReadOnlyList<Value> wrt)
    {
        var active = new HashSet<Value>(wrt);
        foreach (var n in forward)
        {
            if (n.Schema.HasZeroGradient) continue;
            bool hit = false;
            for (int i = 0; i < n.Inputs.Count && !hit; i++)
                hit = n.Inputs[i] is { } x && active.Contains(x) && n.Schema.IsDifferentiableInput(i);
            hit |= n.Subgraphs.Any(s => s.Captures().Any(active.Contains));
            if (!hit) continue;
            foreach (var o in n.Outputs)
            {
                if (o is not null && DataTypes.IsFloat(o.Type.Elem)) active.Add(o);
            }
        }
        return active;
    }

    /// <summary>The total gradient of <paramref name="v"/>: one Sum over every contribution (fan-out).</summary>
    private static Value Accumulate(GraphBuilder b, Dictionary<Value, List<Value>> contributions, Value v)
    {
        var list = contributions[v];
        if (list.Count > 1)
        {
            var sum = b.Op("Sum", list.ToArray<Value?>());
            list.Clear();
            list.Add(sum);
        }
        return list[0];
    }

    /// <summary>Removes backward nodes that feed no returned gradient (e.g. gradients of frozen values).</summary>
    private static void Prune(Graph.Graph graph, List<Node> added, Value[] grads)
    {
        var live = new HashSet<Value>(grads);
        var addedSet = new HashSet<Node>(added);
        for (int i = added.Count - 1; i >= 0; i--)
        {
            var n = added[i];
            if (n.Outputs.Any(o => o is not null && live.Contains(o)))
            {
                foreach (var v in Graph.Graph.AllReads(n)) live.Add(v);
            }
            else
            {
                graph.RemoveNode(n);
                addedSet.Remove(n);
            }
        }
        added.RemoveAll(n => !addedSet.Contains(n));
    }

    private static void Expose(Graph.Graph graph, IReadOnlyList<Value> wrt, Value[] grads, string prefix)
    {
        var taken = new HashSet<string>(graph.Inputs.Concat(graph.InitializerValues).Concat(graph.Nodes.SelectMany(n => n.Outputs).OfType<Value>()).Select(v => v.Name));
        var renamed = new HashSet<Value>();
        var b = new GraphBuilder(graph, "grad");
        for (int i = 0; i < wrt.Count; i++)
        {
            var name = prefix + wrt[i].Name;
            for (int k = 1; taken.Contains(name); k++) name = $"{prefix}{wrt[i].Name}_{k}";
            var g = grads[i];
            // A value already shown under another name (shared gradient, or an existing output) gets an Identity.
            if (g.Producer is null || renamed.Contains(g) || graph.Outputs.Contains(g)) g = b.Op("Identity", g);
            taken.Remove(g.Name);
            g.Name = name;
            taken.Add(name);
            renamed.Add(g);
            graph.Outputs.Add(g);
            grads[i] = g;
        }
    }
}
