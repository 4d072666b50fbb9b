using Engine.Runtime;

namespace Engine.Tests.Ops;

public class PoolTests
{
    private static Tensor Seq(params int[] shape) =>
        Tensor.FromArray(Enumerable.Range(1, shape.Aggregate(1, (a, v) => a * v)).Select(i => (float)i).ToArray(), shape);

    private static readonly (string, object) K5 = ("kernel_shape", new long[] { 5, 5 });
    private static readonly (string, object) Pad2 = ("pads", new long[] { 2, 2, 2, 2 });

    [Fact]
    public void MaxPoolPrecomputedPads()
    {
        var y = NnHarness.Run1("MaxPool", [Seq(1, 1, 5, 5)], K5, Pad2);
        Assert.Equal(new float[] { 13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25 }, y.As<float>());
    }

    [Fact]
    public void MaxPoolUInt8AndInt8KeepTheirType()
    {
        var x = Tensor.FromArray(Enumerable.Range(1, 25).Select(i => (byte)i).ToArray(), 1, 1, 5, 5);
        var y = NnHarness.Run1("MaxPool", [x], K5, Pad2);
        Assert.Equal(new byte[] { 13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25 }, y.As<byte>());
        var xi = Tensor.FromArray(new sbyte[] { -5, -3, -4, -9 }, 1, 1, 4);
        Assert.Equal(new sbyte[] { -3, -3, -4 }, NnHarness.Run1("MaxPool", [xi], ("kernel_shape", new long[] { 2 })).As<sbyte>());
    }

    [Fact]
    public void MaxPoolIndicesRowAndColumnMajor()
    {
        var outs = NnHarness.Run("MaxPool", [Seq(1, 1, 5, 5)], 2, 1, ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }), ("storage_order", 1L));
        Assert.Equal(new float[] { 7, 9, 17, 19 }, outs[0].As<float>());
        Assert.Equal(new long[] { 6, 16, 8, 18 }, outs[1].As<long>());
        outs = NnHarness.Run("MaxPool", [Seq(2, 1, 5, 5)], 2, 1, K5, Pad2);
        Assert.Equal(12L, outs[1].As<long>()[0]);
        Assert.Equal(25L + 24, outs[1].As<long>()[25 + 24]);
    }

    [Fact]
    public void CeilModeAndDilations()
    {
        var ceil = new (string, object)[] { ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", 1L) };
        Assert.Equal(new float[] { 11, 12, 15, 16 }, NnHarness.Run1("MaxPool", [Seq(1, 1, 4, 4)], ceil).As<float>());
        Assert.Equal(new float[] { 6, 7.5f, 12, 13.5f }, NnHarness.Run1("AveragePool", [Seq(1, 1, 4, 4)], ceil).As<float>());
        Assert.Equal(new float[] { 11, 12, 15, 16 }, NnHarness.Run1("MaxPool", [Seq(1, 1, 4, 4)], ("kernel_shape", new long[] { 2, 2 }), ("dilations", new long[] { 2, 2 })).As<float>());
        // The last ceil window would start in the padding: dropped (ONNX maxpool_2d_ceil_output_size_reduce_by_one).
        var y = NnHarness.Run1("MaxPool", [Seq(1, 1, 2, 2)], ("kernel_shape", new long[] { 1, 1 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", 1L));
        Assert.Equal(new[] { 1, 1, 1, 1 }, y.Shape);
    }

    [Fact]
    public void AveragePoolCountIncludePad()
    {
        var y = NnHarness.Run1("AveragePool", [Seq(1, 1, 5, 5)], K5, Pad2);
        NnHarness.Close(new float[] { 7, 7.5f, 8, 8.5f, 9, 9.5f, 10, 10.5f, 11, 11.5f, 12, 12.5f, 13, 13.5f, 14, 14.5f, 15, 15.5f, 16, 16.5f, 17, 17.5f, 18, 18.5f, 19 }, y.As<float>());
        y = NnHarness.Run1("AveragePool", [Seq(1, 1, 5, 5)], K5, Pad2, ("count_include_pad", 1L));
        NnHarness.Close(new[] { 2.52f, 3.6f, 4.8f, 4.08f, 3.24f, 4.56f, 6.4f, 8.4f, 7.04f, 5.52f, 7.2f, 10, 13, 10.8f, 8.4f, 6.96f, 9.6f, 12.4f, 10.24f, 7.92f, 6.12f, 8.4f, 10.8f, 8.88f, 6.84f }, y.As<float>());
    }

    [Theory]
    [InlineData("SAME_UPPER")]
    [InlineData("SAME_LOWER")]
    public void SamePaddingKeepsSizeAndPlacesExtraPad(string mode)
    {
        // 1-D, 4 wide, kernel 2: one pad, at the end (upper) or the start (lower).
        var x = Tensor.FromArray(new float[] { 1, 5, 2, 8 }, 1, 1, 4);
        var y = NnHarness.Run1("MaxPool", [x], ("kernel_shape", new long[] { 2 }), ("auto_pad", mode));
        Assert.Equal(mode == "SAME_UPPER" ? new float[] { 5, 5, 8, 8 } : new float[] { 1, 5, 5, 8 }, y.As<float>());
    }

    [Fact]
    public void ThreeDimensionalPoolsMatchDirectDefinition()
    {
        int[] xs = [1, 2, 6, 7, 5];
        var xv = NnHarness.Random(xs.Aggregate(1, (a, v) => a * v), 21);
        var attrs = new (string, object)[] { ("kernel_shape", new long[] { 2, 3, 2 }), ("strides", new long[] { 2, 1, 2 }), ("dilations", new long[] { 1, 2, 1 }), ("pads", new long[] { 1, 0, 1, 0, 1, 1 }) };
        var max = NnHarness.Run1("MaxPool", [Tensor.FromArray(xv, xs)], attrs);
        var avg = NnHarness.Run1("AveragePool", [Tensor.FromArray(xv, xs)], attrs);
        var lp = NnHarness.Run1("LpPool", [Tensor.FromArray(xv, xs)], [.. attrs, ("p", 3L)]);
        int[] od = [(6 + 1 - 2) / 2 + 1, (7 + 1 - 5) / 1 + 1, (5 + 2 - 2) / 2 + 1];
        Assert.Equal(new[] { 1, 2 }.Concat(od), max.Shape);
        var em = new List<float>();
        var ea = new List<float>();
        var el = new List<float>();
        for (int c = 0; c < 2; c++)
            for (int a = 0; a < od[0]; a++)
                for (int b = 0; b < od[1]; b++)
                    for (int e = 0; e < od[2]; e++)
                    {
                        var vals = new List<double>();
                        for (int i = 0; i < 2; i++)
                            for (int j = 0; j < 3; j++)
                                for (int k = 0; k < 2; k++)
                                {
                                    int p0 = a * 2 - 1 + i, p1 = b - 0 + j * 2, p2 = e * 2 - 1 + k;
                                    if (p0 < 0 || p0 >= 6 || p1 < 0 || p1 >= 7 || p2 < 0 || p2 >= 5) continue;
                                    vals.Add(xv[((c * 6 + p0) * 7 + p1) * 5 + p2]);
                                }
                        em.Add((float)vals.Max());
                        ea.Add((float)vals.Average());
                        el.Add((float)Math.Pow(vals.Sum(v => Math.Pow(Math.Abs(v), 3)), 1.0 / 3));
                    }
        NnHarness.Close(em.ToArray(), max.As<float>());
        NnHarness.Close(ea.ToArray(), avg.As<float>());
        NnHarness.Close(el.ToArray(), lp.As<float>());
    }

    [Fact]
    public void GlobalPools()
    {
        var x = Seq(1, 2, 2, 2);
        Assert.Equal(new float[] { 2.5f, 6.5f }, NnHarness.Run1("GlobalAveragePool", [x]).As<float>());
        Assert.Equal(new float[] { 4, 8 }, NnHarness.Run1("GlobalMaxPool", [x]).As<float>());
        var lp = NnHarness.Run1("GlobalLpPool", [x]);
        Assert.Equal(new[] { 1, 2, 1, 1 }, lp.Shape);
        NnHarness.Close(new[] { (float)Math.Sqrt(1 + 4 + 9 + 16) }, lp.As<float>()[..1]);
    }

    [Fact]
    public void MaxUnpoolScattersIndicesAndPadsToOutputShape()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2);
        var i = Tensor.FromArray(new long[] { 5, 7, 13, 15 }, 1, 1, 2, 2);
        var attrs = new (string, object)[] { ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }) };
        var y = NnHarness.Run1("MaxUnpool", [x, i], attrs);
        Assert.Equal(new[] { 1, 1, 4, 4 }, y.Shape);
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4 }, y.As<float>());
        var y5 = NnHarness.Run1("MaxUnpool", [x, i, Tensor.FromArray(new long[] { 1, 1, 5, 5 }, 4)], attrs);
        Assert.Equal(new[] { 1, 1, 5, 5 }, y5.Shape);
        Assert.Equal(2f, y5.As<float>()[1 * 5 + 3]);
        Assert.Throws<EngineException>(() => NnHarness.Run1("MaxUnpool", [x, Tensor.FromArray(new long[] { 5, 7, 13, 99 }, 1, 1, 2, 2)], attrs));
    }
}
