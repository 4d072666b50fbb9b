namespace Engine.Runtime.Kernels;

/// <summary>
/// Cross-entropy on log-probabilities [N, C, d1..dk], in the general form every class-indexed loss
/// shares: loss_i = −Σ_c coef_ic · logp_ic. Integer labels [N, d1..dk] give coef = w_t·(1−ε) at the
/// label plus w_c·ε/C everywhere (label smoothing ε, class weights w, ignore_index rows all zero; a
/// "mean" divides by Σ w_t of the kept rows, as PyTorch and ONNX do). Probability labels [N, C, d..]
/// give coef = w_c·((1−ε)·y_c + ε/C) and a "mean" over the N·d rows. The same coefficients give the
/// gradient, d loss / d logp = −coef, so forward and backward cannot disagree.
/// </summary>
public static class CrossEntropyKernels
{
    /// <summary>ai.engine::SoftmaxCrossEntropyLoss(scores, labels, weights?) → (loss, log_prob?).</summary>
    public static Tensor?[] SoftmaxCrossEntropyLoss(KernelContext ctx, Tensor?[] inputs)
    {
        var scores = LossReduction.RequiredFloat(ctx, inputs, 0, "scores");
        var labels = LossReduction.Required(ctx, inputs, 1, "labels");
        var weights = inputs.Length > 2 ? inputs[2] : null;
        var logProb = LossKernels.LogSoftmaxAxis1(scores.ToDoubleArray(), CheckScores(ctx, scores));
        var plan = Plan(ctx, scores.Shape, labels, weights);
        var result = new Tensor?[Math.Max(1, ctx.OutputCount)];
        result[0] = Loss(plan, logProb, scores.Type);
        if (result.Length > 1) result[1] = DoubleBridge.FromDoubles(scores.Type, (int[])scores.Shape.Clone(), logProb);
        return result;
    }

    /// <summary>ai.engine::CrossEntropyLogProbGrad(dY, log_prob, labels, weights?) → d log_prob.</summary>
    public static Tensor?[] LogProbGrad(KernelContext ctx, Tensor?[] inputs)
    {
        var dY = LossReduction.RequiredFloat(ctx, inputs, 0, "dY");
        var logProb = LossReduction.RequiredFloat(ctx, inputs, 1, "log_prob");
        var labels = LossReduction.Required(ctx, inputs, 2, "labels");
        var weights = inputs.Length > 3 ? inputs[3] : null;
        CheckScores(ctx, logProb);
        var plan = Plan(ctx, logProb.Shape, labels, weights);
        var g = LossReduction.Upstream(ctx, plan.Mode, dY, plan.Rows, plan.MeanDenominator);
        var d = new double[plan.Coef.Length];
        for (int b = 0; b < plan.N; b++)
        {
            for (int k = 0; k < plan.D; k++)
            {
                double gi = g[b * plan.D + k];
                for (int c = 0; c < plan.C; c++)
                {
                    int at = (b * plan.C + c) * plan.D + k;
                    d[at] = -gi * plan.Coef[at];
                }
            }
        }
        return [DoubleBridge.FromDoubles(logProb.Type, (int[])logProb.Shape.Clone(), d)];
    }

    /// <summary>The loss of log-probabilities under a plan, reduced.</summary>
    private static Tensor Loss(CrossEntropyPlan plan, double[] logProb, DataType type)
    {
        var loss = new double[plan.Rows];
        for (int b = 0; b < plan.N; b++)
        {
            for (int k = 0; k < plan.D; k++)
            {
                double s = 0;
                for (int c = 0; c < plan.C; c++)
                {
                    int at = (b * plan.C + c) * plan.D + k;
                    // 0·(−∞) is 0 here: a class with no weight does not count, whatever its probability.
                    if (plan.Coef[at] != 0) s -= plan.Coef[at] * logProb[at];
                }
                loss[b * plan.D + k] = s;
            }
        }
        return LossReduction.Apply(plan.Mode, type, plan.RowShape, loss, plan.MeanDenominator);
    }

    private static int[] CheckScores(KernelContext ctx, Tensor scores)
    {
        if (scores.Rank < 2) throw ctx.Fail($"scores must have shape [N, C, ...], got {Tensor.ShapeString(scores.Shape)}");
        return scores.Shape;
    }

    private sealed record CrossEntropyPlan(string Mode, int N, int C, int D, int[] RowShape, double[] Coef, double MeanDenominator)
    {
        public int Rows => N * D;
    }

    private static CrossEntropyPlan Plan(KernelContext ctx, int[] shape, Tensor labels, Tensor? weights)
    {
        string mode = LossReduction.Mode(ctx, "none", "mean", "sum");
        double eps = ctx.Attributes.GetFloat("label_smoothing", 0f);
        if (eps is < 0 or > 1) throw ctx.Fail($"label_smoothing must be in [0, 1], got {eps}");
        int n = shape[0], c = shape[1];
        int d = n * c == 0 ? 0 : (int)(Tensor.ElementCount(shape) / (n * c));
        int[] rowShape = [n, .. shape[2..]];
        double[] w = new double[c];
        if (weights is null) Array.Fill(w, 1.0);
        else
        {
            if (weights.Rank != 1 || weights.Shape[0] != c)
                throw ctx.Fail($"weights must have shape [{c}], got {Tensor.ShapeString(weights.Shape)}");
            w = weights.ToDoubleArray();
        }
        var coef = new double[n * c * d];
        double denom = 0;
        if (DataTypes.IsFloat(labels.Type))
        {
            if (!labels.Shape.AsSpan().SequenceEqual(shape))
                throw ctx.Fail($"probability labels must have the scores' shape {Tensor.ShapeString(shape)}, got {Tensor.ShapeString(labels.Shape)}");
            var y = labels.ToDoubleArray();
            for (int i = 0; i < coef.Length; i++)
            {
                int cls = i / d % c;
                coef[i] = w[cls] * ((1 - eps) * y[i] + eps / c);
            }
            denom = n * d;
        }
        else if (labels.Type is DataType.Int32 or DataType.Int64)
        {
            bool ok = labels.Rank == rowShape.Length && labels.Shape.AsSpan().SequenceEqual(rowShape);
            if (!ok) throw ctx.Fail($"labels shape {Tensor.ShapeString(labels.Shape)} does not match scores shape {Tensor.ShapeString(shape)}");
            long? ignore = ctx.Attributes.Has("ignore_index") ? ctx.Attributes.GetInt("ignore_index") : null;
            var t = labels.ToInt64Array();
            for (int b = 0; b < n; b++)
            {
                for (int k = 0; k < d; k++)
                {
                    long cls = t[b * d + k];
                    if (cls == ignore) continue;
                    if (cls < 0 || cls >= c) throw ctx.Fail($"label {cls} is outside [0, {c})");
                    for (int j = 0; j < c; j++) coef[(b * c + j) * d + k] = w[j] * eps / c;
                    coef[(b * c + (int)cls) * d + k] += w[cls] * (1 - eps);
                    denom += w[cls];
                }
            }
        }
        else throw ctx.Fail($"labels must be int32/int64 class indices or float probabilities, got {labels.Type}");
        return new CrossEntropyPlan(mode, n, c, d, rowShape, coef, denom);
    }
}
