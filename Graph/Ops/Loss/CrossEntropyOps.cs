using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// ai.engine::SoftmaxCrossEntropyLoss extends ONNX's op of the same name with probability (one-hot or
/// soft) labels and label smoothing; ai.engine::CrossEntropyLogProbGrad is the shared backward step of
/// every class-indexed loss (d loss / d log_prob; the softmax part of the chain is written with
/// registered ops in the gradient rules).
/// </summary>
public sealed class CrossEntropyOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add(OpRegistry.EngineDomain, "SoftmaxCrossEntropyLoss").Since(1).In("scores", "labels", "weights?").Out("output", "log_prob?")
            .Attr("reduction", "mean")
            .Attr("label_smoothing", 0.0f)
            .OptionalAttr("ignore_index", AttrType.Int)
            .Infer(ctx =>
            {
                var scores = ctx.Required(0);
                ctx.SetOutput(0, scores.Elem, RowDims(ctx, scores));
                ctx.SetOutput(1, scores);
            })
            .WithKernel(CrossEntropyKernels.SoftmaxCrossEntropyLoss)
            .Fuses(FusionKind.Opaque);

        r.Add(OpRegistry.EngineDomain, "CrossEntropyLogProbGrad").Since(1).In("dY", "log_prob", "labels", "weights?").Out("dlog_prob")
            .Attr("reduction", "mean")
            .Attr("label_smoothing", 0.0f)
            .OptionalAttr("ignore_index", AttrType.Int)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(1)))
            .WithKernel(CrossEntropyKernels.LogProbGrad)
            .Fuses(FusionKind.Opaque);
    }

    /// <summary>[N, d1..dk] for reduction "none", a scalar otherwise.</summary>
    private static Dim[]? RowDims(InferenceContext ctx, TensorType scores)
    {
        if (ctx.Attributes.GetString("reduction") != "none") return [];
        if (scores.Dims is null) return null;
        return [scores.Dims[0], .. scores.Dims.Skip(2)];
    }
}
