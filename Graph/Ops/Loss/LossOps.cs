using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (older versions differ only in types). Their
/// gradients go through ai.engine::CrossEntropyLogProbGrad (see <see cref="LossGradients"/>).
/// </summary>
public sealed class LossOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("NegativeLogLikelihoodLoss").Since(22).In("input", "target", "weight?").Out("loss")
            .Attr("reduction", "mean")
            .OptionalAttr("ignore_index", AttrType.Int)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(0).Elem, LossDims(ctx)))
            .WithKernel(LossKernels.NegativeLogLikelihoodLoss)
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(1, 2)
            .Gradient(g => LossGradients.CrossEntropy(g, softmax: false));

        r.Add("SoftmaxCrossEntropyLoss").Since(13).In("scores", "labels", "weights?").Out("output", "log_prob?")
            .Attr("reduction", "mean")
            .OptionalAttr("ignore_index", AttrType.Int)
            .Infer(ctx =>
            {
                var scores = ctx.Required(0);
                ctx.SetOutput(0, scores.Elem, LossDims(ctx));
                ctx.SetOutput(1, scores);
            })
            .WithKernel(LossKernels.SoftmaxCrossEntropyLoss)
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(1, 2)
            .Gradient(g => LossGradients.CrossEntropy(g, softmax: true));
    }

    /// <summary>Per-element losses have the target's shape; reduced losses are scalars.</summary>
    private static Dim[]? LossDims(InferenceContext ctx)
    {
        var reduction = ctx.Attributes.GetString("reduction");
        if (reduction != "none") return [];
        var target = ctx.Required(1);
        if (target.Dims is not null) return target.Dims;
        var x = ctx.Required(0);
        if (x.Dims is null) return null;
        return [x.Dims[0], .. x.Dims.Skip(2)];
    }
}
