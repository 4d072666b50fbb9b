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
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(2)
            .Gradient(g =>
            {
                LossGradients.CrossEntropy(g, softmax: true);
                if (g.NeedsGrad(1)) g.SetGrad(1, ProbabilityLabelGradient(g));
            });

        r.Add(OpRegistry.EngineDomain, "CrossEntropyLogProbGrad").Since(1).In("dY", "log_prob", "labels", "weights?").Out("dlog_prob")
            .Attr("reduction", "mean")
            .Attr("label_smoothing", 0.0f)
            .OptionalAttr("ignore_index", AttrType.Int)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(1)))
            .WithKernel(CrossEntropyKernels.LogProbGrad)
            .Fuses(FusionKind.Opaque);
    }

    /// <summary>
    /// Probability labels are differentiable (distillation targets): d loss / d y_c = −(1−ε)·w_c·logp_c
    /// times the row's upstream gradient (a "mean" here is over the N·d rows).
    /// </summary>
    private static Value ProbabilityLabelGradient(GradientContext g)
    {
        var x = g.X(0);
        var dy = g.dY(0) ?? throw g.Fail("probability labels get a gradient only through the loss output");
        var logProb = g.Node.Output(1) ?? g.Op("LogSoftmax", [x], ("axis", 1L));
        string mode = g.Attributes.GetString("reduction");
        Value up = mode switch
        {
            "none" => g.Op("Unsqueeze", dy, g.Ints(1)),
            "sum" => dy,
            _ => g.Op("Div", dy, g.Op("Div", g.Cast(g.Op("Size", x), x.Type.Elem),
                g.Cast(g.Op("Reshape", g.Op("Slice", g.ShapeOf(x), g.Ints(1), g.Ints(2)), g.Ints()), x.Type.Elem))),
        };
        double eps = g.Attributes.GetFloat("label_smoothing");
        Value coef = g.ConstLike(-(1 - eps), x);
        if (g.HasX(2))
        {
            int rank = x.Type.Rank;
            var w = g.Op("Reshape", g.X(2), g.Ints([-1, .. Enumerable.Repeat(1L, rank - 2)]));
            coef = g.Op("Mul", coef, w);
        }
        return g.Op("Mul", g.Op("Mul", coef, logProb), up);
    }

    /// <summary>[N, d1..dk] for reduction "none", a scalar otherwise.</summary>
    private static Dim[]? RowDims(InferenceContext ctx, TensorType scores)
    {
        if (ctx.Attributes.GetString("reduction") != "none") return [];
        if (scores.Dims is null) return null;
        return [scores.Dims[0], .. scores.Dims.Skip(2)];
    }
}
