using Engine.Runtime;
using static Engine.Tests.Ops.ElementwiseRunner;

namespace Engine.Tests.Ops;

public class ElementwiseIntegerTests
{
    [Fact]
    public void IntegerDivTruncatesTowardZero()
    {
        Assert.Equal(new[] { 3, -3, -3, 3 }, Run("Div", I(7, -7, 7, -7), I(2, 2, -2, -2)).As<int>());
        Assert.Equal(new long[] { -3 }, Run("Div", L(-7), L(2)).As<long>());
    }

    [Fact]
    public void IntMinOverMinusOneWrapsAndZeroDivisorFails()
    {
        Assert.Equal(new[] { int.MinValue }, Run("Div", I(int.MinValue), I(-1)).As<int>());
        Assert.Equal(new sbyte[] { -128 }, Run("Div", Tensor.FromArray(new sbyte[] { -128 }, 1), Tensor.FromArray(new sbyte[] { -1 }, 1)).As<sbyte>());
        var e = Assert.Throws<EngineException>(() => Run("Div", I(1, 2), I(1, 0)));
        Assert.Contains("division by zero", e.Message);
        Assert.Throws<EngineException>(() => Run("Mod", I(1), I(0)));
    }

    [Fact]
    public void FloatDivByZeroIsInfinity()
    {
        var r = Run("Div", F(1, -1, 0), F(0, 0, 0)).As<float>();
        Assert.True(float.IsPositiveInfinity(r[0]));
        Assert.True(float.IsNegativeInfinity(r[1]));
        Assert.True(float.IsNaN(r[2]));
    }

    [Fact]
    public void ModFollowsDivisorSignUnlessFmod()
    {
        var a = I(-4, 7, 5, 4, -7, 8);
        var b = I(2, -3, 8, -2, 3, 5);
        Assert.Equal(new[] { 0, -2, 5, 0, 2, 3 }, Run("Mod", a, b).As<int>());
        Assert.Equal(new[] { 0, 1, 5, 0, -1, 3 }, RunWith("Mod", [("fmod", 1L)], a, b).As<int>());
        var f = RunWith("Mod", [("fmod", 1L)], F(-4.3f, 7.5f), F(2.1f, -3f)).As<float>();
        Assert.Equal(-4.3f % 2.1f, f[0]);
        Assert.Equal(1.5f, f[1]);
        Assert.Equal(new[] { int.MinValue % 7 + 7, 0 }, Run("Mod", I(int.MinValue, int.MinValue), I(7, -1)).As<int>());
        Assert.Equal(new byte[] { 1, 0 }, Run("Mod", Tensor.FromArray(new byte[] { 250, 9 }, 2), Tensor.FromArray(new byte[] { 3, 3 }, 2)).As<byte>());
    }

    [Fact]
    public void AddSubMulWrapAround()
    {
        var a = Tensor.FromArray(new byte[] { 250, 3 }, 2);
        var b = Tensor.FromArray(new byte[] { 10, 5 }, 2);
        Assert.Equal(new byte[] { 4, 8 }, Run("Add", a, b).As<byte>());
        Assert.Equal(new byte[] { 240, 254 }, Run("Sub", a, b).As<byte>());
        Assert.Equal(new[] { 1 }, Run("Mul", I(int.MaxValue), I(int.MaxValue)).As<int>());
        Assert.Equal(new ulong[] { ulong.MaxValue }, Run("Sub", Tensor.FromArray(new ulong[] { 0 }, 1), Tensor.FromArray(new ulong[] { 1 }, 1)).As<ulong>());
    }

    [Fact]
    public void Int64MinMaxCompareAllBits()
    {
        // 44000000308 has low word 0x3E9AB534, 46000000322 has 0xB5C4E442 (negative as int32):
        // a comparison of the low halves only would pick the wrong one.
        var a = Tensor.FromArray(new[] { 44000000308L, -5 }, 1, 2);
        var b = Tensor.FromArray(new[] { 46000000322L }, 1, 1);
        Assert.Equal(new[] { 46000000322L, 46000000322L }, Run("Max", a, b).As<long>());
        Assert.Equal(new[] { 44000000308L, -5 }, Run("Min", a, b).As<long>());
        Assert.Equal(new[] { true, true }, Run("Less", a, b).As<bool>());
    }

    [Fact]
    public void AbsAndNegWrapAtTheMinimum()
    {
        Assert.Equal(new sbyte[] { -128, 5, 5 }, Run("Abs", Tensor.FromArray(new sbyte[] { -128, -5, 5 }, 3)).As<sbyte>());
        Assert.Equal(new[] { int.MinValue, -3 }, Run("Neg", I(int.MinValue, 3)).As<int>());
        Assert.Equal(new long[] { -1, 0, 1 }, Run("Sign", L(-9, 0, 4)).As<long>());
    }

    [Fact]
    public void PowOnIntegersIsExact()
    {
        Assert.Equal(new long[] { 4052555153018976267, 1024, 1, 0, -1, 1 },
            Run("Pow", L(3, 2, 7, 2, -1, -1), L(39, 10, 0, -1, 3, -4)).As<long>());
    }

    [Fact]
    public void PowWithMixedTypesKeepsTheBaseType()
    {
        var r = Run("Pow", I(1, 2, 3), F(4, 5, 6));
        Assert.Equal(DataType.Int32, r.Type);
        Assert.Equal(new[] { 1, 32, 729 }, r.As<int>());
        var f = Run("Pow", F(1, 2, 3), L(4, 5, 6));
        Assert.Equal(new float[] { 1, 32, 729 }, f.As<float>());
        Assert.Equal(new float[] { 2, 0.5f }, Run("Pow", F(4, 4), F(0.5f, -0.5f)).As<float>());
    }

    [Fact]
    public void BitShiftPastTheWidthGivesZero()
    {
        var x = Tensor.FromArray(new byte[] { 16, 4, 1, 255 }, 4);
        var y = Tensor.FromArray(new byte[] { 1, 2, 8, 200 }, 4);
        Assert.Equal(new byte[] { 32, 16, 0, 0 }, RunWith("BitShift", [("direction", "LEFT")], x, y).As<byte>());
        Assert.Equal(new byte[] { 8, 1, 0, 0 }, RunWith("BitShift", [("direction", "RIGHT")], x, y).As<byte>());
        var e = Assert.Throws<EngineException>(() => RunWith("BitShift", [("direction", "UP")], x, y));
        Assert.Contains("direction", e.Message);
    }

    [Fact]
    public void BitwiseOpsBroadcast()
    {
        var a = Tensor.FromArray(new ushort[] { 0b1100, 0b1010 }, 2, 1);
        var b = Tensor.FromArray(new ushort[] { 0b1010, 0b0110 }, 2);
        Assert.Equal(new ushort[] { 0b1000, 0b0100, 0b1010, 0b0010 }, Run("BitwiseAnd", a, b).As<ushort>());
        Assert.Equal(new ushort[] { 0b1110, 0b1110, 0b1010, 0b1110 }, Run("BitwiseOr", a, b).As<ushort>());
        Assert.Equal(new ushort[] { 0b0110, 0b1010, 0b0000, 0b1100 }, Run("BitwiseXor", a, b).As<ushort>());
        Assert.Equal(new[] { ~5, ~0 }, Run("BitwiseNot", I(5, 0)).As<int>());
        Assert.Throws<EngineException>(() => Run("BitwiseAnd", F(1), F(1)));
    }

    [Fact]
    public void BoolLogicAndComparisons()
    {
        Assert.Equal(new[] { true, false, false, false }, Run("And", B(true, true, false, false), B(true, false, true, false)).As<bool>());
        Assert.Equal(new[] { true, true, true, false }, Run("Or", B(true, true, false, false), B(true, false, true, false)).As<bool>());
        Assert.Equal(new[] { false, true, true, false }, Run("Xor", B(true, true, false, false), B(true, false, true, false)).As<bool>());
        Assert.Equal(new[] { false, true }, Run("Not", B(true, false)).As<bool>());
        Assert.Equal(new[] { true, false }, Run("Equal", B(true, false), B(true, true)).As<bool>());
        Assert.Equal(new[] { true, false }, Run("Equal", Tensor.FromArray(new[] { "a", "b" }, 2), Tensor.Scalar("a")).As<bool>());
        Assert.Equal(new[] { false, true, true }, Run("GreaterOrEqual", Tensor.FromArray(new ulong[] { 1, 2, ulong.MaxValue }, 3), Tensor.Scalar(2UL)).As<bool>());
        Assert.Equal(new[] { true, true, false }, Run("LessOrEqual", I(-1, 2, 3), I(2)).As<bool>());
        Assert.Throws<EngineException>(() => Run("And", I(1), I(1)));
    }
}
