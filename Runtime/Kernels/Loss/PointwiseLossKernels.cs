namespace Engine.Runtime.Kernels;

/// <summary>
/// Losses computed element by element from (input, target[, weight]) and then reduced: MSE, L1 (MAE),
/// Huber, binary cross-entropy on probabilities and on logits, hinge and KL divergence. The target and
/// weight broadcast to the input's shape; arithmetic runs in double and rounds once to the input's type.
/// Formulas follow PyTorch's loss modules (BCE clamps its logarithms at -100 as PyTorch does).
/// </summary>
public static class PointwiseLossKernels
{
    private delegate double ElementLoss(double x, double y, AttributeMap a);

    public static readonly Kernel MSELoss = Pointwise((x, y, _) => (x - y) * (x - y));

    public static readonly Kernel L1Loss = Pointwise((x, y, _) => Math.Abs(x - y));

    public static readonly Kernel HuberLoss = Pointwise(Huber);

    public static readonly Kernel BCELoss = Pointwise(Bce, weighted: true);

    public static readonly Kernel BCEWithLogitsLoss = Pointwise(BceWithLogits, weighted: true);

    public static readonly Kernel HingeLoss = Pointwise((x, y, a) => Math.Max(0, a.GetFloat("margin") - x * y));

    public static readonly Kernel KLDivLoss = Pointwise(KlDiv, batchMean: true);

    private static double Huber(double x, double y, AttributeMap a)
    {
        double delta = a.GetFloat("delta");
        double d = Math.Abs(x - y);
        return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
    }

    private static double Bce(double x, double y, AttributeMap a) =>
        -(y * Math.Max(Math.Log(x), -100) + (1 - y) * Math.Max(Math.Log(1 - x), -100));

    /// <summary>max(x, 0) − x·y + log(1 + e^{−|x|}): never exponentiates a positive number.</summary>
    public static double BceWithLogits(double x, double y, AttributeMap a) =>
        Math.Max(x, 0) - x * y + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    /// <summary>target·(log target − input) with input a log-probability; 0 where the target is 0.</summary>
    private static double KlDiv(double x, double y, AttributeMap a)
    {
        if (a.GetInt("log_target") != 0) return Math.Exp(y) * (y - x);
        return y > 0 ? y * (Math.Log(y) - x) : 0;
    }

    private static Kernel Pointwise(ElementLoss f, bool weighted = false, bool batchMean = false) => (ctx, inputs) =>
    {
        var x = LossReduction.RequiredFloat(ctx, inputs, 0, "input");
        var t = LossReduction.Required(ctx, inputs, 1, "target");
        string mode = batchMean
            ? LossReduction.Mode(ctx, "none", "mean", "sum", "batchmean")
            : LossReduction.Mode(ctx, "none", "mean", "sum");
        var xs = x.ToDoubleArray();
        var ys = LossReduction.BroadcastTo(ctx, t, x.Shape, "target");
        var w = weighted && inputs.Length > 2 && inputs[2] is { } wt ? LossReduction.BroadcastTo(ctx, wt, x.Shape, "weight") : null;
        var loss = new double[xs.Length];
        for (int i = 0; i < xs.Length; i++) loss[i] = f(xs[i], ys[i], ctx.Attributes) * (w?[i] ?? 1);
        double denom = mode == "batchmean" ? (x.Rank == 0 ? 1 : x.Shape[0]) : xs.Length;
        if (mode == "batchmean") mode = "mean";
        return [LossReduction.Apply(mode, x.Type, x.Shape, loss, denom)];
    };
}
