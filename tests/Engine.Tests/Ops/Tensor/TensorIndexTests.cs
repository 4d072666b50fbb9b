using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.TensorHarness;

namespace Engine.Tests.Ops;

public class TensorIndexTests
{
    [Fact]
    public void GatherBlocksAndScalars()
    {
        var x = Tensor.FromArray(new[] { true, false, false, true, true, true }, 3, 2);
        var y = Run1("Gather", [x, Tensor.FromArray(new long[] { 2, -3 }, 2)]);
        Assert.Equal(new[] { 2, 2 }, y.Shape);
        Assert.Equal(new[] { true, true, true, false }, y.As<bool>());
        var col = Run1("Gather", [F32(Range(6), 2, 3), Tensor.Scalar(1)], ("axis", 1L));
        Assert.Equal(new[] { 2 }, col.Shape);
        Assert.Equal(new float[] { 1, 4 }, col.As<float>());
        var u8 = Run1("Gather", [Tensor.FromArray(new byte[] { 10, 200 }, 2), Tensor.FromArray(new byte[] { 1 }, 1)]);
        Assert.Equal(new byte[] { 200 }, u8.As<byte>());
    }

    [Fact]
    public void GatherRejectsOutOfRangeIndices()
    {
        var x = F32(Range(6), 3, 2);
        Fails(() => Run1("Gather", [x, I64(3)]));
        Fails(() => Run("Gather", [x, I64(-4)], 1, constants: false));
        Fails(() => Run1("Gather", [x, I64(0)], ("axis", 2L)));
    }

    [Fact]
    public void GatherInferenceSplicesIndexDims()
    {
        var t = Infer1("Gather", [Sym(DataType.Float, N, 5, 7), Sym(DataType.Int64, 2, 3)], [], ("axis", 1L));
        Assert.Equal("f32[N,2,3,7]", t.ToString());
    }

    [Fact]
    public void GatherElementsAndND()
    {
        var x = F32([1, 2, 3, 4], 2, 2);
        var ge = Run1("GatherElements", [x, Tensor.FromArray(new long[] { 0, 0, 1, 0 }, 2, 2)], ("axis", 1L));
        Assert.Equal(new float[] { 1, 1, 4, 3 }, ge.As<float>());
        Fails(() => Run1("GatherElements", [x, Tensor.FromArray(new long[] { 0, 2 }, 1, 2)], ("axis", 1L)));
        var nd = Run1("GatherND", [F32(Range(8), 2, 2, 2), Tensor.FromArray(new long[] { 1, 0 }, 2, 1)], ("batch_dims", 1L));
        Assert.Equal(new[] { 2, 2 }, nd.Shape);
        Assert.Equal(new float[] { 2, 3, 4, 5 }, nd.As<float>());
        var nd0 = Run1("GatherND", [F32(Range(4), 2, 2), Tensor.FromArray(new long[] { 1, 1, 0, 1 }, 2, 2)]);
        Assert.Equal(new float[] { 3, 1 }, nd0.As<float>());
        Fails(() => Run1("GatherND", [F32(Range(4), 2, 2), Tensor.FromArray(new long[] { 1, 2 }, 1, 2)]));
        Assert.Equal("f32[N,3]", Infer1("GatherND", [Sym(DataType.Float, 4, 3), Sym(DataType.Int64, N, 1)], []).ToString());
    }

    [Fact]
    public void ScatterElementsReductionsAccumulateDuplicates()
    {
        var x = F32([1, 2, 3, 4, 5], 1, 5);
        var idx = Tensor.FromArray(new long[] { 1, 1 }, 1, 2);
        var upd = F32([10, 20], 1, 2);
        Assert.Equal(new float[] { 1, 32, 3, 4, 5 }, Run1("ScatterElements", [x, idx, upd], ("axis", 1L), ("reduction", "add")).As<float>());
        Assert.Equal(new float[] { 1, 400, 3, 4, 5 }, Run1("ScatterElements", [x, idx, upd], ("axis", 1L), ("reduction", "mul")).As<float>());
        Assert.Equal(new float[] { 1, 20, 3, 4, 5 }, Run1("ScatterElements", [x, idx, upd], ("axis", 1L)).As<float>());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5 }, x.As<float>());
        Fails(() => Run1("ScatterElements", [x, Tensor.FromArray(new long[] { 5 }, 1, 1), F32([1], 1, 1)], ("axis", 1L)));
        Fails(() => Run1("ScatterElements", [x, idx, upd], ("axis", 1L), ("reduction", "sub")));
    }

    [Fact]
    public void ScatterNDOnBf16AndStrings()
    {
        ushort One(float f) => BFloat16Bits.FromFloat(f);
        var x = Tensor.BFloat16([One(1), One(2), One(3)], 3);
        var y = Run1("ScatterND", [x, Tensor.FromArray(new long[] { 2, 2 }, 2, 1), Tensor.BFloat16([One(4), One(5)], 2)], ("reduction", "max"));
        Assert.Equal(new[] { One(1), One(2), One(5) }, y.As<ushort>());
        var s = Tensor.FromArray(new[] { "a", "b", "c", "d" }, 2, 2);
        var z = Run1("ScatterND", [s, Tensor.FromArray(new long[] { 1 }, 1, 1), Tensor.FromArray(new[] { "x", "y" }, 1, 2)]);
        Assert.Equal(new[] { "a", "b", "x", "y" }, z.As<string>());
        Fails(() => Run1("ScatterND", [s, Tensor.FromArray(new long[] { 1 }, 1, 1), Tensor.FromArray(new[] { "x" }, 1, 1)]));
    }

    [Fact]
    public void TensorScatterWritesPerBatchPositions()
    {
        var cache = Tensor.Zeros(DataType.Float, 2, 4, 1);
        var update = F32([1, 2, 3, 4], 2, 2, 1);
        var y = Run1("TensorScatter", [cache, update, I64(1, 3)], ("axis", 1L), ("mode", "circular"));
        Assert.Equal(new float[] { 0, 1, 2, 0, 4, 0, 0, 3 }, y.As<float>());
        Fails(() => Run1("TensorScatter", [cache, update, I64(1, 3)], ("axis", 1L)));
    }

    [Fact]
    public void CompressAndOneHot()
    {
        var x = F32(Range(6), 3, 2);
        var c = Run1("Compress", [x, Tensor.FromArray(new[] { false, true, true }, 3)], ("axis", 0L));
        Assert.Equal(new float[] { 2, 3, 4, 5 }, c.As<float>());
        var flat = Run1("Compress", [x, Tensor.FromArray(new[] { true, false, true }, 3)]);
        Assert.Equal(new float[] { 0, 2 }, flat.As<float>());
        Fails(() => Run1("Compress", [x, Tensor.FromArray(new[] { false, false, false, true }, 4)], ("axis", 0L)));
        var oh = Run1("OneHot", [Tensor.FromArray(new long[] { 0, -1, 5 }, 3), Tensor.Scalar(3L), F32([0, 1], 2)], ("axis", 0L));
        Assert.Equal(new[] { 3, 3 }, oh.Shape);
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 0, 0, 1, 0 }, oh.As<float>());
        Assert.Equal("f32[N,3]", Infer1("OneHot", [Sym(DataType.Int64, N), null, null], [null, Tensor.Scalar(3L), F32([0, 1], 2)]).ToString());
    }
}
