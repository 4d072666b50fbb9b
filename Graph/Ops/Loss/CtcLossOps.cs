using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// ai.engine::CTCLoss(log_probs [T, N, C], targets, input_lengths, target_lengths) and its backward
/// op CTCLossGrad (dY first): the forward–backward recursions are sequential over time and label
/// position, so a dedicated kernel is both simpler and far cheaper than a graph of registered ops.
/// </summary>
public sealed class CtcLossOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add(OpRegistry.EngineDomain, "CTCLoss").Since(1).In("log_probs", "targets", "input_lengths", "target_lengths").Out("loss")
            .Attr("reduction", "mean").Attr("blank", 0L).Attr("zero_infinity", 0L)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                Dim[]? dims = ctx.Attributes.GetString("reduction") != "none" ? [] : x.Dims is { Length: 3 } d ? [d[1]] : [Dim.Unknown];
                ctx.SetOutput(0, x.Elem, dims);
            })
            .WithKernel(CtcLossKernels.CTCLoss)
            .NotDifferentiable(1, 2, 3)
            .Gradient(g => g.SetGrad(0, g.Op("ai.engine::CTCLossGrad", [g.dY(0), g.X(0), g.X(1), g.X(2), g.X(3)], LossGradients.Attrs(g))));
        r.Add(OpRegistry.EngineDomain, "CTCLossGrad").Since(1).In("dY", "log_probs", "targets", "input_lengths", "target_lengths").Out("dlog_probs")
            .Attr("reduction", "mean").Attr("blank", 0L).Attr("zero_infinity", 0L)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(1)))
            .WithKernel(CtcLossKernels.CTCLossGrad);
    }
}
