using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// ONE graph for a whole training step: forward + loss + backward (autodiff) + gradient transforms +
/// update ops. Its inputs are the batch, <c>lr</c> (float scalar), <c>step</c> (int64, 1-based) and
/// the state — parameters, optimizer slots (<c>{param}.{slot}</c>) and buffers; its outputs are the
/// loss, the extra outputs and the new state (<c>new.{name}</c>). Nothing is mutated in place, so
/// the graph is an ordinary pure function: it can be optimized, compiled, exported and checked
/// against the reference executor like any inference graph.
/// </summary>
public sealed class TrainStepGraph
{
    public const string LrInput = "lr";
    public const string StepInput = "step";
    public const string NewPrefix = "new.";

    private TrainStepGraph(Graph.Graph graph, string loss, string[] extras, string[] batch, string[] state,
        string[] parameters, Dictionary<string, Tensor> initial)
    {
        Graph = graph;
        LossOutput = loss;
        ExtraOutputs = extras;
        BatchInputs = batch;
        StateNames = state;
        ParameterNames = parameters;
        InitialState = initial;
    }

    public Graph.Graph Graph { get; }

    public string LossOutput { get; }

    public IReadOnlyList<string> ExtraOutputs { get; }

    /// <summary>Graph inputs the caller feeds every step (the batch).</summary>
    public IReadOnlyList<string> BatchInputs { get; }

    /// <summary>Every state tensor, in a fixed order: parameters, then their slots, then buffers.</summary>
    public IReadOnlyList<string> StateNames { get; }

    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The state before the first step (initializer values, slot initial values).</summary>
    public IReadOnlyDictionary<string, Tensor> InitialState { get; }

    public static TrainStepGraph Build(TrainSpec spec, Optimizer optimizer, TrainOptions? options = null)
    {
        options ??= new TrainOptions();
        var g = spec.Graph;
        var buffers = spec.Buffers.Select(b => b.State).ToHashSet();
        var parameters = (spec.Parameters ?? g.InitializerValues
                .Where(v => DataTypes.IsFloat(v.Type.Elem) && !spec.Frozen.Contains(v.Name) && !buffers.Contains(v))
                .ToArray()).ToArray();
        if (parameters.Length == 0) throw new EngineException($"train step: graph '{g.Name}' has no trainable parameters");
        foreach (var p in parameters)
        {
            if (p.Type.Elem != DataType.Float) throw new EngineException($"train step: parameter '{p.Name}' is {p.Type}; the update ops take float32");
        }
        var batch = g.Inputs.Where(v => !g.IsInitializer(v)).Select(v => v.Name).ToArray();
        var initial = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var taken = AllNames(g);
        foreach (var reserved in new[] { LrInput, StepInput })
        {
            if (taken.Contains(reserved)) throw new EngineException($"train step: graph '{g.Name}' already has a value named '{reserved}', reserved for the step's inputs");
        }

        // Parameters and buffers become inputs: the step reads the current state and returns the next.
        foreach (var v in parameters.Concat(buffers))
        {
            var data = g.InitializerData(v) ?? throw new EngineException($"train step: '{v.Name}' is not an initializer of graph '{g.Name}'");
            g.RemoveInitializer(v);
            if (!g.Inputs.Contains(v)) g.Inputs.Add(v);
            v.Type = TensorType.Of(data);
            initial[v.Name] = data;
        }
        g.Outputs.Clear();
        g.Outputs.Add(spec.Loss);

        var grads = Autodiff.Differentiate(g, spec.Loss, parameters);
        var b = new GraphBuilder(g, "opt");
        var lr = g.AddInput(LrInput, TensorType.Of(DataType.Float));
        var step = g.AddInput(StepInput, TensorType.Of(DataType.Int64));

        for (int i = 0; i < parameters.Length; i++)
        {
            var group = Group(options, parameters[i].Name);
            if (group is { L1: not 0 } or { L2: not 0 })
                grads[i] = b.Op("ai.engine::WeightPenalty", [parameters[i], grads[i]], ("l1", group.L1), ("l2", group.L2));
            if (options.ClipValue is { } c)
            {
                if (!(c > 0)) throw new EngineException($"train step: clip value must be positive, got {c}");
                grads[i] = b.Op("Clip", grads[i], b.Const(-c, DataType.Float), b.Const(c, DataType.Float));
            }
        }
        if (options.ClipNorm is { } maxNorm)
        {
            if (!(maxNorm > 0)) throw new EngineException($"train step: clip norm must be positive, got {maxNorm}");
            grads = b.OpN("ai.engine::ClipByGlobalNorm", grads.Length, grads, ("max_norm", maxNorm));
        }

        var slotNames = new List<string>();
        var lrByScale = new Dictionary<double, Value> { [1.0] = lr };
        var extrasOut = new List<(Value, string)>();
        for (int i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            var group = Group(options, p.Name);
            double scale = group?.LrScale ?? 1;
            if (!lrByScale.TryGetValue(scale, out var lrG)) lrByScale[scale] = lrG = b.Op("Mul", lr, b.Const(scale, DataType.Float));
            var slotInputs = new List<Value?>();
            foreach (var s in optimizer.Slots)
            {
                string name = $"{p.Name}.{s.Name}";
                if (taken.Contains(name)) throw new EngineException($"train step: slot name '{name}' clashes with a value of the graph");
                int[] shape = s.Scalar ? [] : p.Type.StaticShape();
                var slot = g.AddInput(name, TensorType.Of(DataType.Float, shape.Select(d => (long)d).ToArray()));
                initial[name] = Filled(shape, s.Initial);
                slotInputs.Add(slot);
                slotNames.Add(name);
            }
            var attrs = optimizer.Attributes.Select(kv => (kv.Key, kv.Value)).ToList();
            if (group?.WeightDecay is { } wd)
            {
                attrs.RemoveAll(a => a.Key == "weight_decay");
                attrs.Add(("weight_decay", wd));
            }
            b.NamePrefix = p.Name + "_update";
            var outs = b.OpN("ai.engine::" + optimizer.OpType, 1 + optimizer.Slots.Count, [p, grads[i], .. slotInputs, lrG, step], attrs.ToArray());
            extrasOut.Add((outs[0], NewPrefix + p.Name));
            for (int s = 0; s < optimizer.Slots.Count; s++) extrasOut.Add((outs[1 + s], $"{NewPrefix}{p.Name}.{optimizer.Slots[s].Name}"));
        }
        foreach (var (buffer, updated) in spec.Buffers) extrasOut.Add((updated, NewPrefix + buffer.Name));

        var extraNames = new List<string>();
        foreach (var e in spec.ExtraOutputs)
        {
            g.Outputs.Add(e);
            extraNames.Add(e.Name);
        }
        foreach (var (v, name) in extrasOut) Expose(g, b, v, name);

        g.TopologicalSort();
        TypePropagation.Run(g);
        Verifier.VerifyOrThrow(g);
        var state = parameters.Select(p => p.Name).Concat(slotNames).Concat(spec.Buffers.Select(x => x.State.Name)).ToArray();
        return new TrainStepGraph(g, spec.Loss.Name, extraNames.ToArray(), batch, state, parameters.Select(p => p.Name).ToArray(), initial);
    }

    private static ParamGroup? Group(TrainOptions options, string name) => options.Groups.FirstOrDefault(x => x.Contains(name));

    /// <summary>Adds <paramref name="v"/> as an output called <paramref name="name"/> (through an Identity when it is already visible under another name).</summary>
    private static void Expose(Graph.Graph g, GraphBuilder b, Value v, string name)
    {
        if (v.Producer is null || g.Outputs.Contains(v) || v.Name.StartsWith(NewPrefix, StringComparison.Ordinal)) v = b.Op("Identity", v);
        v.Name = name;
        g.Outputs.Add(v);
    }

    private static HashSet<string> AllNames(Graph.Graph g) =>
        g.Inputs.Concat(g.InitializerValues).Concat(g.Nodes.SelectMany(n => n.Outputs).OfType<Value>()).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);

    private static Tensor Filled(int[] shape, float value)
    {
        var data = new float[Tensor.ElementCount(shape)];
        if (value != 0) Array.Fill(data, value);
        return new Tensor(DataType.Float, shape, data);
    }
}
