using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>Import rules shared by elementwise ops whose pre-opset-7 forms differ from today's.</summary>
internal static class LegacyUpgrades
{
    /// <summary>Opset 1–5 carried 'consumed_inputs', an in-place hint with no meaning for us.</summary>
    public static void DropConsumedInputs(ImportRuleContext ctx) => ctx.Node.Attributes.Remove("consumed_inputs");

    /// <summary>
    /// Opset 1–6 binary ops broadcast only when 'broadcast'=1, aligning B with A at 'axis' rather
    /// than at the trailing dims. numpy broadcasting covers that once B gets trailing 1-dims, which
    /// an Unsqueeze adds; with 'axis' absent the alignment is already the trailing one.
    /// </summary>
    public static void ExplicitBroadcast(ImportRuleContext ctx)
    {
        var node = ctx.Node;
        bool broadcast = node.Attributes.HasExplicit("broadcast") && node.Attributes.GetInt("broadcast") != 0;
        long? axis = node.Attributes.HasExplicit("axis") ? node.Attributes.GetInt("axis") : null;
        node.Attributes.Remove("broadcast");
        node.Attributes.Remove("axis");
        if (!broadcast || axis is null) return;
        var a = node.Input(0) ?? throw ctx.Fail("input A is missing");
        var b = node.Input(1) ?? throw ctx.Fail("input B is missing");
        if (!a.Type.HasRank || !b.Type.HasRank)
            throw ctx.Fail("legacy broadcast with 'axis' needs inputs of known rank");
        int rankA = a.Type.Rank, rankB = b.Type.Rank;
        long ax = axis.Value < 0 ? axis.Value + rankA : axis.Value;
        if (ax < 0 || ax + rankB > rankA) throw ctx.Fail($"axis {axis} does not fit B of rank {rankB} into A of rank {rankA}");
        int trailing = (int)(rankA - ax - rankB);
        if (trailing == 0) return;
        var axes = Enumerable.Range(rankB, trailing).Select(i => (long)i).ToArray();
        var unsqueeze = NodeFactory.Create(ctx.Registry.Get("Unsqueeze"), NodeFactory.FreshName(node.Name + "_align"),
            [b, ctx.Constant(Tensor.FromArray(axes, axes.Length), node.Name + "_align_axes")]);
        ctx.EmitBefore(unsqueeze);
        node.SetInput(1, unsqueeze.Outputs[0]);
    }

    /// <summary>
    /// PRelu-1/6 applied a 1-D slope of C values along the channel axis (1) of an N×C×… input; numpy
    /// broadcasting would align it with the last axis instead, so the slope gets trailing 1-dims
    /// (a reshaped constant when the slope is one, an Unsqueeze otherwise).
    /// </summary>
    public static void ChannelSlope(ImportRuleContext ctx)
    {
        var node = ctx.Node;
        if (node.Input(0) is not { } x || node.Input(1) is not { } slope) return;
        if (x.Type.Dims is not { Length: > 2 } xd) return;
        int rank = xd.Length;
        var data = TypePropagation.ConstantOf(slope);
        var sd = slope.Type.Dims;
        int? length = data?.Length ?? (sd is { Length: 1 } && sd[0].IsKnown ? (int)sd[0].Value : null);
        bool oneD = data is not null ? data.Rank == 1 : sd is { Length: 1 };
        // A single value broadcasts the same either way; an unknown length cannot be placed.
        if (!oneD || length is null or 1) return;
        if (xd[1].IsKnown && xd[1].Value != length)
            throw ctx.Fail($"slope of {length} values does not match the {xd[1].Value} channels of X");
        // An initializer that is also a graph input may be overridden at run time: reshape it in the graph.
        bool overridable = node.Owner?.Inputs.Contains(slope) ?? true;
        if (data is not null && !overridable)
        {
            var shape = new int[rank - 1];
            Array.Fill(shape, 1);
            shape[0] = data.Length;
            node.SetInput(1, ctx.Constant(data.Reshape(shape), node.Name + "_slope"));
            return;
        }
        var axes = Enumerable.Range(1, rank - 2).Select(i => (long)i).ToArray();
        var unsqueeze = NodeFactory.Create(ctx.Registry.Get("Unsqueeze"), NodeFactory.FreshName(node.Name + "_slope"),
            [slope, ctx.Constant(Tensor.FromArray(axes, axes.Length), node.Name + "_slope_axes")]);
        ctx.EmitBefore(unsqueeze);
        node.SetInput(1, unsqueeze.Outputs[0]);
    }
}
