using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// ai.engine::CosineEmbeddingLoss(input1, input2, target) and ai.engine::TripletMarginLoss(anchor,
/// positive, negative), over vectors on the last axis, with their backward ops (…Grad: dY first, then
/// the forward inputs; one gradient per vector input).
/// </summary>
public sealed class EmbeddingLossOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add(OpRegistry.EngineDomain, "CosineEmbeddingLoss").Since(1).In("input1", "input2", "target").Out("loss")
            .Attr("reduction", "mean").Attr("margin", 0.0f)
            .Infer(RowLoss)
            .WithKernel(EmbeddingLossKernels.CosineEmbeddingLoss)
            .NotDifferentiable(2)
            .Gradient(g =>
            {
                var d = g.OpN("ai.engine::CosineEmbeddingLossGrad", 2, [g.dY(0), g.X(0), g.X(1), g.X(2)], LossGradients.Attrs(g));
                g.SetGrad(0, d[0]);
                g.SetGrad(1, d[1]);
            });
        r.Add(OpRegistry.EngineDomain, "CosineEmbeddingLossGrad").Since(1).In("dY", "input1", "input2", "target").Out("dinput1", "dinput2")
            .Attr("reduction", "mean").Attr("margin", 0.0f)
            .Infer(ctx => SameAsInputs(ctx, 1, 2))
            .WithKernel(EmbeddingLossKernels.CosineEmbeddingLossGrad);

        r.Add(OpRegistry.EngineDomain, "TripletMarginLoss").Since(1).In("anchor", "positive", "negative").Out("loss")
            .Attr("reduction", "mean").Attr("margin", 1.0f).Attr("p", 2.0f).Attr("eps", 1e-6f).Attr("swap", 0L)
            .Infer(RowLoss)
            .WithKernel(EmbeddingLossKernels.TripletMarginLoss)
            .Gradient(g =>
            {
                var d = g.OpN("ai.engine::TripletMarginLossGrad", 3, [g.dY(0), g.X(0), g.X(1), g.X(2)], LossGradients.Attrs(g));
                for (int i = 0; i < 3; i++) g.SetGrad(i, d[i]);
            });
        r.Add(OpRegistry.EngineDomain, "TripletMarginLossGrad").Since(1).In("dY", "anchor", "positive", "negative")
            .Out("danchor", "dpositive", "dnegative")
            .Attr("reduction", "mean").Attr("margin", 1.0f).Attr("p", 2.0f).Attr("eps", 1e-6f).Attr("swap", 0L)
            .Infer(ctx => SameAsInputs(ctx, 1, 2, 3))
            .WithKernel(EmbeddingLossKernels.TripletMarginLossGrad);
    }

    /// <summary>One loss per row (all axes but the last) for "none", a scalar otherwise.</summary>
    private static void RowLoss(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        Dim[]? dims = ctx.Attributes.GetString("reduction") != "none" ? [] : x.Dims is { Length: > 0 } d ? d[..^1] : null;
        ctx.SetOutput(0, x.Elem, dims);
    }

    private static void SameAsInputs(InferenceContext ctx, params int[] inputs)
    {
        for (int o = 0; o < inputs.Length; o++) ctx.SetOutput(o, ctx.Required(inputs[o]));
    }
}
