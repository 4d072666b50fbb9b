using Engine.Graph;
using Engine.Onnx.Proto;

namespace Engine.Onnx;

/// <summary>
/// A registry that accepts every op a model uses: the real op libraries, plus an opaque
/// placeholder (any inputs, outputs and attributes; no inference, no kernel) for each op we do not
/// define. Used where a model must be read even though it cannot run yet — `engine inspect`, and
/// the bad-input tests that need corrupt attributes and tensors to reach the importer's checks.
/// </summary>
public static class PermissiveRegistry
{
    /// <summary>Marks a placeholder schema in <see cref="OpSchema.Extensions"/>.</summary>
    public sealed class Placeholder
    {
        private Placeholder() { }

        public static readonly Placeholder Instance = new();
    }

    public static bool IsPlaceholder(OpSchema schema) => schema.Extensions.ContainsKey(typeof(Placeholder));

    /// <summary>All registered op libraries plus placeholders for the ops of <paramref name="model"/> that are missing.</summary>
    public static OpRegistry For(ModelProto model)
    {
        var r = new OpRegistry();
        r.RegisterLibraries(typeof(OpRegistry).Assembly);
        if (model.Graph is not null) AddMissing(r, model.Graph);
        return r;
    }

    private static void AddMissing(OpRegistry r, GraphProto g)
    {
        foreach (var n in g.Node)
        {
            if (!r.TryGet(n.Domain, n.OpType, out _))
            {
                var s = r.Add(n.Domain, n.OpType).In("inputs*").Out("outputs*").OpenAttributes().Impure();
                s.Extensions[typeof(Placeholder)] = Placeholder.Instance;
            }
            foreach (var a in n.Attribute)
            {
                if (a.G is not null) AddMissing(r, a.G);
                foreach (var sg in a.Graphs) AddMissing(r, sg);
            }
        }
    }
}
