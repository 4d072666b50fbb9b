using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.TensorHarness;

namespace Engine.Tests.Ops;

public class TensorJoinSliceTests
{
    [Fact]
    public void ConcatAlongInnerAxis()
    {
        var a = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 2, 2);
        var b = Tensor.FromArray(new long[] { 5, 6 }, 2, 1);
        var y = Run1("Concat", [a, b], ("axis", -1L));
        Assert.Equal(new[] { 2, 3 }, y.Shape);
        Assert.Equal(new long[] { 1, 2, 5, 3, 4, 6 }, y.As<long>());
        Fails(() => Run1("Concat", [a, Tensor.FromArray(new long[] { 5, 6, 7 }, 3, 1)], ("axis", 1L)));
        Fails(() => Run1("Concat", [a, b], ("axis", 2L)));
    }

    [Fact]
    public void ConcatInferenceSumsAndUnifies()
    {
        var t = Infer1("Concat", [Sym(DataType.Float, N, 3), Sym(DataType.Float, N, 5)], [], ("axis", 1L));
        Assert.Equal("f32[N,8]", t.ToString());
        t = Infer1("Concat", [Sym(DataType.Float, N, 3), Sym(DataType.Float, 2, 3)], [], ("axis", 0L));
        Assert.Equal("f32[?,3]", t.ToString());
        t = Infer1("Concat", [Sym(DataType.Float, N, 3), Sym(DataType.Float, 0, 3)], [], ("axis", 0L));
        Assert.Equal("f32[N,3]", t.ToString());
    }

    [Fact]
    public void SplitSizesFromInputNumOutputsOrOutputCount()
    {
        var x = F32(Range(7), 7);
        var parts = Run("Split", [x], 3, ("num_outputs", 3L));
        Assert.Equal(new[] { 3, 3, 1 }, parts.Select(p => p.Length).ToArray());
        Assert.Equal(new float[] { 6 }, parts[2].As<float>());
        parts = Run("Split", [x, I64(2, 5)], 2);
        Assert.Equal(new float[] { 2, 3, 4, 5, 6 }, parts[1].As<float>());
        var m = F32(Range(12), 2, 6);
        parts = Run("Split", [m], 2, ("axis", 1L));
        Assert.Equal(new float[] { 3, 4, 5, 9, 10, 11 }, parts[1].As<float>());
        Fails(() => Run("Split", [x, I64(2, 4)], 2));
        Fails(() => Run("Split", [x], 2));
        var types = Infer("Split", [Sym(DataType.Float, N, 6)], [], 2, ("axis", 1L));
        Assert.All(types, t => Assert.Equal("f32[N,3]", t.ToString()));
    }

    [Fact]
    public void SliceWithNegativeStepsAndClamping()
    {
        var x = F32(Range(20), 4, 5);
        var y = Run1("Slice", [x, I64(-1, 10), I64(long.MinValue, -10), I64(0, 1), I64(-2, -2)]);
        Assert.Equal(new[] { 2, 3 }, y.Shape);
        Assert.Equal(new float[] { 19, 17, 15, 9, 7, 5 }, y.As<float>());
        var e = Run1("Slice", [x, I64(3), I64(1)]);
        Assert.Equal(new[] { 0, 5 }, e.Shape);
        Fails(() => Run1("Slice", [x, I64(0), I64(1), I64(0), I64(0)]));
        Fails(() => Run1("Slice", [x, I64(0), I64(1), I64(2)]));
    }

    [Fact]
    public void SliceInferenceKeepsFullRangeSymbols()
    {
        var t = Infer1("Slice", [Sym(DataType.Float, N, 10), null, null, null], [null, I64(0, 2), I64(long.MaxValue, -1), I64(0, 1)]);
        Assert.Equal("f32[N,7]", t.ToString());
        t = Infer1("Slice", [Sym(DataType.Float, N, 10), null, null], [null, I64(1), I64(3)]);
        Assert.Equal("f32[?,10]", t.ToString());
    }

    [Theory]
    [InlineData("constant", new float[] { 0, 0, 1, 2, 3, 0, 0 })]
    [InlineData("reflect", new float[] { 3, 2, 1, 2, 3, 2, 1 })]
    [InlineData("edge", new float[] { 1, 1, 1, 2, 3, 3, 3 })]
    [InlineData("wrap", new float[] { 2, 3, 1, 2, 3, 1, 2 })]
    public void PadModes(string mode, float[] expected)
    {
        var y = Run1("Pad", [F32([1, 2, 3], 3), I64(2, 2)], ("mode", mode));
        Assert.Equal(expected, y.As<float>());
    }

    [Fact]
    public void PadAxesNegativePadsAndConvertedFill()
    {
        var x = Tensor.FromArray(new int[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var y = Run1("Pad", [x, I64(1, -1), Tensor.Scalar(9), I64(-1)]);
        Assert.Equal(new[] { 2, 3 }, y.Shape);
        Assert.Equal(new[] { 9, 1, 2, 9, 4, 5 }, y.As<int>());
        // A float fill (Pad-2's 'value' attribute after upgrade) converts to the data's type.
        var z = Run1("Pad", [x, I64(0, 1, 0, 0), Tensor.Scalar(7f)]);
        Assert.Equal(new[] { 7, 1, 2, 3, 7, 4, 5, 6 }, z.As<int>());
        Fails(() => Run1("Pad", [x, I64(1, 1)]));
        Fails(() => Run1("Pad", [x, I64(0, -4, 0, 0)]));
        Assert.Equal("i32[N,5]", Infer1("Pad", [Sym(DataType.Int32, N, 3), null], [null, I64(0, 1, 0, 1)]).ToString());
    }

    [Fact]
    public void CenterCropPadCropsAndPadsAroundTheCentre()
    {
        var x = F32(Range(5), 5);
        Assert.Equal(new float[] { 1, 2, 3 }, Run1("CenterCropPad", [x, I64(3)]).As<float>());
        Assert.Equal(new float[] { 0, 0, 1, 2, 3, 4, 0, 0 }, Run1("CenterCropPad", [x, I64(8)]).As<float>());
        var m = F32(Range(6), 2, 3);
        var y = Run1("CenterCropPad", [m, I64(1)], ("axes", new long[] { -1 }));
        Assert.Equal(new float[] { 1, 4 }, y.As<float>());
        Assert.Equal("f32[N,4]", Infer1("CenterCropPad", [Sym(DataType.Float, N, 3), null], [null, I64(4)], ("axes", new long[] { 1 })).ToString());
    }
}
