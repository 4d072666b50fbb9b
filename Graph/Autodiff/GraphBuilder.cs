using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph;

/// <summary>
/// Appends nodes to a graph, inferring each new value's type as it goes. Gradient rules, losses and
/// optimizer updates build their subgraphs with it, so what they build is ordinary registered ops.
/// Ops are named "Name" (default domain) or "domain::Name" (e.g. "ai.engine::StopGradient").
/// </summary>
public sealed class GraphBuilder
{
    private readonly OpRegistry _registry;

    public GraphBuilder(Graph graph, string namePrefix = "grad", OpRegistry? registry = null)
    {
        Graph = graph;
        NamePrefix = namePrefix;
        _registry = registry ?? OpRegistry.Default;
    }

    public Graph Graph { get; }

    /// <summary>Prefix of new node names (each gets a unique suffix).</summary>
    public string NamePrefix { get; set; }

    /// <summary>Every node this builder appended, in order.</summary>
    public List<Node> Added { get; } = new();

    public Value Op(string opType, params Value?[] inputs) => OpN(opType, 1, inputs)[0];

    public Value Op(string opType, Value?[] inputs, params (string Name, object Value)[] attrs) => OpN(opType, 1, inputs, attrs)[0];

    public Value[] OpN(string opType, int outputs, Value?[] inputs, params (string Name, object Value)[] attrs)
    {
        var sep = opType.IndexOf("::", StringComparison.Ordinal);
        var schema = sep < 0 ? _registry.Get(opType) : _registry.Get(opType[..sep], opType[(sep + 2)..]);
        var node = NodeFactory.Create(schema, NodeFactory.FreshName($"{NamePrefix}_{schema.Name}"), inputs, outputs, attrs);
        node.TrimInputs();
        Graph.AddNode(node);
        Added.Add(node);
        TypePropagation.InferNode(node);
        return node.Outputs.Select(o => o!).ToArray();
    }

    /// <summary>A rank-0 constant of element type <paramref name="type"/>.</summary>
    public Value Const(double value, DataType type) => Const(DoubleBridge.FromDoublesAny(type, [], [value]));

    public Value Const(Tensor t) => Op("Constant", Array.Empty<Value?>(), ("value", t));

    /// <summary>A 1-D int64 constant (axes, shapes, starts…).</summary>
    public Value Ints(params long[] values) => Const(Tensor.FromArray(values, values.Length));

    /// <summary>A constant with <paramref name="v"/>'s element type.</summary>
    public Value ConstLike(double value, Value v) => Const(value, ElemOf(v));

    /// <summary>The shape of <paramref name="v"/> as an int64 vector: a constant when static, else a Shape node.</summary>
    public Value ShapeOf(Value v) =>
        v.Type.IsStatic ? Ints(v.Type.Dims!.Select(d => d.Value).ToArray()) : Op("Shape", v);

    /// <summary>Zeros with <paramref name="v"/>'s type and shape.</summary>
    public Value ZerosLike(Value v)
    {
        var elem = ElemOf(v);
        if (v.Type.IsStatic) return Const(Tensor.Zeros(elem, v.Type.StaticShape()));
        return Op("ConstantOfShape", [ShapeOf(v)], ("value", Tensor.Zeros(elem, 1)));
    }

    /// <summary><paramref name="v"/> converted to <paramref name="to"/> (itself when it already has that type).</summary>
    public Value Cast(Value v, DataType to) => v.Type.Elem == to ? v : Op("Cast", [v], ("to", (long)to));

    /// <summary>Broadcasts <paramref name="v"/> to <paramref name="like"/>'s shape (no-op when already equal).</summary>
    public Value ExpandTo(Value v, Value like)
    {
        if (SameShape(v.Type, like.Type)) return v;
        return Op("Expand", v, ShapeOf(like));
    }

    /// <summary>
    /// Sums <paramref name="grad"/> over the axes along which <paramref name="like"/> was broadcast, giving
    /// <paramref name="like"/>'s shape: the adjoint of numpy broadcasting. Static shapes decide the axes
    /// now; a symbolic dim that may or may not be 1 makes the axes a small runtime computation.
    /// </summary>
    public Value ReduceToShape(Value grad, Value like)
    {
        var g = grad.Type;
        var l = like.Type;
        if (SameShape(g, l)) return grad;
        if (!g.HasRank || !l.HasRank) return ReduceToShapeAtRuntime(grad, like);
        int rg = g.Rank, rl = l.Rank;
        if (rl > rg)
            throw new EngineException($"autodiff: gradient '{grad.Name}' {g.ShapeText} has lower rank than '{like.Name}' {l.ShapeText}");
        var axes = new List<long>();
        bool ambiguous = false;
        for (int i = 0; i < rg; i++)
        {
            if (i < rg - rl) { axes.Add(i); continue; }
            var ld = l.Dims![i - (rg - rl)];
            var gd = g.Dims![i];
            if (ld.IsKnown && ld.Value == 1) { if (!(gd.IsKnown && gd.Value == 1)) axes.Add(i); }
            else if (ld.IsKnown || ld == gd) { }
            else ambiguous = true;
        }
        Value reduced;
        if (!ambiguous)
        {
            reduced = axes.Count == 0 ? grad : Op("ReduceSum", [grad, Ints(axes.ToArray())], ("keepdims", 1L));
        }
        else
        {
            // like's dims that are 1 at runtime (after left-padding with 1s) are the summed axes.
            Value padded = ShapeOf(like);
            if (rg > rl) padded = Op("Concat", [Ints(Enumerable.Repeat(1L, rg - rl).ToArray()), padded], ("axis", 0L));
            var mask = Op("Equal", padded, Ints(1));
            var dynAxes = Op("Compress", [Ints(Enumerable.Range(0, rg).Select(i => (long)i).ToArray()), mask], ("axis", 0L));
            reduced = Op("ReduceSum", [grad, dynAxes], ("keepdims", 1L), ("noop_with_empty_axes", 1L));
        }
        // keepdims kept the rank: only leading broadcast axes need dropping.
        return rg == rl ? reduced : Op("Reshape", reduced, ShapeOf(like));
    }

    /// <summary>
    /// <see cref="ReduceToShape"/> when even a rank is unknown: like's shape, left-padded with 1s to grad's rank,
    /// marks the summed axes (its 1s), all computed from Shape at run time.
    /// </summary>
    private Value ReduceToShapeAtRuntime(Value grad, Value like)
    {
        var gs = Op("Shape", grad);
        var ls = Op("Shape", like);
        var rg = Op("Size", gs);
        var missing = Op("Unsqueeze", Op("Sub", rg, Op("Size", ls)), Ints(0));
        var padded = Op("Concat", [Op("ConstantOfShape", [missing], ("value", Tensor.FromArray(new long[] { 1 }, 1))), ls], ("axis", 0L));
        var all = Op("Range", Const(Tensor.Scalar(0L)), rg, Const(Tensor.Scalar(1L)));
        var axes = Op("Compress", [all, Op("Equal", padded, Ints(1))], ("axis", 0L));
        var reduced = Op("ReduceSum", [grad, axes], ("keepdims", 1L), ("noop_with_empty_axes", 1L));
        return Op("Reshape", reduced, ls);
    }

    public static bool SameShape(TensorType a, TensorType b)
    {
        if (a.Dims is null || b.Dims is null || a.Dims.Length != b.Dims.Length) return false;
        for (int i = 0; i < a.Dims.Length; i++)
        {
            var x = a.Dims[i];
            var y = b.Dims[i];
            if (!(x.IsKnown ? y.IsKnown && x.Value == y.Value : x.IsSymbolic && x == y)) return false;
        }
        return true;
    }

    private static DataType ElemOf(Value v) => v.Type.Elem != DataType.Undefined ? v.Type.Elem
        : throw new EngineException($"autodiff: value '{v.Name}' has no inferred element type");
}
