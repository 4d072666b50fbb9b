using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.TensorHarness;

namespace Engine.Tests.Ops;

public class TensorValueOpTests
{
    [Fact]
    public void TopKBreaksTiesByIndex()
    {
        var x = F32([3, 1, 3, 2, 3, 1], 6);
        var largest = Run("TopK", [x, I64(2)], 2);
        Assert.Equal(new float[] { 3, 3 }, largest[0].As<float>());
        Assert.Equal(new long[] { 0, 2 }, largest[1].As<long>());
        var smallest = Run("TopK", [x, I64(3)], 2, ("largest", 0L));
        Assert.Equal(new float[] { 1, 1, 2 }, smallest[0].As<float>());
        Assert.Equal(new long[] { 1, 5, 3 }, smallest[1].As<long>());
        var u64 = Run("TopK", [Tensor.FromArray(new ulong[] { 5, ulong.MaxValue, 7 }, 3), I64(1)], 2);
        Assert.Equal(new[] { ulong.MaxValue }, u64[0].As<ulong>());
        Fails(() => Run("TopK", [x, I64(7)], 2));
        var t = Infer("TopK", [Sym(DataType.Float, N, 10), null], [null, I64(3)], 2);
        Assert.Equal("f32[N,3]", t[0].ToString());
        Assert.Equal("i64[N,3]", t[1].ToString());
    }

    [Fact]
    public void ArgMaxArgMinSelectLastIndex()
    {
        var x = Tensor.FromArray(new int[] { 2, 5, 5, 1, 1, 0 }, 2, 3);
        Assert.Equal(new long[] { 1, 0 }, Run1("ArgMax", [x], ("axis", 1L), ("keepdims", 0L)).As<long>());
        Assert.Equal(new long[] { 2, 1 }, Run1("ArgMax", [x], ("axis", 1L), ("keepdims", 0L), ("select_last_index", 1L)).As<long>());
        var mn = Run1("ArgMin", [x], ("axis", 0L));
        Assert.Equal(new[] { 1, 3 }, mn.Shape);
        Assert.Equal(new long[] { 1, 1, 1 }, mn.As<long>());
        Assert.Equal("i64[N,1]", Infer1("ArgMax", [Sym(DataType.Float, N, 3)], [], ("axis", -1L)).ToString());
        Fails(() => Run1("ArgMax", [x], ("axis", 2L)));
    }

    [Fact]
    public void NonZeroListsCoordinates()
    {
        var x = Tensor.FromArray(new byte[] { 0, 200, 3, 0 }, 2, 2);
        var y = Run1("NonZero", [x]);
        Assert.Equal(new[] { 2, 2 }, y.Shape);
        Assert.Equal(new long[] { 0, 1, 1, 0 }, y.As<long>());
    }

    [Fact]
    public void UniqueSortedAndUnsorted()
    {
        var x = F32([2, 1, 1, 3, 4, 3], 6);
        var s = Run("Unique", [x], 4);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, s[0].As<float>());
        Assert.Equal(new long[] { 1, 0, 3, 4 }, s[1].As<long>());
        Assert.Equal(new long[] { 1, 0, 0, 2, 3, 2 }, s[2].As<long>());
        Assert.Equal(new long[] { 2, 1, 2, 1 }, s[3].As<long>());
        var u = Run("Unique", [x], 4, ("sorted", 0L));
        Assert.Equal(new float[] { 2, 1, 3, 4 }, u[0].As<float>());
        Assert.Equal(new long[] { 0, 1, 1, 2, 3, 2 }, u[2].As<long>());
        var rows = Run("Unique", [Tensor.FromArray(new[] { "b", "a", "a", "a", "b", "a" }, 3, 2)], 1, ("axis", 0L));
        Assert.Equal(new[] { 2, 2 }, rows[0].Shape);
        Assert.Equal(new[] { "a", "a", "b", "a" }, rows[0].As<string>());
    }

    [Fact]
    public void CumSumAndCumProdVariants()
    {
        var x = Tensor.FromArray(new int[] { 1, 2, 3, 4 }, 4);
        Assert.Equal(new[] { 1, 3, 6, 10 }, Run1("CumSum", [x, Tensor.Scalar(0)]).As<int>());
        Assert.Equal(new[] { 9, 7, 4, 0 }, Run1("CumSum", [x, Tensor.Scalar(0L)], ("exclusive", 1L), ("reverse", 1L)).As<int>());
        Assert.Equal(new[] { 1, 1, 2, 6 }, Run1("CumProd", [x, Tensor.Scalar(0L)], ("exclusive", 1L)).As<int>());
        var m = F32([1, 2, 3, 4], 2, 2);
        Assert.Equal(new float[] { 1, 2, 4, 6 }, Run1("CumSum", [m, Tensor.Scalar(-2L)]).As<float>());
        var h = Tensor.FromArray(new[] { (Half)1, (Half)2 }, 2);
        Assert.Equal(new[] { (Half)1, (Half)3 }, Run1("CumSum", [h, Tensor.Scalar(0L)]).As<Half>());
        Fails(() => Run1("CumSum", [x, Tensor.Scalar(1L)]));
        Fails(() => Run1("CumSum", [Tensor.FromArray(new[] { true }, 1), Tensor.Scalar(0L)]));
    }

    [Fact]
    public void TriluKeepsTriangles()
    {
        var x = F32(Range(9), 3, 3);
        Assert.Equal(new float[] { 0, 1, 2, 0, 4, 5, 0, 0, 8 }, Run1("Trilu", [x]).As<float>());
        Assert.Equal(new float[] { 0, 0, 0, 3, 0, 0, 6, 7, 0 }, Run1("Trilu", [x, Tensor.Scalar(-1L)], ("upper", 0L)).As<float>());
        Assert.Equal(new float[9], Run1("Trilu", [x, Tensor.Scalar(5L)]).As<float>());
        Fails(() => Run1("Trilu", [F32([1, 2], 2)]));
    }

    [Fact]
    public void ReverseSequenceReversesPrefixes()
    {
        var x = F32(Range(8), 4, 2);
        var y = Run1("ReverseSequence", [x, I64(3, 1)]);
        Assert.Equal(new float[] { 4, 1, 2, 3, 0, 5, 6, 7 }, y.As<float>());
        Fails(() => Run1("ReverseSequence", [x, I64(5, 1)]));
    }

    [Fact]
    public void GeneratorsMakeTensors()
    {
        var c = Run1("ConstantOfShape", [I64(2, 3)], ("value", Tensor.FromArray(new[] { 7 }, 1)));
        Assert.Equal(DataType.Int32, c.Type);
        Assert.Equal(Enumerable.Repeat(7, 6), c.As<int>());
        Assert.Equal(new float[2], Run1("ConstantOfShape", [I64(2)]).As<float>());
        Fails(() => Run1("ConstantOfShape", [I64(-1)]));
        Assert.Equal(new[] { 10, 7, 4 }, Run1("Range", [Tensor.Scalar(10), Tensor.Scalar(2), Tensor.Scalar(-3)]).As<int>());
        Assert.Equal(new[] { 0f, 0.5f, 1f }, Run1("Range", [Tensor.Scalar(0f), Tensor.Scalar(1.2f), Tensor.Scalar(0.5f)]).As<float>());
        Fails(() => Run1("Range", [Tensor.Scalar(0L), Tensor.Scalar(2L), Tensor.Scalar(0L)]));
        var eye = Run1("EyeLike", [Tensor.Zeros(DataType.Int32, 2, 3)], ("k", 1L), ("dtype", (long)DataType.Double));
        Assert.Equal(new double[] { 0, 1, 0, 0, 0, 1 }, eye.As<double>());
        Assert.Equal("f32[3]", Infer1("Range", [TensorType.Of(DataType.Float), null, null], [Tensor.Scalar(0f), Tensor.Scalar(3f), Tensor.Scalar(1f)]).ToString());
    }

    [Fact]
    public void Col2ImSumsOverlappingBlocks()
    {
        // One channel, 1x3 image, 1x2 blocks, stride 1: two columns overlapping in the middle pixel.
        var x = F32([1, 2, 10, 20], 1, 2, 2);
        var y = Run1("Col2Im", [x, I64(1, 3), I64(1, 2)]);
        Assert.Equal(new[] { 1, 1, 1, 3 }, y.Shape);
        Assert.Equal(new float[] { 1, 12, 20 }, y.As<float>());
        Fails(() => Run1("Col2Im", [F32([1, 2, 3], 1, 1, 3), I64(1, 3), I64(1, 2)]));
    }
}
