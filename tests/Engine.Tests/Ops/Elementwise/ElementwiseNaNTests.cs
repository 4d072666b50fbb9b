using Engine.Runtime;
using static Engine.Tests.Ops.ElementwiseRunner;

namespace Engine.Tests.Ops;

public class ElementwiseNaNTests
{
    private const float NaN = float.NaN;

    [Fact]
    public void MinMaxReluAndClipPropagateNaN()
    {
        Assert.True(float.IsNaN(Run("Max", F(NaN, 1), F(0, NaN)).As<float>()[0]));
        Assert.True(Run("Min", F(NaN, 1), F(0, NaN)).As<float>().All(float.IsNaN));
        Assert.True(float.IsNaN(Run("Relu", F(NaN)).As<float>()[0]));
        Assert.True(float.IsNaN(Run("Clip", F(NaN), Tensor.Scalar(0f), Tensor.Scalar(1f)).As<float>()[0]));
        Assert.True(float.IsNaN(Run("Sign", F(NaN)).As<float>()[0]));
    }

    [Fact]
    public void ComparisonsWithNaNAreFalse()
    {
        Assert.Equal(new[] { false, false }, Run("Equal", F(NaN, NaN), F(NaN, 1)).As<bool>());
        Assert.Equal(new[] { false }, Run("Less", F(NaN), F(1)).As<bool>());
        Assert.Equal(new[] { false }, Run("GreaterOrEqual", F(NaN), F(NaN)).As<bool>());
    }

    [Fact]
    public void IsNaNAndIsInf()
    {
        var x = F(NaN, float.PositiveInfinity, float.NegativeInfinity, 1);
        Assert.Equal(new[] { true, false, false, false }, Run("IsNaN", x).As<bool>());
        Assert.Equal(new[] { false, true, true, false }, Run("IsInf", x).As<bool>());
        Assert.Equal(new[] { false, false, true, false }, RunWith("IsInf", [("detect_positive", 0L)], x).As<bool>());
        var h = Tensor.FromArray(new[] { Half.NaN, Half.NegativeInfinity }, 2);
        Assert.Equal(new[] { true, false }, Run("IsNaN", h).As<bool>());
        Assert.Equal(new[] { false, true }, Run("IsInf", h).As<bool>());
    }

    [Fact]
    public void RoundHalfToEven()
    {
        Assert.Equal(new float[] { 0, 2, 2, -0f, -2, 1, -2 }, Run("Round", F(0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 0.6f, -2.4f)).As<float>());
    }

    [Fact]
    public void ClipBoundsAndTheirOrder()
    {
        Assert.Equal(new float[] { -1, 0.5f, 1 }, Run("Clip", F(-5, 0.5f, 5), Tensor.Scalar(-1f), Tensor.Scalar(1f)).As<float>());
        Assert.Equal(new float[] { -5, 0.5f, 1 }, Run("Clip", F(-5, 0.5f, 5), null, Tensor.Scalar(1f)).As<float>());
        Assert.Equal(new float[] { 1, 1, 1 }, Run("Clip", F(-5, 0.5f, 5), Tensor.Scalar(2f), Tensor.Scalar(1f)).As<float>());
        Assert.Equal(new sbyte[] { -3, 3 }, Run("Clip", Tensor.FromArray(new sbyte[] { -100, 100 }, 2), Tensor.Scalar((sbyte)-3), Tensor.Scalar((sbyte)3)).As<sbyte>());
        Assert.Equal(new float[] { -5, 5 }, Run("Clip", F(-5, 5)).As<float>());
        Assert.Throws<EngineException>(() => Run("Clip", F(1), F(0, 1)));
    }

    [Fact]
    public void Float16AndBFloat16ComputeInFloat()
    {
        var h = Tensor.FromArray(new[] { (Half)1.5f, (Half)(-2f) }, 2);
        var sum = Run("Add", h, h);
        Assert.Equal(DataType.Float16, sum.Type);
        Assert.Equal(new[] { (Half)3f, (Half)(-4f) }, sum.As<Half>());
        var bf = Tensor.BFloat16([BFloat16Bits.FromFloat(1f), BFloat16Bits.FromFloat(-1f)], 2);
        var e = Run("Exp", bf);
        Assert.Equal(DataType.BFloat16, e.Type);
        Assert.Equal(BFloat16Bits.FromFloat(MathF.Exp(1)), e.As<ushort>()[0]);
        Assert.Equal(new[] { true, false }, Run("Greater", bf, Tensor.BFloat16([BFloat16Bits.FromFloat(0f)], 1)).As<bool>());
    }

    [Fact]
    public void UnaryFloatFunctionsMatchMath()
    {
        var x = Values(257, 9).Select(v => v / 5).ToArray();
        void Check(string op, Func<double, double> f)
        {
            var r = Run(op, F(x)).As<float>();
            for (int i = 0; i < x.Length; i++)
            {
                double e = f(x[i]);
                if (double.IsNaN(e)) Assert.True(float.IsNaN(r[i]), $"{op}({x[i]})");
                else Assert.True(Math.Abs(r[i] - e) <= 1e-6 + 1e-5 * Math.Abs(e), $"{op}({x[i]}) = {r[i]}, want {e}");
            }
        }
        Check("Exp", Math.Exp);
        Check("Log", Math.Log);
        Check("Sqrt", Math.Sqrt);
        Check("Sin", Math.Sin);
        Check("Cos", Math.Cos);
        Check("Tan", Math.Tan);
        Check("Asin", Math.Asin);
        Check("Acos", Math.Acos);
        Check("Atan", Math.Atan);
        Check("Sinh", Math.Sinh);
        Check("Cosh", Math.Cosh);
        Check("Asinh", Math.Asinh);
        Check("Acosh", Math.Acosh);
        Check("Atanh", Math.Atanh);
        Check("Tanh", Math.Tanh);
        Check("Sigmoid", v => 1 / (1 + Math.Exp(-v)));
        Check("Reciprocal", v => 1 / v);
        Check("Floor", Math.Floor);
        Check("Ceil", Math.Ceiling);
        Check("Abs", Math.Abs);
        Check("Neg", v => -v);
        Check("Softsign", v => v / (1 + Math.Abs(v)));
    }

    [Fact]
    public void ErfIsAccurateAcrossItsRange()
    {
        var x = new[] { 0.0, 1e-4, -0.1, 0.5, 1, 2, -2.9, 3, 3.5, 5, 7, -7 };
        var want = new[] { 0.0, 1.1283791633342487e-4, -0.1124629160182849, 0.5204998778130465, 0.8427007929497149,
            0.9953222650189527, -0.9999589021219005, 0.9999779095030014, 0.9999992569016276, 0.9999999999984626, 1, -1 };
        var r = Run("Erf", Tensor.FromArray(x, x.Length)).As<double>();
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(r[i] - want[i]) < 1e-14, $"erf({x[i]}) = {r[i]}, want {want[i]}");
    }
}
