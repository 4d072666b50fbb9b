using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Training;

/// <summary>
/// Each update op against its rule written out here in double precision from the PyTorch docs
/// (torch.optim) and the papers, over five steps with a gradient that changes every step.
/// </summary>
public class OptimizerOpTests
{
    private static readonly double[] P0 = [0.5, -1.25, 2.0, 0.0, -0.3, 1e-3];

    /// <summary>A different gradient per step (t = 1…), with mixed signs and magnitudes.</summary>
    private static double[] Grad(int t, double[] p) =>
        p.Select((x, i) => Math.Sin(1.3 * i + 0.7 * t) * (1 + 0.5 * i) + 0.1 * x).ToArray();

    /// <summary>Runs <paramref name="op"/> for five steps and returns the params after each.</summary>
    private static List<double[]> RunOp(string op, int slots, (string, object)[] attrs, double lr, Func<int, double>? slotInit = null, bool scalarLast = false)
    {
        var schema = OpRegistry.Default.Get(OpRegistry.EngineDomain, op);
        var node = NodeFactory.Create(schema, "upd", [], 1 + slots, attrs);
        var p = Tensor.FromArray(P0.Select(x => (float)x).ToArray(), 2, 3);
        var state = new Tensor[slots];
        for (int s = 0; s < slots; s++)
        {
            bool scalar = scalarLast && s == slots - 1;
            float init = (float)(slotInit?.Invoke(s) ?? 0);
            state[s] = scalar ? Tensor.Scalar(init) : Tensor.FromArray(Enumerable.Repeat(init, 6).ToArray(), 2, 3);
        }
        var trace = new List<double[]>();
        for (int t = 1; t <= 5; t++)
        {
            var pd = p.ToDoubleArray();
            var g = Tensor.FromArray(Grad(t, pd).Select(x => (float)x).ToArray(), 2, 3);
            Tensor?[] ins = [p, g, .. state, Tensor.Scalar((float)lr), Tensor.Scalar((long)t)];
            var outs = schema.Kernel!(new KernelContext(node.Attributes, 1 + slots, "upd"), ins);
            p = outs[0]!;
            for (int s = 0; s < slots; s++) state[s] = outs[1 + s]!;
            trace.Add(p.ToDoubleArray());
        }
        return trace;
    }

    /// <summary>The same five steps with a per-element rule in double.</summary>
    private static List<double[]> RunReference(Func<int, int, double, double, double> step)
    {
        var p = (double[])P0.Clone();
        var trace = new List<double[]>();
        for (int t = 1; t <= 5; t++)
        {
            var g = Grad(t, p.Select(x => (double)(float)x).ToArray());
            for (int i = 0; i < p.Length; i++) p[i] = step(t, i, p[i], g[i]);
            trace.Add((double[])p.Clone());
        }
        return trace;
    }

    private static void AssertClose(List<double[]> expected, List<double[]> actual, double tol = 2e-5)
    {
        for (int t = 0; t < expected.Count; t++)
            for (int i = 0; i < expected[t].Length; i++)
                Assert.True(Math.Abs(expected[t][i] - actual[t][i]) <= tol * (1 + Math.Abs(expected[t][i])),
                    $"step {t + 1} element {i}: expected {expected[t][i]}, got {actual[t][i]}");
    }

    [Fact]
    public void SgdWithWeightDecay()
    {
        const double lr = 0.1, wd = 0.01;
        var expected = RunReference((_, _, p, g) => p - lr * (g + wd * p));
        AssertClose(expected, RunOp("SGDUpdate", 0, [("weight_decay", (float)wd)], lr));
    }

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(false, 0.1)]
    [InlineData(true, 0.0)]
    public void MomentumAndNesterov(bool nesterov, double dampening)
    {
        const double lr = 0.05, mu = 0.9;
        var b = new double[6];
        var expected = RunReference((t, i, p, g) =>
        {
            b[i] = t == 1 ? g : mu * b[i] + (1 - dampening) * g;
            return p - lr * (nesterov ? g + mu * b[i] : b[i]);
        });
        AssertClose(expected, RunOp("MomentumUpdate", 1, [("momentum", (float)mu), ("dampening", (float)dampening), ("nesterov", nesterov ? 1L : 0L)], lr));
    }

    [Fact]
    public void AdagradWithLrDecay()
    {
        const double lr = 0.1, eps = 1e-10, decay = 0.05;
        var s = new double[6];
        var expected = RunReference((t, i, p, g) =>
        {
            double clr = lr / (1 + (t - 1) * decay);
            s[i] += g * g;
            return p - clr * g / (Math.Sqrt(s[i]) + eps);
        });
        AssertClose(expected, RunOp("AdagradUpdate", 1, [("lr_decay", (float)decay)], lr));
    }

    [Fact]
    public void RmsProp()
    {
        const double lr = 0.01, alpha = 0.99, eps = 1e-8;
        var v = new double[6];
        var expected = RunReference((_, i, p, g) =>
        {
            v[i] = alpha * v[i] + (1 - alpha) * g * g;
            return p - lr * g / (Math.Sqrt(v[i]) + eps);
        });
        AssertClose(expected, RunOp("RMSpropUpdate", 1, [], lr));
    }

    [Fact]
    public void Adadelta()
    {
        const double lr = 1.0, rho = 0.9, eps = 1e-6;
        var v = new double[6];
        var u = new double[6];
        var expected = RunReference((_, i, p, g) =>
        {
            v[i] = rho * v[i] + (1 - rho) * g * g;
            double delta = Math.Sqrt(u[i] + eps) / Math.Sqrt(v[i] + eps) * g;
            u[i] = rho * u[i] + (1 - rho) * delta * delta;
            return p - lr * delta;
        });
        AssertClose(expected, RunOp("AdadeltaUpdate", 2, [], lr));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void AdamBiasCorrected(double wd)
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var m = new double[6];
        var v = new double[6];
        var expected = RunReference((t, i, p, g) =>
        {
            g += wd * p;
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            double mh = m[i] / (1 - Math.Pow(b1, t)), vh = v[i] / (1 - Math.Pow(b2, t));
            return p - lr * mh / (Math.Sqrt(vh) + eps);
        });
        AssertClose(expected, RunOp("AdamUpdate", 2, [("weight_decay", (float)wd)], lr));
    }

    [Fact]
    public void AdamWDecouplesWeightDecay()
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
        var m = new double[6];
        var v = new double[6];
        var expected = RunReference((t, i, p, g) =>
        {
            p *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            double mh = m[i] / (1 - Math.Pow(b1, t)), vh = v[i] / (1 - Math.Pow(b2, t));
            return p - lr * mh / (Math.Sqrt(vh) + eps);
        });
        AssertClose(expected, RunOp("AdamWUpdate", 2, [("weight_decay", (float)wd)], lr));
    }

    [Fact]
    public void Nadam()
    {
        const double lr = 0.002, b1 = 0.9, b2 = 0.999, eps = 1e-8, psi = 0.004;
        var m = new double[6];
        var v = new double[6];
        double Mu(int t) => b1 * (1 - 0.5 * Math.Pow(0.96, t * psi));
        double Prod(int t) => Enumerable.Range(1, t).Aggregate(1.0, (a, i) => a * Mu(i));
        var expected = RunReference((t, i, p, g) =>
        {
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            double mh = Mu(t + 1) * m[i] / (1 - Prod(t + 1)) + (1 - Mu(t)) * g / (1 - Prod(t));
            double vh = v[i] / (1 - Math.Pow(b2, t));
            return p - lr * mh / (Math.Sqrt(vh) + eps);
        });
        AssertClose(expected, RunOp("NadamUpdate", 3, [], lr, s => s == 2 ? 1.0 : 0.0, scalarLast: true));
    }

    [Fact]
    public void Yogi()
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-3, v0 = 1e-6;
        var m = new double[6];
        var v = Enumerable.Repeat(v0, 6).ToArray();
        var expected = RunReference((_, i, p, g) =>
        {
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] -= (1 - b2) * Math.Sign(v[i] - g * g) * g * g;
            return p - lr * m[i] / (Math.Sqrt(v[i]) + eps);
        });
        AssertClose(expected, RunOp("YogiUpdate", 2, [], lr, s => s == 1 ? v0 : 0.0));
    }

    [Fact]
    public void ClipByGlobalNormScalesAllGradientsTogether()
    {
        var schema = OpRegistry.Default.Get(OpRegistry.EngineDomain, "ClipByGlobalNorm");
        var node = NodeFactory.Create(schema, "clip", [], 2, ("max_norm", 1.0f));
        var a = Tensor.FromArray(new[] { 3f, 0f }, 2);
        var b = Tensor.FromArray(new[] { 4f }, 1);
        var outs = schema.Kernel!(new KernelContext(node.Attributes, 2, "clip"), [a, b]);
        double scale = 1.0 / (5 + 1e-6);
        Assert.Equal(3 * scale, outs[0]!.ToDoubleArray()[0], 6);
        Assert.Equal(4 * scale, outs[1]!.ToDoubleArray()[0], 6);
        // Below the bound nothing changes.
        var loose = NodeFactory.Create(schema, "clip", [], 2, ("max_norm", 10.0f));
        var kept = schema.Kernel!(new KernelContext(loose.Attributes, 2, "clip"), [a, b]);
        Assert.Equal([3.0, 0.0], kept[0]!.ToDoubleArray());
    }

    [Fact]
    public void WeightPenaltyAddsL1AndL2Gradients()
    {
        var schema = OpRegistry.Default.Get(OpRegistry.EngineDomain, "WeightPenalty");
        var node = NodeFactory.Create(schema, "pen", [], 1, ("l1", 0.1f), ("l2", 0.01f));
        var p = Tensor.FromArray(new[] { 2f, -3f, 0f }, 3);
        var g = Tensor.FromArray(new[] { 1f, 1f, 1f }, 3);
        var r = schema.Kernel!(new KernelContext(node.Attributes, 1, "pen"), [p, g])[0]!.ToDoubleArray();
        Assert.Equal(1 + 0.1 + 0.02, r[0], 6);
        Assert.Equal(1 - 0.1 - 0.03, r[1], 6);
        Assert.Equal(1.0, r[2], 6);
    }

    [Fact]
    public void BadInputsAreOneLineErrors()
    {
        var schema = OpRegistry.Default.Get(OpRegistry.EngineDomain, "AdamUpdate");
        var node = NodeFactory.Create(schema, "adam", [], 3);
        var p = Tensor.FromArray(new[] { 1f, 2f }, 2);
        var ctx = new KernelContext(node.Attributes, 3, "adam");
        var e = Assert.Throws<EngineException>(() => schema.Kernel!(ctx, [p, p, p, p, Tensor.Scalar(0.1f), Tensor.Scalar(0L)]));
        Assert.Contains("step counts updates from 1", e.Message);
        var shortGrad = Tensor.FromArray(new[] { 1f }, 1);
        e = Assert.Throws<EngineException>(() => schema.Kernel!(ctx, [p, shortGrad, p, p, Tensor.Scalar(0.1f), Tensor.Scalar(1L)]));
        Assert.Contains("'adam'", e.Message);
    }
}
