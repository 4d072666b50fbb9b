using Engine.Runtime;
using static Engine.Tests.Ops.ElementwiseRunner;

namespace Engine.Tests.Ops;

public class ElementwiseActivationTests
{
    private static void Near(double[] want, Tensor got)
    {
        var g = got.ToDoubleArray();
        Assert.Equal(want.Length, g.Length);
        for (int i = 0; i < g.Length; i++) Assert.True(Math.Abs(g[i] - want[i]) <= 1e-6 + 1e-5 * Math.Abs(want[i]), $"[{i}] {g[i]} vs {want[i]}");
    }

    private static readonly Tensor X = F(-3, -1, -0.25f, 0, 0.25f, 1, 3);

    [Fact]
    public void ParametrisedActivationsUseDefaultsAndAttributes()
    {
        Near([-0.03, -0.01, -0.0025, 0, 0.25, 1, 3], Run("LeakyRelu", X));
        Near([-0.3, -0.1, -0.025, 0, 0.25, 1, 3], RunWith("LeakyRelu", [("alpha", 0.1f)], X));
        Near([-6, -2, -0.5, 0, 0.25, 1, 3], RunWith("LeakyRelu", [("alpha", 2f)], X));
        Near([0.3, 0.1, 0.025, 0, 0.25, 1, 3], RunWith("LeakyRelu", [("alpha", -0.1f)], X));
        Near([Math.Exp(-3) - 1, Math.Exp(-1) - 1, Math.Exp(-0.25) - 1, 0, 0.25, 1, 3], Run("Elu", X));
        const double a = 1.67326319217681884765625, g = 1.05070102214813232421875;
        Near([g * a * (Math.Exp(-3) - 1), g * a * (Math.Exp(-1) - 1), g * a * (Math.Exp(-0.25) - 1), 0, g * 0.25, g, 3 * g], Run("Selu", X));
        Near([2 * (Math.Exp(-1.5) - 1), 2 * (Math.Exp(-0.5) - 1), 2 * (Math.Exp(-0.125) - 1), 0, 0.25, 1, 3], RunWith("Celu", [("alpha", 2f)], X));
        Near([0, 0.3, 0.45, 0.5, 0.55, 0.7, 1], Run("HardSigmoid", X));
        Near([0, -1 / 3.0, -0.25 * (0.5 - 0.25 / 6), 0, 0.25 * (0.5 + 0.25 / 6), 1 * (0.5 + 1 / 6.0), 3], Run("HardSwish", X));
        Near([0, 0, 0, 0, 0, 0, 3], Run("ThresholdedRelu", X));
        Near([-3, -1, 0, 0, 0, 1, 3], Run("Shrink", X));
        Near([-2, 0, 0, 0, 0, 0, 2], RunWith("Shrink", [("lambd", 1f), ("bias", 1f)], X));
    }

    [Fact]
    public void SmoothActivations()
    {
        double Sp(double v) => Math.Log(1 + Math.Exp(v));
        var xs = new[] { -3.0, -1, -0.25, 0, 0.25, 1, 3 };
        Near(xs.Select(Sp).ToArray(), Run("Softplus", X));
        Near(xs.Select(v => v * Math.Tanh(Sp(v))).ToArray(), Run("Mish", X));
        Near(xs.Select(v => v / (1 + Math.Exp(-v))).ToArray(), Run("Swish", X));
        Near(xs.Select(v => v / (1 + Math.Exp(-2 * v))).ToArray(), RunWith("Swish", [("alpha", 2f)], X));
        // x·Φ(x) with Φ from tables: Φ(0.25) = 0.59870633, Φ(1) = 0.84134475, Φ(3) = 0.99865010.
        Near([-3 * 0.0013498980, -0.15865525, -0.25 * 0.40129367, 0, 0.25 * 0.59870633, 0.84134475, 3 * 0.99865010], Run("Gelu", X));
        Near(xs.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray(),
            RunWith("Gelu", [("approximate", "tanh")], X));
        Assert.Throws<EngineException>(() => RunWith("Gelu", [("approximate", "fast")], X));
    }

    [Fact]
    public void VectorizedActivationsKeepNaN()
    {
        foreach (var op in new[] { "LeakyRelu", "HardSigmoid", "HardSwish", "Swish", "Elu", "Gelu" })
            Assert.True(float.IsNaN(Run(op, F(float.NaN, 1)).As<float>()[0]), op);
    }

    [Fact]
    public void SoftplusDoesNotOverflow()
    {
        var r = Run("Softplus", F(1000, -1000)).As<float>();
        Assert.Equal(1000f, r[0]);
        Assert.Equal(0f, r[1]);
    }

    [Fact]
    public void ReluWorksOnIntegersAndFloatOnlyOpsRejectThem()
    {
        Assert.Equal(new[] { 0, 0, 5 }, Run("Relu", I(-5, 0, 5)).As<int>());
        var e = Assert.Throws<EngineException>(() => Run("Sigmoid", I(1)));
        Assert.Contains("does not support", e.Message);
        Assert.Throws<EngineException>(() => Run("Elu", I(1)));
    }

    [Fact]
    public void DoubleInputsStayDouble()
    {
        var r = Run("Sigmoid", Tensor.FromArray(new[] { 0.0, 100 }, 2));
        Assert.Equal(DataType.Double, r.Type);
        Assert.Equal(new[] { 0.5, 1 }, r.As<double>());
    }
}
