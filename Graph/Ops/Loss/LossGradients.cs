using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>
/// Pieces the loss ops' gradient rules share: the upstream gradient each per-element loss receives
/// under the node's reduction, the softmax chain from d log_prob to d scores, and the node's
/// attributes for backward ops that take the same ones.
/// </summary>
internal static class LossGradients
{
    /// <summary>
    /// dY broadcastable against input 0: dY itself for "none", dY for "sum", dY / (element count) for
    /// "mean" and dY / (first dim) for "batchmean" — constants when the shape is static.
    /// </summary>
    public static Value Upstream(GradientContext g, Value dY)
    {
        var x = g.X(0);
        string mode = g.Attributes.GetString("reduction");
        if (mode is "none" or "sum") return dY;
        Value count;
        if (x.Type.IsStatic)
        {
            var shape = x.Type.StaticShape();
            long n = mode == "batchmean" ? (shape.Length == 0 ? 1 : shape[0]) : Tensor.ElementCount(shape);
            count = g.ConstLike(n, x);
        }
        else if (mode == "batchmean")
        {
            var first = g.Op("Slice", g.ShapeOf(x), g.Ints(0), g.Ints(1));
            count = g.Cast(g.Op("Reshape", first, g.Ints()), x.Type.Elem);
        }
        else count = g.Cast(g.Op("Size", x), x.Type.Elem);
        return g.Op("Div", dY, count);
    }

    /// <summary>The node's explicitly set attributes, to pass on to a backward op with the same ones.</summary>
    public static (string, object)[] Attrs(GradientContext g, params string[] names) =>
        g.Attributes.Explicit.Where(kv => names.Length == 0 || names.Contains(kv.Key)).Select(kv => (kv.Key, kv.Value)).ToArray();

    /// <summary>Backward of log_softmax along <paramref name="axis"/>: d x = d lp − softmax·Σ d lp.</summary>
    public static Value LogSoftmaxBackward(GradientContext g, Value dlp, Value logProb, long axis)
    {
        var sum = g.Op("ReduceSum", [dlp, g.Ints(axis)], ("keepdims", 1L));
        return g.Op("Sub", dlp, g.Op("Mul", g.Op("Exp", logProb), sum));
    }

    /// <summary>
    /// Gradient of the class-indexed losses (SoftmaxCrossEntropyLoss in both domains, with
    /// <paramref name="softmax"/>, and NegativeLogLikelihoodLoss without): d log_prob from the shared
    /// backward op, plus any gradient flowing into the log_prob output, then the softmax chain.
    /// </summary>
    public static void CrossEntropy(GradientContext g, bool softmax)
    {
        var x = g.X(0);
        Value logProb = !softmax ? x : g.Node.Output(1) is { } lpOut ? lpOut : g.Op("LogSoftmax", [x], ("axis", 1L));
        Value? dlp = null;
        if (g.dY(0) is { } dy)
        {
            var inputs = new List<Value?> { dy, logProb, g.X(1) };
            if (g.HasX(2)) inputs.Add(g.X(2));
            dlp = g.Op("ai.engine::CrossEntropyLogProbGrad", inputs.ToArray(), Attrs(g, "reduction", "ignore_index", "label_smoothing"));
        }
        if (softmax && g.dY(1) is { } dlpOut) dlp = dlp is null ? dlpOut : g.Op("Add", dlp, dlpOut);
        if (dlp is null) return;
        g.SetGrad(0, softmax ? LogSoftmaxBackward(g, dlp, logProb, 1) : dlp);
    }
}
