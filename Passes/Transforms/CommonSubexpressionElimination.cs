using System.Text;
using Engine.Graph;

namespace Engine.Passes;

/// <summary>Merges pure nodes that compute the same op on the same inputs with the same attributes.</summary>
public sealed class CommonSubexpressionElimination : IPass
{
    public string Name => "common-subexpression-elimination";

    public int Level => 1;

    public bool Run(Graph.Graph graph, PassContext context)
    {
        bool changed = false;
        var seen = new Dictionary<string, Node>(StringComparer.Ordinal);
        var ids = new Dictionary<Value, int>(ReferenceEqualityComparer.Instance);
        int Id(Value v) => ids.TryGetValue(v, out var id) ? id : ids[v] = ids.Count;
        var ctx = new RewriteContext(graph, context);
        foreach (var n in graph.Nodes.ToArray())
        {
            foreach (var sub in n.Subgraphs) changed |= Run(sub, context);
            if (!n.Schema.IsPure || n.Subgraphs.Any()) continue;
            var key = new StringBuilder().Append(n.Schema.QualifiedName).Append('(');
            foreach (var v in n.Inputs) key.Append(v is null ? "_" : Id(v).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',');
            key.Append(")|").Append(n.Outputs.Count).Append('|').Append(AttributeKey.Of(n));
            var k = key.ToString();
            if (!seen.TryGetValue(k, out var first))
            {
                seen[k] = n;
                continue;
            }
            bool ok = true;
            for (int i = 0; i < n.Outputs.Count && ok; i++)
            {
                if (n.Outputs[i] is { } o) ok = first.Outputs[i] is { } f && ctx.CanReplace(o, f) && !context.PinnedValues.Contains(o.Name);
            }
            if (!ok) continue;
            for (int i = 0; i < n.Outputs.Count; i++)
            {
                if (n.Outputs[i] is { } o) ctx.Replace(o, first.Outputs[i]!);
            }
            graph.RemoveNode(n);
            changed = true;
        }
        return changed;
    }
}
