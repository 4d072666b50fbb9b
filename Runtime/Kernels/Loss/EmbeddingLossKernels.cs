namespace Engine.Runtime.Kernels;

/// <summary>
/// Losses between embedding vectors (the last axis; every other axis indexes a row), with their
/// backward kernels: cosine-embedding (PyTorch's CosineEmbeddingLoss: 1 − cos for y = 1,
/// max(0, cos − margin) for y = −1) and triplet margin (max(d(a, p) − d(a, n) + margin, 0) with
/// d(u, v) = ‖u − v + eps‖_p, optional swap). The backward kernels return the gradients of all
/// vector inputs; labels get none.
/// </summary>
public static class EmbeddingLossKernels
{
    /// <summary>PyTorch adds this to both squared norms so a zero vector has cos 0, not NaN.</summary>
    private const double CosineEps = 1e-12;

    public static Tensor?[] CosineEmbeddingLoss(KernelContext ctx, Tensor?[] inputs)
    {
        var (rows, shape) = Pair(ctx, inputs, 0);
        var y = Labels(ctx, inputs[2], rows.N, "target");
        string mode = LossReduction.Mode(ctx, "none", "mean", "sum");
        double margin = ctx.Attributes.GetFloat("margin");
        var loss = new double[rows.N];
        for (int i = 0; i < rows.N; i++)
        {
            var (cos, _, _) = Cosine(rows, i);
            loss[i] = y[i] == 1 ? 1 - cos : y[i] == -1 ? Math.Max(0, cos - margin) : 0;
        }
        return [LossReduction.Apply(mode, inputs[0]!.Type, shape, loss, rows.N)];
    }

    /// <summary>(dY, x1, x2, target) → (dx1, dx2).</summary>
    public static Tensor?[] CosineEmbeddingLossGrad(KernelContext ctx, Tensor?[] inputs)
    {
        var dY = LossReduction.RequiredFloat(ctx, inputs, 0, "dY");
        var (rows, _) = Pair(ctx, inputs, 1);
        var y = Labels(ctx, inputs[3], rows.N, "target");
        string mode = LossReduction.Mode(ctx, "none", "mean", "sum");
        double margin = ctx.Attributes.GetFloat("margin");
        var g = LossReduction.Upstream(ctx, mode, dY, rows.N, rows.N);
        var d1 = new double[rows.A.Length];
        var d2 = new double[rows.B.Length];
        for (int i = 0; i < rows.N; i++)
        {
            var (cos, m1, m2) = Cosine(rows, i);
            double dcos = y[i] == 1 ? -1 : y[i] == -1 && cos > margin ? 1 : 0;
            if (dcos == 0) continue;
            double denom = Math.Sqrt(m1 * m2), s = g[i] * dcos;
            for (int k = 0; k < rows.D; k++)
            {
                int at = i * rows.D + k;
                d1[at] = s * (rows.B[at] / denom - cos * rows.A[at] / m1);
                d2[at] = s * (rows.A[at] / denom - cos * rows.B[at] / m2);
            }
        }
        var t = inputs[1]!;
        return [DoubleBridge.FromDoubles(t.Type, (int[])t.Shape.Clone(), d1), DoubleBridge.FromDoubles(t.Type, (int[])t.Shape.Clone(), d2)];
    }

    public static Tensor?[] TripletMarginLoss(KernelContext ctx, Tensor?[] inputs)
    {
        var (a, p, n, shape) = Triplet(ctx, inputs, 0);
        string mode = LossReduction.Mode(ctx, "none", "mean", "sum");
        var (norm, eps, margin, swap) = TripletAttrs(ctx);
        var loss = new double[a.N];
        for (int i = 0; i < a.N; i++)
        {
            double dap = Distance(a.A, p.A, i, a.D, norm, eps);
            double dneg = NegativeDistance(a, p, n, i, norm, eps, swap, out _);
            loss[i] = Math.Max(dap - dneg + margin, 0);
        }
        return [LossReduction.Apply(mode, inputs[0]!.Type, shape, loss, a.N)];
    }

    /// <summary>(dY, anchor, positive, negative) → (d anchor, d positive, d negative).</summary>
    public static Tensor?[] TripletMarginLossGrad(KernelContext ctx, Tensor?[] inputs)
    {
        var dY = LossReduction.RequiredFloat(ctx, inputs, 0, "dY");
        var (a, p, n, _) = Triplet(ctx, inputs, 1);
        string mode = LossReduction.Mode(ctx, "none", "mean", "sum");
        var (norm, eps, margin, swap) = TripletAttrs(ctx);
        var g = LossReduction.Upstream(ctx, mode, dY, a.N, a.N);
        var da = new double[a.A.Length];
        var dp = new double[a.A.Length];
        var dn = new double[a.A.Length];
        for (int i = 0; i < a.N; i++)
        {
            double dap = Distance(a.A, p.A, i, a.D, norm, eps);
            double dneg = NegativeDistance(a, p, n, i, norm, eps, swap, out bool swapped);
            if (dap - dneg + margin <= 0) continue;
            // + d(a, p): gradient to a, minus to p.
            AddDistanceGrad(a.A, p.A, i, a.D, norm, eps, g[i], da, dp);
            // − d(a or p, n).
            AddDistanceGrad(swapped ? p.A : a.A, n.A, i, a.D, norm, eps, -g[i], swapped ? dp : da, dn);
        }
        var t = inputs[1]!;
        Tensor Out(double[] v) => DoubleBridge.FromDoubles(t.Type, (int[])t.Shape.Clone(), v);
        return [Out(da), Out(dp), Out(dn)];
    }

    private readonly record struct Rows(int N, int D, double[] A, double[] B);

    private static (Rows, int[]) Pair(KernelContext ctx, Tensor?[] inputs, int first)
    {
        var x1 = LossReduction.RequiredFloat(ctx, inputs, first, "input1");
        var x2 = LossReduction.RequiredFloat(ctx, inputs, first + 1, "input2");
        LossReduction.Required(ctx, inputs, first + 2, "target");
        if (x1.Rank == 0 || !x1.Shape.AsSpan().SequenceEqual(x2.Shape))
            throw ctx.Fail($"input1 {Tensor.ShapeString(x1.Shape)} and input2 {Tensor.ShapeString(x2.Shape)} must have one shape of rank ≥ 1");
        int d = x1.Shape[^1];
        int n = d == 0 ? 0 : x1.Length / d;
        return (new Rows(n, d, x1.ToDoubleArray(), x2.ToDoubleArray()), x1.Shape[..^1]);
    }

    private static (Rows A, Rows P, Rows N, int[] Shape) Triplet(KernelContext ctx, Tensor?[] inputs, int first)
    {
        var a = LossReduction.RequiredFloat(ctx, inputs, first, "anchor");
        var p = LossReduction.RequiredFloat(ctx, inputs, first + 1, "positive");
        var n = LossReduction.RequiredFloat(ctx, inputs, first + 2, "negative");
        if (a.Rank == 0 || !a.Shape.AsSpan().SequenceEqual(p.Shape) || !a.Shape.AsSpan().SequenceEqual(n.Shape))
            throw ctx.Fail($"anchor {Tensor.ShapeString(a.Shape)}, positive {Tensor.ShapeString(p.Shape)} and negative {Tensor.ShapeString(n.Shape)} must have one shape of rank ≥ 1");
        int d = a.Shape[^1];
        int rows = d == 0 ? 0 : a.Length / d;
        return (new Rows(rows, d, a.ToDoubleArray(), []), new Rows(rows, d, p.ToDoubleArray(), []),
            new Rows(rows, d, n.ToDoubleArray(), []), a.Shape[..^1]);
    }

    private static (double P, double Eps, double Margin, bool Swap) TripletAttrs(KernelContext ctx)
    {
        double p = ctx.Attributes.GetFloat("p");
        if (!(p >= 1)) throw ctx.Fail($"p must be ≥ 1, got {p}");
        return (p, ctx.Attributes.GetFloat("eps"), ctx.Attributes.GetFloat("margin"), ctx.Attributes.GetInt("swap") != 0);
    }

    private static long[] Labels(KernelContext ctx, Tensor? t, int n, string name)
    {
        if (t is null) throw ctx.Fail($"input '{name}' is required");
        if (t.Length != n) throw ctx.Fail($"{name} has {t.Length} elements, expected one per row ({n})");
        return Array.ConvertAll(t.ToDoubleArray(), v => (long)Math.Round(v));
    }

    private static (double Cos, double M1, double M2) Cosine(Rows r, int i)
    {
        double dot = 0, m1 = CosineEps, m2 = CosineEps;
        for (int k = 0; k < r.D; k++)
        {
            double a = r.A[i * r.D + k], b = r.B[i * r.D + k];
            dot += a * b;
            m1 += a * a;
            m2 += b * b;
        }
        return (dot / Math.Sqrt(m1 * m2), m1, m2);
    }

    private static double NegativeDistance(Rows a, Rows p, Rows n, int i, double norm, double eps, bool swap, out bool swapped)
    {
        double dan = Distance(a.A, n.A, i, a.D, norm, eps);
        swapped = false;
        if (!swap) return dan;
        double dpn = Distance(p.A, n.A, i, a.D, norm, eps);
        swapped = dpn < dan;
        return swapped ? dpn : dan;
    }

    /// <summary>‖u − v + eps‖_p over row i (PyTorch's pairwise_distance).</summary>
    private static double Distance(double[] u, double[] v, int i, int d, double p, double eps)
    {
        double s = 0;
        for (int k = 0; k < d; k++) s += Math.Pow(Math.Abs(u[i * d + k] - v[i * d + k] + eps), p);
        return Math.Pow(s, 1 / p);
    }

    /// <summary>Adds scale·∂d(u, v)/∂u to du and its negation to dv: sign(w)|w|^{p−1} / ‖w‖^{p−1}, w = u − v + eps.</summary>
    private static void AddDistanceGrad(double[] u, double[] v, int i, int d, double p, double eps, double scale, double[] du, double[] dv)
    {
        double dist = Distance(u, v, i, d, p, eps);
        if (dist == 0) return;
        double denom = Math.Pow(dist, p - 1);
        for (int k = 0; k < d; k++)
        {
            int at = i * d + k;
            double w = u[at] - v[at] + eps;
            double gk = scale * Math.Sign(w) * Math.Pow(Math.Abs(w), p - 1) / denom;
            du[at] += gk;
            dv[at] -= gk;
        }
    }
}
