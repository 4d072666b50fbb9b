using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

public class SignalOpsTests
{
    [Theory]
    [InlineData("HannWindow", 1, 0.0, 0.5, 1.0)]
    [InlineData("HannWindow", 0, 0.0, 0.75, 0.75)]
    [InlineData("HammingWindow", 1, 25.0 / 46 - 21.0 / 46, 25.0 / 46, 1.0)]
    [InlineData("BlackmanWindow", 1, 0.0, 0.34, 1.0)]
    public void WindowsFollowTheirFormulas(string op, long periodic, double w0, double w1, double w2)
    {
        var y = ReduceFamilyRunner.Run(op, [Tensor.Scalar(4)], 1, false, 0, ("periodic", periodic))[0];
        Assert.Equal(DataType.Float, y.Type);
        Assert.Equal(new[] { 4 }, y.Shape);
        ReduceFamilyRunner.Close([w0, w1, w2], Tensor.FromArray(y.As<float>()[..3], 3), atol: 1e-6);
    }

    [Fact]
    public void WindowHonoursOutputDatatypeAndConstantSizeInference()
    {
        var y = ReduceFamilyRunner.Run("HannWindow", [Tensor.Scalar(5L)], 1, false, 0, ("output_datatype", (long)DataType.Double))[0];
        Assert.Equal(DataType.Double, y.Type);
        var t = ReduceFamilyRunner.Infer("BlackmanWindow", [TensorType.Of(DataType.Int64)], [Tensor.Scalar(7L)]);
        Assert.Equal("f32[7]", t.ToString());
    }

    private static double[] NaiveDft(double[] re, double[] im, bool inverse)
    {
        int n = re.Length;
        var r = new double[2 * n];
        for (int k = 0; k < n; k++)
        {
            for (int j = 0; j < n; j++)
            {
                double ang = (inverse ? 2 : -2) * Math.PI * k * j / n;
                r[2 * k] += re[j] * Math.Cos(ang) - im[j] * Math.Sin(ang);
                r[2 * k + 1] += re[j] * Math.Sin(ang) + im[j] * Math.Cos(ang);
            }
            if (inverse) { r[2 * k] /= n; r[2 * k + 1] /= n; }
        }
        return r;
    }

    [Fact]
    public void DftOfRealSignalMatchesNaiveSum()
    {
        var sig = new[] { 1.0, 2.0, -1.0, 0.5, 3.0 };
        var x = Tensor.FromArray(sig, 1, 5, 1);
        var y = ReduceFamilyRunner.Run("DFT", [x, null, Tensor.Scalar(1L)], 1, constantInputs: true)[0];
        Assert.Equal(new[] { 1, 5, 2 }, y.Shape);
        ReduceFamilyRunner.Close(NaiveDft(sig, new double[5], false), y, atol: 1e-12);
        var half = ReduceFamilyRunner.Run("DFT", [x, null, Tensor.Scalar(1L)], 1, true, 0, ("onesided", 1L))[0];
        Assert.Equal(new[] { 1, 3, 2 }, half.Shape);
        ReduceFamilyRunner.Close(NaiveDft(sig, new double[5], false)[..6], half, atol: 1e-12);
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(64, true)]
    [InlineData(12, false)]
    public void ComplexDftMatchesNaiveSumForPowerOfTwoAndOtherLengths(int n, bool inverse)
    {
        var rng = new Random(n);
        var re = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var im = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var x = Tensor.FromArray(re.Zip(im).SelectMany(p => new[] { p.First, p.Second }).ToArray(), n, 2);
        var y = ReduceFamilyRunner.Run("DFT", [x, null, Tensor.Scalar(0L)], 1, true, 0, ("inverse", inverse ? 1L : 0L))[0];
        ReduceFamilyRunner.Close(NaiveDft(re, im, inverse), y, rtol: 1e-9, atol: 1e-12);
    }

    [Fact]
    public void DftZeroPadsToDftLengthAndDefaultsToLastSignalAxis()
    {
        // [2, 3, 1]: the default axis -2 is dim 1 (length 3), padded to 4.
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3, 1);
        var y = ReduceFamilyRunner.Run("DFT", [x, Tensor.Scalar(4L)], 1, constantInputs: true)[0];
        Assert.Equal(new[] { 2, 4, 2 }, y.Shape);
        ReduceFamilyRunner.Close(NaiveDft([4, 5, 6, 0], new double[4], false), Tensor.FromArray(y.As<float>()[8..], 8), atol: 1e-5);
    }

    [Fact]
    public void InverseDftRoundTripsAndIrfftRebuildsRealSignal()
    {
        var sig = new[] { 0.5, -1.0, 2.0, 4.0, 1.5, -0.25 };
        var x = Tensor.FromArray(sig, 6, 1);
        var spec = ReduceFamilyRunner.Run("DFT", [x, null, Tensor.Scalar(0L)], 1, true)[0];
        var back = ReduceFamilyRunner.Run("DFT", [spec, null, Tensor.Scalar(0L)], 1, true, 0, ("inverse", 1L))[0];
        ReduceFamilyRunner.Close(sig.SelectMany(v => new[] { v, 0.0 }).ToArray(), back, atol: 1e-12);
        var half = ReduceFamilyRunner.Run("DFT", [x, null, Tensor.Scalar(0L)], 1, true, 0, ("onesided", 1L))[0];
        Assert.Equal(new[] { 4, 2 }, half.Shape);
        var real = ReduceFamilyRunner.Run("DFT", [half, null, Tensor.Scalar(0L)], 1, true, 0, ("onesided", 1L), ("inverse", 1L))[0];
        Assert.Equal(new[] { 6, 1 }, real.Shape);
        ReduceFamilyRunner.Close(sig, real, atol: 1e-12);
    }

    [Fact]
    public void DftUpgradeFromOpset17KeepsItsDefaultAxisOfOne()
    {
        var g = new Graph.Graph("t");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 1, 4, 3, 1));
        var node = NodeFactory.Create(OpRegistry.Default.Get("DFT"), "d", [x], 1);
        g.AddNode(node);
        foreach (var rule in node.Schema.ImportRules.Where(r => r.IntroducedIn > 17))
            rule.Rule(new ImportRuleContext(node, 17, OpRegistry.Default, (t, h) => g.AddInitializer(h, t), _ => { }));
        Assert.Equal(1L, g.InitializerData(node.Inputs[2]!)!.ToInt64Array()[0]);
        Assert.Null(node.Inputs[1]);
        g.Outputs.Add(node.Outputs[0]!);
        TypePropagation.Run(g);
        Assert.Equal("f32[1,4,3,2]", node.Outputs[0]!.Type.ToString());
    }

    [Fact]
    public void StftFramesTheSignalAndAppliesTheWindow()
    {
        var sig = Enumerable.Range(0, 10).Select(i => (double)(i % 3)).ToArray();
        var x = Tensor.FromArray(sig, 1, 10, 1);
        var window = Tensor.FromArray(new[] { 0.5, 1.0, 1.0, 0.5 }, 4);
        var y = ReduceFamilyRunner.Run("STFT", [x, Tensor.Scalar(3L), window], 1, constantInputs: true)[0];
        // frames = (10 - 4) / 3 + 1 = 3, bins = 4 / 2 + 1 = 3
        Assert.Equal(new[] { 1, 3, 3, 2 }, y.Shape);
        var frame1 = Enumerable.Range(0, 4).Select(j => sig[3 + j] * window.As<double>()[j]).ToArray();
        ReduceFamilyRunner.Close(NaiveDft(frame1, new double[4], false)[..6], Tensor.FromArray(y.As<double>()[6..12], 6), atol: 1e-12);
    }

    [Fact]
    public void MelWeightMatrixHasTriangularFilters()
    {
        var y = ReduceFamilyRunner.Run1("MelWeightMatrix",
            [Tensor.Scalar(8), Tensor.Scalar(16), Tensor.Scalar(8192), Tensor.Scalar(0f), Tensor.Scalar(4096f)]);
        Assert.Equal(new[] { 9, 8 }, y.Shape);
        var w = y.As<float>();
        // Every filter peaks at 1 and all weights are in [0, 1].
        for (int m = 0; m < 8; m++) Assert.Equal(1f, Enumerable.Range(0, 9).Max(r => w[r * 8 + m]));
        Assert.All(w, v => Assert.InRange(v, 0f, 1f));
    }
}
