using Engine.Runtime;
using static Engine.Tests.Ops.ElementwiseRunner;

namespace Engine.Tests.Ops;

public class ElementwiseCastTests
{
    private static Tensor Cast(Tensor x, DataType to) => RunWith("Cast", [("to", (long)to)], x);

    [Fact]
    public void FloatToFloat16RoundsHalfToEven()
    {
        float halfway = 1 + MathF.Pow(2, -11);        // between 1 and the next float16: goes to 1 (even)
        float halfwayOdd = 1 + 3 * MathF.Pow(2, -11); // between 1+2^-10 (odd) and 1+2^-9: goes up
        var r = Cast(F(halfway, halfwayOdd, 65520f, float.NaN), DataType.Float16).As<Half>();
        Assert.Equal((Half)1f, r[0]);
        Assert.Equal((Half)(1 + MathF.Pow(2, -9)), r[1]);
        Assert.True(Half.IsPositiveInfinity(r[2]));
        Assert.True(Half.IsNaN(r[3]));
        var d = Cast(Tensor.FromArray(new[] { 1 + Math.Pow(2, -11) + Math.Pow(2, -40) }, 1), DataType.Float16).As<Half>();
        Assert.Equal((Half)(1 + MathF.Pow(2, -10)), d[0]); // double rounds once, not via float
    }

    [Fact]
    public void FloatToBFloat16RoundsHalfToEven()
    {
        var x = F(BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000),
            BitConverter.UInt32BitsToSingle(0x3F808001), float.NaN);
        var r = Cast(x, DataType.BFloat16);
        Assert.Equal(DataType.BFloat16, r.Type);
        var bits = r.As<ushort>();
        Assert.Equal(new ushort[] { 0x3F80, 0x3F82, 0x3F81 }, bits[..3]);
        Assert.True(float.IsNaN(BFloat16Bits.ToFloat(bits[3])));
        var back = Cast(r, DataType.Float).As<float>();
        Assert.Equal(1f, back[0]);
    }

    [Fact]
    public void FloatToIntTruncatesAndSaturates()
    {
        Assert.Equal(new[] { 2, -2, 0, int.MaxValue, int.MinValue, 0 }, Cast(F(2.7f, -2.7f, -0.5f, 1e10f, -1e10f, float.NaN), DataType.Int32).As<int>());
        Assert.Equal(new byte[] { 255, 0, 200 }, Cast(F(300, -3, 200.9f), DataType.UInt8).As<byte>());
    }

    [Fact]
    public void IntegerNarrowingWraps()
    {
        Assert.Equal(new[] { 5, -1 }, Cast(L((1L << 32) + 5, -1), DataType.Int32).As<int>());
        Assert.Equal(new sbyte[] { -56 }, Cast(I(200), DataType.Int8).As<sbyte>());
        Assert.Equal(new ulong[] { ulong.MaxValue }, Cast(L(-1), DataType.UInt64).As<ulong>());
    }

    [Fact]
    public void BoolConversions()
    {
        Assert.Equal(new[] { true, false, true, true }, Cast(F(2, 0, float.NaN, -0.1f), DataType.Bool).As<bool>());
        Assert.Equal(new float[] { 1, 0 }, Cast(B(true, false), DataType.Float).As<float>());
        Assert.Equal(new long[] { 1, 0 }, Cast(B(true, false), DataType.Int64).As<long>());
    }

    [Fact]
    public void StringsParseAndPrint()
    {
        var s = Tensor.FromArray(new[] { "3.5", "INF", "-inf", "NaN", " 1e-3 ", "-0" }, 6);
        var f = Cast(s, DataType.Float).As<float>();
        Assert.Equal(3.5f, f[0]);
        Assert.True(float.IsPositiveInfinity(f[1]));
        Assert.True(float.IsNegativeInfinity(f[2]));
        Assert.True(float.IsNaN(f[3]));
        Assert.Equal(1e-3f, f[4]);
        Assert.Equal(new long[] { 12345678901234567 }, Cast(Tensor.FromArray(new[] { "12345678901234567" }, 1), DataType.Int64).As<long>());
        Assert.Equal(new[] { "0.1", "-2.5", "INF", "NaN" }, Cast(F(0.1f, -2.5f, float.PositiveInfinity, float.NaN), DataType.String).As<string>());
        Assert.Equal(new[] { "-7", "18446744073709551615" }, Cast(Tensor.FromArray(new[] { -7L }, 1), DataType.String).As<string>()
            .Concat(Cast(Tensor.FromArray(new[] { ulong.MaxValue }, 1), DataType.String).As<string>()).ToArray());
        var e = Assert.Throws<EngineException>(() => Cast(Tensor.FromArray(new[] { "abc" }, 1), DataType.Double));
        Assert.Contains("abc", e.Message);
        Assert.Contains("n_Cast", e.Message);
    }

    [Fact]
    public void Float16AndDoubleRoundTrip()
    {
        var h = Tensor.FromArray(new[] { (Half)0.333f, (Half)(-2.5f) }, 2);
        Assert.Equal(new[] { (double)(Half)0.333f, -2.5 }, Cast(h, DataType.Double).As<double>());
        var bf = Cast(h, DataType.BFloat16);
        Assert.Equal(-2.5f, BFloat16Bits.ToFloat(bf.As<ushort>()[1]));
    }

    [Fact]
    public void CastLikeTakesTheTargetsType()
    {
        var r = Run("CastLike", F(1.9f, -1.9f), Tensor.FromArray(new long[0], 0));
        Assert.Equal(DataType.Int64, r.Type);
        Assert.Equal(new long[] { 1, -1 }, r.As<long>());
    }

    [Fact]
    public void BitCastReinterpretsBits()
    {
        var r = RunWith("BitCast", [("to", (long)DataType.Int32)], Tensor.FromArray(new[] { 1f, -2f }, 2));
        Assert.Equal(new[] { 0x3F800000, unchecked((int)0xC0000000) }, r.As<int>());
        var u = RunWith("BitCast", [("to", (long)DataType.UInt8)], Tensor.FromArray(new sbyte[] { -1 }, 1));
        Assert.Equal(new byte[] { 255 }, u.As<byte>());
        var e = Assert.Throws<EngineException>(() => RunWith("BitCast", [("to", (long)DataType.Int64)], F(1f)));
        Assert.Contains("size", e.Message);
    }

    [Fact]
    public void UnsupportedTargetFails()
    {
        var e = Assert.Throws<EngineException>(() => Cast(F(1f), DataType.Float8E4M3FN));
        Assert.Contains("not supported", e.Message);
    }
}
