using Engine.Runtime;

namespace Engine.Tests.Ops.Loss;

public class PointwiseLossTests
{
    private static readonly (string Op, Func<double, double, double> F, (string, object)[] Attrs)[] Cases =
    [
        ("MSELoss", (x, y) => (x - y) * (x - y), []),
        ("L1Loss", (x, y) => Math.Abs(x - y), []),
        ("HuberLoss", (x, y) => Math.Abs(x - y) < 0.75 ? 0.5 * (x - y) * (x - y) : 0.75 * (Math.Abs(x - y) - 0.375), [("delta", 0.75f)]),
        ("BCEWithLogitsLoss", (x, y) => -(y * Math.Log(1 / (1 + Math.Exp(-x))) + (1 - y) * Math.Log(1 - 1 / (1 + Math.Exp(-x)))), []),
        ("HingeLoss", (x, y) => Math.Max(0, 1.5 - x * y), [("margin", 1.5f)]),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ReductionsMatchTheElementFormula(int which)
    {
        var (op, f, attrs) = Cases[which];
        var rng = new Random(which);
        var x = LossRunner.Random(rng, -2, 2, 3, 5);
        var y = op == "BCEWithLogitsLoss" ? LossRunner.Random(rng, 0, 1, 3, 5)
            : op == "HingeLoss" ? Tensor.FromArray(Enumerable.Range(0, 15).Select(i => i % 3 == 0 ? 1.0 : -1.0).ToArray(), 3, 5)
            : LossRunner.Random(rng, -2, 2, 3, 5);
        var xs = x.ToDoubleArray();
        var ys = y.ToDoubleArray();
        var expected = xs.Select((v, i) => f(v, ys[i])).ToArray();
        LossRunner.Close(expected, LossRunner.Run1(op, [x, y], [.. attrs, ("reduction", "none")]).ToDoubleArray());
        Assert.Equal(expected.Sum(), LossRunner.Scalar(op, [x, y], [.. attrs, ("reduction", "sum")]), 9);
        Assert.Equal(expected.Average(), LossRunner.Scalar(op, [x, y], attrs), 9);
    }

    [Fact]
    public void TargetBroadcastsToTheInput()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0, 4.0 }, 2, 2);
        var y = Tensor.FromArray(new[] { 1.0, 1.0 }, 2);
        Assert.Equal((0 + 1 + 4 + 9) / 4.0, LossRunner.Scalar("MSELoss", [x, y]), 12);
    }

    [Fact]
    public void BceClampsTheLogarithmAndAppliesWeights()
    {
        var x = Tensor.FromArray(new[] { 0.0, 0.25, 1.0 }, 3);
        var y = Tensor.FromArray(new[] { 1.0, 0.0, 1.0 }, 3);
        var w = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }, 3);
        var l = LossRunner.Run1("BCELoss", [x, y, w], ("reduction", "none")).ToDoubleArray();
        LossRunner.Close([100, -2 * Math.Log(0.75), 0], l);
    }

    [Fact]
    public void BceWithLogitsIsStableForLargeLogits()
    {
        var x = Tensor.FromArray(new[] { 800.0, -800.0, 30f }, 3);
        var y = Tensor.FromArray(new[] { 0.0, 0.0, 1.0 }, 3);
        var l = LossRunner.Run1("BCEWithLogitsLoss", [x, y], ("reduction", "none")).ToDoubleArray();
        LossRunner.Close([800, 0, Math.Log(1 + Math.Exp(-30))], l);
    }

    [Fact]
    public void KlDivergenceSkipsZeroTargetsAndSupportsBatchMean()
    {
        var logq = Tensor.FromArray(new[] { Math.Log(0.5), Math.Log(0.25), Math.Log(0.25), Math.Log(0.1), Math.Log(0.6), Math.Log(0.3) }, 2, 3);
        var p = Tensor.FromArray(new[] { 0.0, 0.5, 0.5, 0.2, 0.2, 0.6 }, 2, 3);
        double kl0 = 0.5 * Math.Log(0.5 / 0.25) * 2;
        double kl1 = 0.2 * Math.Log(0.2 / 0.1) + 0.2 * Math.Log(0.2 / 0.6) + 0.6 * Math.Log(0.6 / 0.3);
        Assert.Equal((kl0 + kl1) / 2, LossRunner.Scalar("KLDivLoss", [logq, p], ("reduction", "batchmean")), 12);
        Assert.Equal((kl0 + kl1) / 6, LossRunner.Scalar("KLDivLoss", [logq, p]), 12);
        var logp = Tensor.FromArray(p.ToDoubleArray().Select(v => v > 0 ? Math.Log(v) : -1e30).ToArray(), 2, 3);
        Assert.Equal(kl0 + kl1, LossRunner.Scalar("KLDivLoss", [logq, logp], ("reduction", "sum"), ("log_target", 1L)), 12);
    }

    [Fact]
    public void FloatInputsGiveFloatLosses()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
        var y = Tensor.FromArray(new[] { 0f, 0f }, 2);
        var l = LossRunner.Run1("MSELoss", [x, y]);
        Assert.Equal(DataType.Float, l.Type);
        Assert.Equal(2.5f, l.As<float>()[0]);
    }

    [Fact]
    public void BadReductionIsAOneLineError()
    {
        var x = Tensor.FromArray(new[] { 1.0 }, 1);
        var e = Assert.Throws<EngineException>(() => LossRunner.Run1("MSELoss", [x, x], ("reduction", "avg")));
        Assert.Contains("reduction", e.Message);
    }
}
