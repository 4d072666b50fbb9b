namespace Engine.Runtime.Kernels;

/// <summary>
/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Inputs are [N, C, d1..dk] with targets
/// [N, d1..dk]; arithmetic runs in double and rounds once to the input's type.
/// </summary>
public static class LossKernels
{
    public static Tensor?[] NegativeLogLikelihoodLoss(KernelContext ctx, Tensor?[] inputs)
    {
        var input = Get(ctx, inputs, 0, "input");
        var target = Get(ctx, inputs, 1, "target");
        var weight = inputs.Length > 2 ? inputs[2] : null;
        Check(ctx, input, target, weight);
        var loss = Nll(ctx, input.ToDoubleArray(), input.Shape, target, weight);
        return [loss.ToTensor(input.Type)];
    }

    public static Tensor?[] SoftmaxCrossEntropyLoss(KernelContext ctx, Tensor?[] inputs)
    {
        var scores = Get(ctx, inputs, 0, "scores");
        var labels = Get(ctx, inputs, 1, "labels");
        var weight = inputs.Length > 2 ? inputs[2] : null;
        Check(ctx, scores, labels, weight);
        var logProb = LogSoftmaxAxis1(scores.ToDoubleArray(), scores.Shape);
        var loss = Nll(ctx, logProb, scores.Shape, labels, weight);
        var result = new Tensor?[Math.Max(1, ctx.OutputCount)];
        result[0] = loss.ToTensor(scores.Type);
        if (result.Length > 1) result[1] = DoubleBridge.FromDoubles(scores.Type, (int[])scores.Shape.Clone(), logProb);
        return result;
    }

    private static Tensor Get(KernelContext ctx, Tensor?[] inputs, int i, string name) =>
        (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input '{name}' is required");

    private static void Check(KernelContext ctx, Tensor x, Tensor target, Tensor? weight)
    {
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"input must be a float tensor, got {x.Type}");
        if (x.Rank < 2) throw ctx.Fail($"input must have shape [N, C, ...], got {Tensor.ShapeString(x.Shape)}");
        if (target.Type is not (DataType.Int32 or DataType.Int64)) throw ctx.Fail($"target must be int32 or int64, got {target.Type}");
        bool ok = target.Rank == x.Rank - 1 && target.Shape[0] == x.Shape[0];
        for (int i = 1; ok && i < target.Rank; i++) ok = target.Shape[i] == x.Shape[i + 1];
        if (!ok) throw ctx.Fail($"target shape {Tensor.ShapeString(target.Shape)} does not match input shape {Tensor.ShapeString(x.Shape)}");
        if (weight is not null && (weight.Rank != 1 || weight.Shape[0] != x.Shape[1]))
            throw ctx.Fail($"weight must have shape [{x.Shape[1]}], got {Tensor.ShapeString(weight.Shape)}");
    }

    /// <summary>log_softmax over axis 1 of a [N, C, D] view, max-shifted for stability.</summary>
    public static double[] LogSoftmaxAxis1(double[] x, int[] shape)
    {
        int n = shape[0], c = shape[1];
        int d = x.Length == 0 ? 0 : x.Length / (n * c);
        var r = new double[x.Length];
        for (int b = 0; b < n; b++)
        {
            for (int k = 0; k < d; k++)
            {
                int baseIdx = b * c * d + k;
                double m = double.NegativeInfinity;
                for (int j = 0; j < c; j++) m = Math.Max(m, x[baseIdx + j * d]);
                if (double.IsInfinity(m)) m = 0;
                double s = 0;
                for (int j = 0; j < c; j++) s += Math.Exp(x[baseIdx + j * d] - m);
                double lse = m + Math.Log(s);
                for (int j = 0; j < c; j++) r[baseIdx + j * d] = x[baseIdx + j * d] - lse;
            }
        }
        return r;
    }

    private readonly record struct LossValue(int[] Shape, double[] Values)
    {
        public Tensor ToTensor(DataType t) => DoubleBridge.FromDoubles(t, Shape, Values);
    }

    private static LossValue Nll(KernelContext ctx, double[] logProb, int[] shape, Tensor target, Tensor? weight)
    {
        int n = shape[0], c = shape[1];
        var t = target.ToInt64Array();
        int d = n == 0 ? 0 : t.Length / n;
        var w = weight?.ToDoubleArray();
        long? ignore = ctx.Attributes.Has("ignore_index") ? ctx.Attributes.GetInt("ignore_index") : null;
        string reduction = ctx.Attributes.GetString("reduction");
        var loss = new double[t.Length];
        double weightSum = 0;
        for (int b = 0; b < n; b++)
        {
            for (int k = 0; k < d; k++)
            {
                int i = b * d + k;
                long cls = t[i];
                if (ignore == cls) continue;
                if (cls < 0 || cls >= c) throw ctx.Fail($"target value {cls} is outside [0, {c})");
                double wi = w is null ? 1 : w[cls];
                loss[i] = -logProb[(b * c + (int)cls) * d + k] * wi;
                weightSum += wi;
            }
        }
        switch (reduction)
        {
            case "none":
                return new LossValue((int[])target.Shape.Clone(), loss);
            case "sum":
                return new LossValue([], [loss.Sum()]);
            case "mean":
                return new LossValue([], [loss.Sum() / weightSum]);
            default:
                throw ctx.Fail($"reduction must be 'none', 'sum' or 'mean', got '{reduction}'");
        }
    }
}
