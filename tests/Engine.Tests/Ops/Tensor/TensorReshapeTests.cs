using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.TensorHarness;

namespace Engine.Tests.Ops;

public class TensorReshapeTests
{
    [Fact]
    public void ReshapeCopiesZeroAndInfersMinusOne()
    {
        var x = F32(Range(24), 2, 3, 4);
        var y = Run1("Reshape", [x, I64(0, -1)]);
        Assert.Equal(new[] { 2, 12 }, y.Shape);
        Assert.Equal(Range(24), y.As<float>());
    }

    [Fact]
    public void ReshapeAllowZeroKeepsLiteralZero()
    {
        var x = Tensor.Zeros(DataType.Float, 0, 3, 4);
        var y = Run1("Reshape", [x, I64(3, 4, 0)], ("allowzero", 1L));
        Assert.Equal(new[] { 3, 4, 0 }, y.Shape);
    }

    [Fact]
    public void ReshapeRejectsBadShapes()
    {
        var x = F32(Range(6), 2, 3);
        Fails(() => Run1("Reshape", [x, I64(-1, -1)]));
        Fails(() => Run1("Reshape", [x, I64(4, 2)]));
        // Same errors without constant folding: the kernel reports them too.
        Fails(() => Run("Reshape", [x, I64(5, -1)], 1, constants: false));
    }

    [Fact]
    public void ReshapeInferenceCancelsSymbols()
    {
        var t = Infer1("Reshape", [Sym(DataType.Float, N, 3, 4), null], [null, I64(0, -1)]);
        Assert.Equal("f32[N,12]", t.ToString());
        t = Infer1("Reshape", [Sym(DataType.Float, N, 12), null], [null, I64(-1, 3, 4)]);
        Assert.Equal("f32[N,3,4]", t.ToString());
        t = Infer1("Reshape", [Sym(DataType.Float, N, 3, 4), null], [null, I64(2, -1)]);
        Assert.Equal("f32[2,?]", t.ToString());
        // A shape computed at run time: rank from the shape tensor's length only.
        t = Infer1("Reshape", [Sym(DataType.Float, N, 12), TensorType.Of(DataType.Int64, 3)], []);
        Assert.Equal("f32[?,?,?]", t.ToString());
    }

    [Fact]
    public void FlattenKeepsLoneSymbol()
    {
        Assert.Equal("f32[N,12]", Infer1("Flatten", [Sym(DataType.Float, N, 3, 4)], []).ToString());
        Assert.Equal("f32[1,?]", Infer1("Flatten", [Sym(DataType.Float, N, 3)], [], ("axis", 0L)).ToString());
        var y = Run1("Flatten", [F32(Range(24), 2, 3, 4)], ("axis", -1L));
        Assert.Equal(new[] { 6, 4 }, y.Shape);
        Fails(() => Run1("Flatten", [F32(Range(24), 2, 3, 4)], ("axis", 4L)));
    }

    [Fact]
    public void SqueezeAndUnsqueeze()
    {
        var x = F32(Range(6), 1, 2, 1, 3);
        Assert.Equal(new[] { 2, 3 }, Run1("Squeeze", [x]).Shape);
        Assert.Equal(new[] { 2, 1, 3 }, Run1("Squeeze", [x, I64(0)]).Shape);
        Fails(() => Run1("Squeeze", [x, I64(1)]));
        Fails(() => Run1("Squeeze", [x, I64(4)]));
        var u = Run1("Unsqueeze", [F32(Range(6), 2, 3), I64(3, 0)]);
        Assert.Equal(new[] { 1, 2, 3, 1 }, u.Shape);
        Fails(() => Run1("Unsqueeze", [F32(Range(6), 2, 3), I64(0, 0)]));
    }

    [Fact]
    public void SqueezeInferencePassesSymbols()
    {
        Assert.Equal("f32[N,3]", Infer1("Squeeze", [Sym(DataType.Float, N, 1, 3), null], [null, I64(-2)]).ToString());
        Assert.Equal("f32[1,N,3]", Infer1("Unsqueeze", [Sym(DataType.Float, N, 3), null], [null, I64(0)]).ToString());
        // Without axes an unknown dim might be 1: the rank is unknown.
        Assert.Null(Infer1("Squeeze", [Sym(DataType.Float, N, 1)], []).Dims);
    }

    [Fact]
    public void ShapeWindowAndSize()
    {
        var x = F32(Range(24), 2, 3, 4);
        Assert.Equal(new long[] { 2, 3, 4 }, Run1("Shape", [x]).As<long>());
        Assert.Equal(new long[] { 3 }, Run1("Shape", [x], ("start", 1L), ("end", -1L)).As<long>());
        Assert.Empty(Run1("Shape", [x], ("start", 2L), ("end", 1L)).As<long>());
        Assert.Equal(new long[] { 24 }, Run1("Size", [x]).As<long>());
        Assert.Equal("i64[2]", Infer1("Shape", [Sym(DataType.Float, N, 3, 4)], [], ("start", -2L)).ToString());
    }

    [Fact]
    public void StringAndBoolTensorsReshape()
    {
        var s = Tensor.FromArray(new[] { "a", "b", "c", "d" }, 2, 2);
        Assert.Equal(new[] { "a", "b", "c", "d" }, Run1("Reshape", [s, I64(4)]).As<string>());
    }
}
