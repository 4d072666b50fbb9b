using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// Evaluates pure nodes whose inputs are all constants with the reference kernel and replaces their
/// outputs by initializers. Outputs larger than the cap (and larger than the inputs) stay unfolded,
/// so folding never inflates a model (e.g. ConstantOfShape of a huge shape).
/// </summary>
public sealed class ConstantFolding : IPass
{
    public string Name => "constant-folding";

    public int Level => 1;

    /// <summary>For ops that read only shapes, a zero tensor of a static input's shape stands in for its data.</summary>
    private static Tensor? ShapeStandIn(Node n, Value v, PassContext context)
    {
        if (!n.Schema.ReadsOnlyInputShapes || !v.Type.IsStatic || v.Type.Elem == DataType.Undefined) return null;
        var shape = v.Type.StaticShape();
        return Tensor.ElementCount(shape) <= context.MaxFoldedElements ? Tensor.Zeros(v.Type.Elem, shape) : null;
    }

    public bool Run(Graph.Graph graph, PassContext context)
    {
        bool changed = false;
        var ctx = new RewriteContext(graph, context);
        foreach (var n in graph.Nodes.ToArray())
        {
            foreach (var sub in n.Subgraphs) changed |= Run(sub, context);
            if (!n.Schema.IsPure || n.Schema.Kernel is null || n.Subgraphs.Any()) continue;
            var inputs = new Tensor?[n.Inputs.Count];
            bool allConst = true;
            long inElems = 0;
            for (int i = 0; i < inputs.Length && allConst; i++)
            {
                if (n.Inputs[i] is null) continue;
                inputs[i] = ctx.ConstantOf(n.Inputs[i]) ?? ShapeStandIn(n, n.Inputs[i]!, context);
                allConst = inputs[i] is not null;
                inElems += inputs[i]?.Length ?? 0;
            }
            if (!allConst) continue;
            Tensor?[] outs;
            try
            {
                outs = n.Schema.Kernel(new KernelContext(n.Attributes, n.Outputs.Count, n.Name), inputs);
            }
            catch (EngineException)
            {
                continue; // Leave it: the error will surface at run time with the user's inputs.
            }
            long outElems = outs.Sum(t => (long)(t?.Length ?? 0));
            if (outElems > context.MaxFoldedElements && outElems > inElems) continue;
            for (int i = 0; i < n.Outputs.Count; i++)
            {
                if (n.Outputs[i] is not { } o || i >= outs.Length || outs[i] is not { } t) continue;
                // The constant keeps the value's name, so graph outputs and pinned values stay observable.
                var c = graph.AddInitializer(o.Name, t);
                graph.ReplaceAllUses(o, c);
            }
            graph.RemoveNode(n);
            changed = true;
        }
        if (changed) DeadCodeElimination.RemoveDead(graph, context);
        return changed;
    }
}
