namespace Engine.Runtime.Kernels;

/// <summary>
/// Connectionist temporal classification (Graves et al. 2006), as PyTorch's CTCLoss defines it:
/// log_probs [T, N, C] (log-softmax outputs), targets [N, S] padded or [Σ target_lengths] concatenated,
/// input_lengths [N], target_lengths [N]; attributes blank, reduction ("mean" divides each loss by its
/// target length, then averages over the batch) and zero_infinity. The forward–backward recursions run
/// in log space over the blank-extended label sequence; the backward kernel returns
/// d loss / d log_probs = −Σ_{s: l'_s = k} exp(α_t(s) + β_t(s) − log p) per sample, where β excludes
/// the emission at t.
/// </summary>
public static class CtcLossKernels
{
    public static Tensor?[] CTCLoss(KernelContext ctx, Tensor?[] inputs)
    {
        var problem = Read(ctx, inputs, 0);
        var loss = new double[problem.N];
        for (int b = 0; b < problem.N; b++) loss[b] = Sample(problem, b, null, 0);
        return [Reduce(ctx, problem, loss, inputs[0]!.Type)];
    }

    /// <summary>(dY, log_probs, targets, input_lengths, target_lengths) → d log_probs.</summary>
    public static Tensor?[] CTCLossGrad(KernelContext ctx, Tensor?[] inputs)
    {
        var dY = LossReduction.RequiredFloat(ctx, inputs, 0, "dY");
        var problem = Read(ctx, inputs, 1);
        var d = dY.ToDoubleArray();
        if (problem.Mode == "none" ? d.Length != problem.N : d.Length != 1)
            throw ctx.Fail($"gradient shape {Tensor.ShapeString(dY.Shape)} does not match the loss");
        var grad = new double[problem.LogProbs.Length];
        for (int b = 0; b < problem.N; b++)
        {
            double g = problem.Mode switch
            {
                "none" => d[b],
                "sum" => d[0],
                _ => d[0] / problem.N / Math.Max(problem.TargetLengths[b], 1),
            };
            Sample(problem, b, grad, g);
        }
        var lp = inputs[1]!;
        return [DoubleBridge.FromDoubles(lp.Type, (int[])lp.Shape.Clone(), grad)];
    }

    private sealed record Problem(string Mode, int T, int N, int C, int Blank, bool ZeroInfinity, double[] LogProbs,
        long[][] Targets, long[] InputLengths, long[] TargetLengths);

    private static Tensor Reduce(KernelContext ctx, Problem p, double[] loss, DataType type)
    {
        if (p.Mode == "none") return DoubleBridge.FromDoubles(type, [p.N], loss);
        double s = 0;
        for (int b = 0; b < p.N; b++) s += p.Mode == "sum" ? loss[b] : loss[b] / Math.Max(p.TargetLengths[b], 1);
        return DoubleBridge.FromDoubles(type, [], [p.Mode == "sum" ? s : s / p.N]);
    }

    private static Problem Read(KernelContext ctx, Tensor?[] inputs, int first)
    {
        var lp = LossReduction.RequiredFloat(ctx, inputs, first, "log_probs");
        var targets = LossReduction.Required(ctx, inputs, first + 1, "targets");
        var inLen = LossReduction.Required(ctx, inputs, first + 2, "input_lengths").ToInt64Array();
        var tgtLen = LossReduction.Required(ctx, inputs, first + 3, "target_lengths").ToInt64Array();
        string mode = LossReduction.Mode(ctx, "none", "mean", "sum");
        if (lp.Rank != 3) throw ctx.Fail($"log_probs must have shape [T, N, C], got {Tensor.ShapeString(lp.Shape)}");
        int t = lp.Shape[0], n = lp.Shape[1], c = lp.Shape[2];
        int blank = (int)ctx.Attributes.GetInt("blank");
        if (blank < 0 || blank >= c) throw ctx.Fail($"blank {blank} is outside [0, {c})");
        if (inLen.Length != n || tgtLen.Length != n)
            throw ctx.Fail($"input_lengths and target_lengths must have {n} elements, got {inLen.Length} and {tgtLen.Length}");
        if (targets.Type is not (DataType.Int32 or DataType.Int64)) throw ctx.Fail($"targets must be int32 or int64, got {targets.Type}");
        var flat = targets.ToInt64Array();
        var seqs = new long[n][];
        long offset = 0;
        for (int b = 0; b < n; b++)
        {
            if (inLen[b] < 0 || inLen[b] > t) throw ctx.Fail($"input_lengths[{b}] = {inLen[b]} is outside [0, {t}]");
            long len = tgtLen[b];
            long start;
            if (targets.Rank == 2 && targets.Shape[0] == n)
            {
                if (len < 0 || len > targets.Shape[1]) throw ctx.Fail($"target_lengths[{b}] = {len} is outside [0, {targets.Shape[1]}]");
                start = (long)b * targets.Shape[1];
            }
            else if (targets.Rank == 1)
            {
                if (len < 0 || offset + len > flat.Length) throw ctx.Fail($"target_lengths add up to more than the {flat.Length} targets");
                start = offset;
                offset += len;
            }
            else throw ctx.Fail($"targets must have shape [N, S] or [Σ target_lengths], got {Tensor.ShapeString(targets.Shape)}");
            seqs[b] = flat.AsSpan((int)start, (int)len).ToArray();
            foreach (var k in seqs[b])
            {
                if (k < 0 || k >= c || k == blank) throw ctx.Fail($"target label {k} of sample {b} is the blank or outside [0, {c})");
            }
        }
        return new Problem(mode, t, n, c, blank, ctx.Attributes.GetInt("zero_infinity") != 0, lp.ToDoubleArray(), seqs, inLen, tgtLen);
    }

    /// <summary>The loss −log p of sample b; when <paramref name="grad"/> is given, adds scale·∂loss/∂log_probs to it.</summary>
    private static double Sample(Problem p, int b, double[]? grad, double scale)
    {
        var target = p.Targets[b];
        int tb = (int)p.InputLengths[b], s = 2 * target.Length + 1;
        var label = new int[s];
        for (int i = 0; i < s; i++) label[i] = i % 2 == 0 ? p.Blank : (int)target[i / 2];
        double Lp(int t, int k) => p.LogProbs[(t * p.N + b) * p.C + k];
        bool Skip(int i) => i >= 2 && label[i] != p.Blank && label[i] != label[i - 2];

        if (tb == 0) return target.Length == 0 ? 0 : p.ZeroInfinity ? 0 : double.PositiveInfinity;
        var alpha = new double[tb, s];
        for (int t = 0; t < tb; t++)
        {
            for (int i = 0; i < s; i++)
            {
                double a;
                if (t == 0) a = i <= 1 ? 0 : double.NegativeInfinity;
                else
                {
                    a = alpha[t - 1, i];
                    if (i >= 1) a = LogAdd(a, alpha[t - 1, i - 1]);
                    if (Skip(i)) a = LogAdd(a, alpha[t - 1, i - 2]);
                }
                alpha[t, i] = double.IsNegativeInfinity(a) ? a : a + Lp(t, label[i]);
            }
        }
        double logP = alpha[tb - 1, s - 1];
        if (s > 1) logP = LogAdd(logP, alpha[tb - 1, s - 2]);
        double loss = -logP;
        bool infinite = double.IsPositiveInfinity(loss);
        if (infinite && p.ZeroInfinity) loss = 0;
        if (grad is null || infinite) return loss;

        var beta = new double[tb, s];
        for (int t = tb - 1; t >= 0; t--)
        {
            for (int i = 0; i < s; i++)
            {
                double v;
                if (t == tb - 1) v = i >= s - 2 ? 0 : double.NegativeInfinity;
                else
                {
                    v = beta[t + 1, i] + Lp(t + 1, label[i]);
                    if (i + 1 < s) v = LogAdd(v, beta[t + 1, i + 1] + Lp(t + 1, label[i + 1]));
                    if (i + 2 < s && Skip(i + 2)) v = LogAdd(v, beta[t + 1, i + 2] + Lp(t + 1, label[i + 2]));
                }
                beta[t, i] = v;
            }
        }
        for (int t = 0; t < tb; t++)
        {
            for (int i = 0; i < s; i++)
            {
                double lg = alpha[t, i] + beta[t, i] - logP;
                if (!double.IsNegativeInfinity(lg)) grad[(t * p.N + b) * p.C + label[i]] -= scale * Math.Exp(lg);
            }
        }
        return loss;
    }

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }
}
