using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>BatchNormalization, Instance/Layer/Group/RMS normalization, LRN, MVN, LpNormalization.</summary>
public sealed class NormalizationOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("BatchNormalization").Since(15).In("X", "scale", "B", "input_mean", "input_var").Out("Y", "running_mean?", "running_var?")
            .Attr("epsilon", 1e-5f)
            .Attr("momentum", 0.9f)
            .Attr("training_mode", 0L)
            .Infer(InferBatchNorm)
            .WithKernel(BatchNormKernels.BatchNormalization)
            .Upgrade(7, "is_test and consumed_inputs removed", BatchNormBefore7)
            .Upgrade(9, "spatial removed", BatchNormBefore9)
            .Upgrade(14, "training_mode attribute replaced the output count", BatchNormBefore14)
            .Fuses(FusionKind.Broadcast)
            .Gradient(NormalizationGradients.BatchNorm);

        r.Add("InstanceNormalization").Since(22).In("input", "scale", "B").Out("output")
            .Attr("epsilon", 1e-5f)
            .Upgrade(6, "consumed_inputs removed", ctx => ctx.Node.Attributes.Remove("consumed_inputs"))
            .Infer(Shapes.SameAsInput0)
            .WithKernel(NormalizationKernels.InstanceNormalization)
            .Fuses(FusionKind.Opaque)
            .Gradient(NormalizationGradients.InstanceNorm);

        r.Add("LayerNormalization").Since(17).In("X", "Scale", "B?").Out("Y", "Mean?", "InvStdDev?")
            .Attr("axis", -1L)
            .Attr("epsilon", 1e-5f)
            .Attr("stash_type", 1L)
            .Infer(InferLayerNorm)
            .WithKernel(NormalizationKernels.LayerNormalization)
            .Fuses(FusionKind.Opaque)
            .Gradient(NormalizationGradients.LayerNorm);

        r.Add("GroupNormalization").Since(21).In("X", "scale", "bias").Out("Y")
            .Attr("epsilon", 1e-5f)
            .RequiredAttr("num_groups", AttrType.Int)
            .Attr("stash_type", 1L)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(NormalizationKernels.GroupNormalization)
            .Upgrade(21, "scale and bias were per group", GroupNormBefore21)
            .Fuses(FusionKind.Opaque)
            .Gradient(NormalizationGradients.GroupNorm);

        r.Add("RMSNormalization").Since(23).In("X", "scale").Out("Y")
            .Attr("axis", -1L)
            .Attr("epsilon", 1e-5f)
            .Attr("stash_type", 1L)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                if (x.Dims is { } d) Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), d.Length);
                ctx.SetOutput(0, x);
            })
            .WithKernel(NormalizationKernels.RMSNormalization)
            .Fuses(FusionKind.Opaque)
            .Gradient(NormalizationGradients.RmsNorm);

        r.Add("LRN").Since(13).In("X").Out("Y")
            .Attr("alpha", 1e-4f)
            .Attr("beta", 0.75f)
            .Attr("bias", 1.0f)
            .RequiredAttr("size", AttrType.Int)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(LocalNormKernels.LRN)
            .Fuses(FusionKind.Opaque);

        r.Add("MeanVarianceNormalization").Since(13).In("X").Out("Y")
            .Attr("axes", new long[] { 0, 2, 3 })
            .Infer(Shapes.SameAsInput0)
            .WithKernel(LocalNormKernels.MeanVarianceNormalization)
            .Fuses(FusionKind.Opaque);

        r.Add("LpNormalization").Since(22).In("input").Out("output")
            .Attr("axis", -1L)
            .Attr("p", 2L)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(LocalNormKernels.LpNormalization)
            .Fuses(FusionKind.Opaque)
            .Gradient(NormalizationGradients.LpNorm);
    }

    private static void InferBatchNorm(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        ctx.SetOutput(0, x);
        var c = x.Dims is { Length: >= 2 } d ? d[1] : Dim.Unknown;
        if (ctx.Input(3) is { } m) ctx.SetOutput(1, m.Elem, [c]);
        if (ctx.Input(4) is { } v) ctx.SetOutput(2, v.Elem, [c]);
    }

    private static void InferLayerNorm(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        ctx.SetOutput(0, x);
        var stat = NormalizationKernels.StashType(ctx.Attributes.GetInt("stash_type"), ctx.Fail);
        Dim[]? dims = null;
        if (x.Dims is { } d)
        {
            int axis = Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), d.Length);
            dims = d.Select((dim, i) => i < axis ? dim : Dim.Of(1)).ToArray();
        }
        ctx.SetOutput(1, stat, dims);
        ctx.SetOutput(2, stat, dims);
    }

    /// <summary>BatchNormalization-1/6: is_test=0 meant training outputs; consumed_inputs is legacy.</summary>
    private static void BatchNormBefore7(ImportRuleContext ctx)
    {
        ctx.Node.Attributes.Remove("consumed_inputs");
        ctx.Node.Attributes.Remove("is_test");
    }

    /// <summary>
    /// spatial=0 gave the statistics one value per (channel, position); our kernel accepts such
    /// parameters (shape X.shape[1:]) directly, so the flag is simply dropped.
    /// </summary>
    private static void BatchNormBefore9(ImportRuleContext ctx) => ctx.Node.Attributes.Remove("spatial");

    /// <summary>Before opset 14 the presence of the running-statistics outputs selected training.</summary>
    private static void BatchNormBefore14(ImportRuleContext ctx)
    {
        var outs = ctx.Node.Outputs;
        for (int i = 3; i < outs.Count; i++)
        {
            if (outs[i] is not null)
                throw ctx.Fail("the saved_mean/saved_var training outputs of BatchNormalization before opset 9 are not supported");
        }
        if (outs.Skip(1).Any(o => o is not null)) ctx.Node.Attributes.Set("training_mode", 1L);
    }

    /// <summary>
    /// GroupNormalization-18 took scale/bias of shape [num_groups]. When they are constants and the
    /// channel count is known they are expanded to per-channel [C] tensors; otherwise the kernel's
    /// per-group form (a [num_groups] scale, still accepted) keeps the old meaning.
    /// </summary>
    private static void GroupNormBefore21(ImportRuleContext ctx)
    {
        var n = ctx.Node;
        long groups = n.Attributes.GetInt("num_groups");
        var c = n.Input(0)?.Type.Dims is { Length: >= 2 } d && d[1].IsKnown ? d[1].Value : -1;
        if (c < 0 || groups < 1 || c % groups != 0 || groups == c) return;
        var consts = new[] { n.Input(1), n.Input(2) }.Select(v => v is null ? null : TypePropagation.ConstantOf(v)).ToArray();
        if (consts.Any(t => t is null || t.Length != groups || !DataTypes.IsFloat(t.Type))) return;
        for (int i = 1; i <= 2; i++)
        {
            var t = consts[i - 1]!;
            var src = t.ToDoubleArray();
            var dst = new double[c];
            for (int ch = 0; ch < c; ch++) dst[ch] = src[ch / (c / groups)];
            Tensor expanded = t.Type switch
            {
                DataType.Double => Tensor.FromArray(dst, (int)c),
                DataType.Float16 => Tensor.FromArray(dst.Select(v => (Half)v).ToArray(), (int)c),
                DataType.BFloat16 => Tensor.BFloat16(dst.Select(v => BFloat16Bits.FromFloat((float)v)).ToArray(), (int)c),
                _ => Tensor.FromArray(dst.Select(v => (float)v).ToArray(), (int)c),
            };
            n.SetInput(i, ctx.Constant(expanded, n.Name + (i == 1 ? "_scale" : "_bias")));
        }
    }
}
