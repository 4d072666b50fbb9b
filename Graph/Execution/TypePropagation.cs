using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Runs every op's inference rule in topological order, recursing into subgraphs. Inferred types
/// refine declared ones; a conflict between a declared static dim and an inferred one is an error.
/// </summary>
public static class TypePropagation
{
    /// <summary>Constant data of a value when known (initializer, or a Constant node's value).</summary>
    public static Tensor? ConstantOf(Value v)
    {
        if (v.Producer is null)
        {
            for (var g = FindOwner(v); g is not null; g = g.Parent)
            {
                if (g.InitializerData(v) is { } t) return t;
            }
            return null;
        }
        var n = v.Producer;
        return n.Schema.Name == "Constant" && n.Domain == "" ? n.Attributes.GetTensorOrNull("value") : null;
    }

    private static Graph? FindOwner(Value v) => v.Users.FirstOrDefault()?.Owner;

    public static void Run(Graph g)
    {
        foreach (var n in g.Nodes)
        {
            foreach (var sub in n.Subgraphs) Run(sub);
            InferNode(n);
        }
    }

    public static void InferNode(Node n)
    {
        if (n.Schema.Inference is not { } infer) return;
        var ctx = new InferenceContext(n, ConstantOf);
        infer(ctx);
        for (int i = 0; i < n.Outputs.Count; i++)
        {
            if (n.Outputs[i] is { } v && ctx.Outputs[i] is { } t) v.Type = Merge(n, v, t);
        }
    }

    /// <summary>Combines a declared type with an inferred one, keeping the more precise dims.</summary>
    public static TensorType Merge(Node n, Value v, TensorType inferred)
    {
        var declared = v.Type;
        var elem = inferred.Elem != DataType.Undefined ? inferred.Elem : declared.Elem;
        if (declared.Elem != DataType.Undefined && inferred.Elem != DataType.Undefined && declared.Elem != inferred.Elem)
            throw new EngineException($"node '{n.Name}' ({n.OpType}): output '{v.Name}' is declared {DataTypes.ShortName(declared.Elem)} but computes {DataTypes.ShortName(inferred.Elem)}");
        if (inferred.Dims is null) return new TensorType(elem, declared.Dims);
        if (declared.Dims is null || declared.Dims.Length != inferred.Dims.Length) return new TensorType(elem, inferred.Dims);
        var dims = new Dim[inferred.Dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            var a = declared.Dims[i];
            var b = inferred.Dims[i];
            if (a.IsKnown && b.IsKnown && a.Value != b.Value)
                throw new EngineException($"node '{n.Name}' ({n.OpType}): output '{v.Name}' is declared {declared.ShapeText} but computes {inferred.ShapeText}");
            dims[i] = b.IsKnown ? b : a.IsKnown ? a : b.IsSymbolic ? b : a;
        }
        return new TensorType(elem, dims);
    }
}
