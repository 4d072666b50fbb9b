using Engine.Runtime;

namespace Engine.Tests.Ops.Loss;

public class CrossEntropyLossTests
{
    /// <summary>PyTorch's cross_entropy written out: per-row −Σ_c coef_c·log_softmax_c.</summary>
    private static (double[] Rows, double Denominator) Reference(double[] x, int n, int c, int d, long[]? labels, double[]? probs,
        double[]? w, double eps, long? ignore)
    {
        var rows = new double[n * d];
        double denom = 0;
        for (int b = 0; b < n; b++)
        {
            for (int k = 0; k < d; k++)
            {
                double m = double.NegativeInfinity;
                for (int j = 0; j < c; j++) m = Math.Max(m, x[(b * c + j) * d + k]);
                double z = 0;
                for (int j = 0; j < c; j++) z += Math.Exp(x[(b * c + j) * d + k] - m);
                double Lp(int j) => x[(b * c + j) * d + k] - m - Math.Log(z);
                double W(int j) => w?[j] ?? 1;
                if (labels is not null)
                {
                    long t = labels[b * d + k];
                    if (t == ignore) continue;
                    double smooth = 0;
                    for (int j = 0; j < c; j++) smooth += -Lp(j) * W(j);
                    rows[b * d + k] = (1 - eps) * -Lp((int)t) * W((int)t) + eps / c * smooth;
                    denom += W((int)t);
                }
                else
                {
                    for (int j = 0; j < c; j++) rows[b * d + k] += -W(j) * ((1 - eps) * probs![(b * c + j) * d + k] + eps / c) * Lp(j);
                    denom += 1;
                }
            }
        }
        return (rows, denom);
    }

    [Theory]
    [InlineData(4, 3, 1, 0.0, false, false)]
    [InlineData(3, 5, 2, 0.1, true, false)]
    [InlineData(5, 4, 1, 0.2, true, true)]
    [InlineData(2, 3, 3, 0.0, false, true)]
    public void IntegerLabelsMatchTheReference(int n, int c, int d, double eps, bool weighted, bool ignore)
    {
        var rng = new Random(n * 100 + c);
        int[] shape = d == 1 ? [n, c] : [n, c, d];
        var x = LossRunner.Random(rng, -3, 3, shape);
        var labels = Enumerable.Range(0, n * d).Select(_ => (long)rng.Next(c)).ToArray();
        if (ignore) labels[1] = -100;
        var w = weighted ? Enumerable.Range(0, c).Select(_ => 0.5 + rng.NextDouble()).ToArray() : null;
        var lt = Tensor.FromArray(labels, d == 1 ? [n] : [n, d]);
        var wt = w is null ? null : Tensor.FromArray(w, c);
        var (rows, denom) = Reference(x.ToDoubleArray(), n, c, d, labels, null, w, eps, ignore ? -100 : null);
        (string, object)[] attrs = ignore ? [("label_smoothing", (float)eps), ("ignore_index", -100L)] : [("label_smoothing", (float)eps)];
        LossRunner.Close(rows, LossRunner.Run1("SoftmaxCrossEntropyLoss", [x, lt, wt], [.. attrs, ("reduction", "none")]).ToDoubleArray(), 1e-6);
        Assert.Equal(rows.Sum(), LossRunner.Scalar("SoftmaxCrossEntropyLoss", [x, lt, wt], [.. attrs, ("reduction", "sum")]), 5);
        Assert.Equal(rows.Sum() / denom, LossRunner.Scalar("SoftmaxCrossEntropyLoss", [x, lt, wt], attrs), 5);
    }

    [Fact]
    public void WithoutSmoothingItAgreesWithOnnxSoftmaxCrossEntropyLoss()
    {
        var rng = new Random(7);
        var x = LossRunner.Random(rng, -3, 3, 6, 4);
        var lt = Tensor.FromArray(new long[] { 0, 3, 2, 1, 1, 3 }, 6);
        var w = Tensor.FromArray(new[] { 1.0, 0.5, 2.0, 1.5 }, 4);
        var ours = LossRunner.Run("SoftmaxCrossEntropyLoss", [x, lt, w], 2);
        var onnx = LossRunner.Run("::SoftmaxCrossEntropyLoss", [x, lt, w], 2);
        LossRunner.Close(onnx[0].ToDoubleArray(), ours[0].ToDoubleArray(), 1e-12);
        LossRunner.Close(onnx[1].ToDoubleArray(), ours[1].ToDoubleArray(), 1e-12);
    }

    [Fact]
    public void ProbabilityLabelsMatchTheReferenceAndOneHotEqualsIndices()
    {
        var rng = new Random(3);
        var x = LossRunner.Random(rng, -3, 3, 4, 5);
        var p = LossRunner.Random(rng, 0, 1, 4, 5).ToDoubleArray();
        for (int b = 0; b < 4; b++)
        {
            double s = p.Skip(b * 5).Take(5).Sum();
            for (int j = 0; j < 5; j++) p[b * 5 + j] /= s;
        }
        var (rows, _) = Reference(x.ToDoubleArray(), 4, 5, 1, null, p, null, 0.1, null);
        LossRunner.Close(rows, LossRunner.Run1("SoftmaxCrossEntropyLoss", [x, Tensor.FromArray(p, 4, 5)], ("reduction", "none"), ("label_smoothing", 0.1f)).ToDoubleArray(), 1e-9);

        long[] labels = [4, 0, 2, 2];
        var onehot = new double[20];
        for (int b = 0; b < 4; b++) onehot[b * 5 + labels[b]] = 1;
        double byIndex = LossRunner.Scalar("SoftmaxCrossEntropyLoss", [x, Tensor.FromArray(labels, 4)], ("label_smoothing", 0.05f));
        double byOneHot = LossRunner.Scalar("SoftmaxCrossEntropyLoss", [x, Tensor.FromArray(onehot, 4, 5)], ("label_smoothing", 0.05f));
        Assert.Equal(byIndex, byOneHot, 12);
    }

    [Fact]
    public void LogProbGradientMatchesFiniteDifferencesOfNll()
    {
        var rng = new Random(11);
        var lp = LossRunner.Random(rng, -4, 0, 5, 3, 2);
        var labels = Tensor.FromArray(new long[] { 0, 2, 1, -1, 2, 2, 0, 1, 1, 0 }, 5, 2);
        var w = Tensor.FromArray(new[] { 0.3, 1.7, 1.1 }, 3);
        foreach (var reduction in new[] { "mean", "sum", "none" })
        {
            (string, object)[] attrs = [("reduction", reduction), ("ignore_index", -1L)];
            var dY = reduction == "none" ? LossRunner.Random(rng, -1, 1, 5, 2) : Tensor.FromArray(new[] { 1.3 });
            var grad = LossRunner.Run1("CrossEntropyLogProbGrad", [dY, lp, labels, w], attrs).ToDoubleArray();
            LossRunner.CheckGradient("::NegativeLogLikelihoodLoss", [lp, labels, w], 0, dY, grad, attrs);
        }
    }

    [Fact]
    public void LogProbGradientWithSmoothingIsMinusTheCoefficients()
    {
        // loss = −Σ coef·logp is linear in logp, so Σ (d loss/d logp)·logp = loss exactly.
        var rng = new Random(5);
        var x = LossRunner.Random(rng, -2, 2, 3, 4);
        var labels = Tensor.FromArray(new long[] { 3, 1, 0 }, 3);
        var outs = LossRunner.Run("SoftmaxCrossEntropyLoss", [x, labels], 2, ("label_smoothing", 0.3f), ("reduction", "sum"));
        var grad = LossRunner.Run1("CrossEntropyLogProbGrad", [Tensor.FromArray(new[] { 1.0 }), outs[1], labels], ("label_smoothing", 0.3f), ("reduction", "sum")).ToDoubleArray();
        var lp = outs[1].ToDoubleArray();
        Assert.Equal(outs[0].ToDoubleArray()[0], grad.Select((g, i) => g * lp[i]).Sum(), 10);
    }

    [Fact]
    public void OutOfRangeLabelsAreOneLineErrors()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2.0 }, 1, 2);
        var e = Assert.Throws<EngineException>(() => LossRunner.Run1("SoftmaxCrossEntropyLoss", [x, Tensor.FromArray(new long[] { 2 }, 1)]));
        Assert.Contains("outside", e.Message);
    }
}
