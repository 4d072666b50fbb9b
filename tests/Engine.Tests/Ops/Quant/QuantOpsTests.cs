using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

public class QuantOpsTests
{
    [Fact]
    public void QuantizeRoundsHalfToEvenAndSaturates()
    {
        var x = Tensor.FromArray(new[] { 0f, 1f, 3f, 5f, -1f, 1000f, -1000f }, 7);
        var y = ReduceFamilyRunner.Run1("QuantizeLinear", [x, Tensor.Scalar(2f), Tensor.Scalar((byte)128)]);
        // 0.5 → 0, 1.5 → 2, 2.5 → 2, -0.5 → -0
        Assert.Equal(new byte[] { 128, 128, 130, 130, 128, 255, 0 }, y.As<byte>());
        var i8 = ReduceFamilyRunner.Run1("QuantizeLinear", [x, Tensor.Scalar(2f), Tensor.Scalar((sbyte)-1)]);
        Assert.Equal(new sbyte[] { -1, -1, 1, 1, -1, 127, -128 }, i8.As<sbyte>());
    }

    [Fact]
    public void QuantizeWithoutZeroPointUsesOutputDtypeOrUInt8()
    {
        var x = Tensor.FromArray(new[] { -3f, 70000f }, 2);
        var u8 = ReduceFamilyRunner.Run1("QuantizeLinear", [x, Tensor.Scalar(1f)]);
        Assert.Equal(new byte[] { 0, 255 }, u8.As<byte>());
        var i16 = ReduceFamilyRunner.Run1("QuantizeLinear", [x, Tensor.Scalar(1f)], ("output_dtype", (long)DataType.Int16));
        Assert.Equal(new short[] { -3, short.MaxValue }, i16.As<short>());
        var e = Assert.Throws<EngineException>(() =>
            ReduceFamilyRunner.Run1("QuantizeLinear", [x, Tensor.Scalar(1f), Tensor.Scalar((byte)0)], ("output_dtype", (long)DataType.Int8)));
        Assert.Contains("output_dtype", e.Message);
    }

    [Fact]
    public void QuantizePerAxisAndBlocked()
    {
        // x [2,4]; per-axis over axis 0 with scales [1, 2]
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 2f, 4f, 6f, 8f }, 2, 4);
        var scales = Tensor.FromArray(new[] { 1f, 2f }, 2);
        var zps = Tensor.FromArray(new byte[] { 0, 10 }, 2);
        var y = ReduceFamilyRunner.Run1("QuantizeLinear", [x, scales, zps], ("axis", 0L));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 11, 12, 13, 14 }, y.As<byte>());
        // blocked along axis 1 with block 3: blocks {0,1,2} and {3}
        var bs = Tensor.FromArray(new[] { 1f, 4f, 2f, 8f }, 2, 2);
        var b = ReduceFamilyRunner.Run1("QuantizeLinear", [x, bs], ("axis", 1L), ("block_size", 3L));
        Assert.Equal(new byte[] { 1, 2, 3, 1, 1, 2, 3, 1 }, b.As<byte>());
        var bad = Tensor.FromArray(new[] { 1f, 4f, 2f }, 1, 3);
        Assert.Throws<EngineException>(() => ReduceFamilyRunner.Run1("QuantizeLinear", [x, bad], ("axis", 1L), ("block_size", 3L)));
    }

    [Fact]
    public void DequantizeUsesScaleTypeAndSubtractsZeroPoint()
    {
        var x = Tensor.FromArray(new byte[] { 0, 3, 128, 255 }, 4);
        var y = ReduceFamilyRunner.Run1("DequantizeLinear", [x, Tensor.Scalar(2f), Tensor.Scalar((byte)128)]);
        Assert.Equal(new[] { -256f, -250f, 0f, 254f }, y.As<float>());
        var h = ReduceFamilyRunner.Run1("DequantizeLinear", [Tensor.FromArray(new int[] { -5, 7 }, 2), Tensor.Scalar((Half)0.5)]);
        Assert.Equal(new[] { (Half)(-2.5), (Half)3.5 }, h.As<Half>());
        var d = ReduceFamilyRunner.Run1("DequantizeLinear", [x, Tensor.Scalar(2f)], ("output_dtype", (long)DataType.Double));
        Assert.Equal(new[] { 0.0, 6.0, 256.0, 510.0 }, d.As<double>());
    }

    [Fact]
    public void DequantizePerAxis()
    {
        var x = Tensor.FromArray(new sbyte[] { 1, 2, 3, 4, 5, 6 }, 1, 3, 2);
        var y = ReduceFamilyRunner.Run1("DequantizeLinear",
            [x, Tensor.FromArray(new[] { 1f, 10f, 100f }, 3), Tensor.FromArray(new sbyte[] { 0, 1, -1 }, 3)]);
        Assert.Equal(new[] { 1f, 2f, 20f, 30f, 600f, 700f }, y.As<float>());
    }

    [Fact]
    public void DynamicQuantizeMatchesSpecExample()
    {
        var x = Tensor.FromArray(new[] { 0f, 2f, -3f, -2.5f, 1.34f, 0.5f }, 6);
        var outs = ReduceFamilyRunner.Run("DynamicQuantizeLinear", [x], 3);
        float scale = 5f / 255f;
        Assert.Equal(scale, outs[1].As<float>()[0]);
        Assert.Equal((byte)153, outs[2].As<byte>()[0]);
        Assert.Equal(new byte[] { 153, 255, 0, 26, 221, 179 }, outs[0].As<byte>());
        var zeros = ReduceFamilyRunner.Run("DynamicQuantizeLinear", [Tensor.Zeros(DataType.Float, 3)], 3);
        Assert.Equal(1f, zeros[1].As<float>()[0]);
        Assert.Equal(new byte[] { 0, 0, 0 }, zeros[0].As<byte>());
    }

    [Fact]
    public void MatMulIntegerSubtractsPerRowAndPerColumnZeroPoints()
    {
        var a = Tensor.FromArray(new byte[] { 11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0 }, 4, 3);
        var b = Tensor.FromArray(new byte[] { 1, 4, 2, 5, 3, 6 }, 3, 2);
        var y = ReduceFamilyRunner.Run1("MatMulInteger", [a, b, Tensor.FromArray(new byte[] { 12 }, 1), Tensor.FromArray(new byte[] { 0 }, 1)]);
        Assert.Equal(new[] { -38, -83, -44, -98, -50, -113, -56, -128 }, y.As<int>());
        var rowZp = Tensor.FromArray(new byte[] { 1, 2, 3, 4 }, 4);
        var colZp = Tensor.FromArray(new byte[] { 1, 0 }, 2);
        var y2 = ReduceFamilyRunner.Run1("MatMulInteger", [a, b, rowZp, colZp]);
        var av = a.ToDoubleArray();
        var bv = b.ToDoubleArray();
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += (av[i * 3 + k] - (i + 1)) * (bv[k * 2 + j] - (j == 0 ? 1 : 0));
                Assert.Equal((int)s, y2.As<int>()[i * 2 + j]);
            }
        }
    }

    [Fact]
    public void MatMulIntegerBroadcastsBatchesAndVectors()
    {
        var a = Tensor.FromArray(new sbyte[] { 1, -2, 3, 4, -5, 6 }, 2, 1, 3);
        var b = Tensor.FromArray(new sbyte[] { 1, 1, 1 }, 3);
        var y = ReduceFamilyRunner.Run1("MatMulInteger", [a, b]);
        Assert.Equal(new[] { 2, 1 }, y.Shape);
        Assert.Equal(new[] { 2, 5 }, y.As<int>());
    }

    [Fact]
    public void QLinearMatMulMatchesSpecExample()
    {
        var a = Tensor.FromArray(new byte[] { 208, 236, 0, 238, 3, 214, 255, 29 }, 2, 4);
        var b = Tensor.FromArray(new byte[] { 152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247 }, 4, 3);
        var y = ReduceFamilyRunner.Run1("QLinearMatMul", [a, Tensor.FromArray(new[] { 0.0066f }, 1), Tensor.FromArray(new byte[] { 113 }, 1),
            b, Tensor.FromArray(new[] { 0.00705f }, 1), Tensor.FromArray(new byte[] { 114 }, 1),
            Tensor.FromArray(new[] { 0.0107f }, 1), Tensor.FromArray(new byte[] { 118 }, 1)]);
        Assert.Equal(new byte[] { 168, 115, 255, 1, 66, 151 }, y.As<byte>());
    }

    [Fact]
    public void ConvIntegerPadsWithZeroPointAdjustedZeros()
    {
        var x = Tensor.FromArray(new byte[] { 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 1, 1, 3, 3);
        var w = Tensor.FromArray(new byte[] { 1, 1, 1, 1 }, 1, 1, 2, 2);
        var y = ReduceFamilyRunner.Run1("ConvInteger", [x, w, Tensor.Scalar((byte)1)], ("pads", new long[] { 1, 1, 1, 1 }));
        Assert.Equal(new[] { 1, 1, 4, 4 }, y.Shape);
        Assert.Equal(new[] { 1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9 }, y.As<int>());
        var valid = ReduceFamilyRunner.Run1("ConvInteger", [x, w, Tensor.Scalar((byte)1)]);
        Assert.Equal(new[] { 12, 16, 24, 28 }, valid.As<int>());
    }

    [Fact]
    public void ConvIntegerSupportsGroupsStridesDilationsAndAutoPad()
    {
        // Two groups, one channel each, 1-D signal.
        var x = Tensor.FromArray(new sbyte[] { 1, 2, 3, 4, 5, 10, 20, 30, 40, 50 }, 1, 2, 5);
        var w = Tensor.FromArray(new sbyte[] { 1, -1, 2, 1 }, 2, 1, 2);
        var y = ReduceFamilyRunner.Run1("ConvInteger", [x, w], ("group", 2L), ("strides", new long[] { 2 }), ("dilations", new long[] { 2 }));
        // out len = (5 - 3) / 2 + 1 = 2; group0: x[i] - x[i+2]; group1: 2x[i] + x[i+2]
        Assert.Equal(new[] { 1, 2, 2 }, y.Shape);
        Assert.Equal(new[] { -2, -2, 50, 110 }, y.As<int>());
        var same = ReduceFamilyRunner.Run1("ConvInteger", [x, w], ("group", 2L), ("auto_pad", "SAME_UPPER"));
        Assert.Equal(new[] { 1, 2, 5 }, same.Shape);
    }

    [Fact]
    public void QLinearConvRequantizesWithPerChannelScalesAndBias()
    {
        var x = Tensor.FromArray(new byte[] { 10, 20, 30, 40 }, 1, 1, 2, 2);
        var w = Tensor.FromArray(new sbyte[] { 1, -1 }, 2, 1, 1, 1);
        var y = ReduceFamilyRunner.Run1("QLinearConv", [x, Tensor.Scalar(0.5f), Tensor.Scalar((byte)10),
            w, Tensor.FromArray(new[] { 1f, 2f }, 2), Tensor.FromArray(new sbyte[] { 0, 0 }, 2),
            Tensor.Scalar(1f), Tensor.Scalar((byte)100), Tensor.FromArray(new[] { 2, 0 }, 2)]);
        // channel 0: (x-10+2)*0.5 + 100 ; channel 1: -(x-10)*1 + 100
        Assert.Equal(new byte[] { 101, 106, 111, 116, 100, 90, 80, 70 }, y.As<byte>());
    }

    [Fact]
    public void InferenceGivesQuantizedTypesAndConvShapes()
    {
        var q = ReduceFamilyRunner.Infer("QuantizeLinear", [TensorType.Of(DataType.Float, 2, 3), TensorType.Of(DataType.Float)],
            null, ("output_dtype", (long)DataType.Int8));
        Assert.Equal("i8[2,3]", q.ToString());
        var c = ReduceFamilyRunner.Infer("ConvInteger", [new TensorType(DataType.UInt8, [Dim.Sym("N"), 3, 32, 32]), TensorType.Of(DataType.UInt8, 8, 3, 3, 3)],
            null, ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        Assert.Equal("i32[N,8,16,16]", c.ToString());
        var m = ReduceFamilyRunner.Infer("MatMulInteger", [TensorType.Of(DataType.Int8, 5, 2, 3), TensorType.Of(DataType.Int8, 3, 4)]);
        Assert.Equal("i32[5,2,4]", m.ToString());
    }
}
