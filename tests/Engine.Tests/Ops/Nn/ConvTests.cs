using Engine.Runtime;

namespace Engine.Tests.Ops;

public class ConvTests
{
    /// <summary>Direct definition of Conv: a loop over every output element and every tap.</summary>
    internal static double[] NaiveConv(double[] x, int[] xs, double[] w, int[] ws, double[]? b, int[] s, int[] d, int[] pb, int[] outDims, int group)
    {
        int r = xs.Length - 2, n = xs[0], c = xs[1], m = ws[0], cg = c / group, mg = m / group;
        int outSize = outDims.Aggregate(1, (a, v) => a * v), kSize = ws[2..].Aggregate(1, (a, v) => a * v);
        int inSize = xs[2..].Aggregate(1, (a, v) => a * v);
        var y = new double[n * m * outSize];
        var oi = new int[r];
        var ki = new int[r];
        for (int img = 0; img < n; img++)
            for (int oc = 0; oc < m; oc++)
                for (int o = 0; o < outSize; o++)
                {
                    Decode(o, outDims, oi);
                    double acc = b?[oc] ?? 0;
                    int grp = oc / mg;
                    for (int icl = 0; icl < cg; icl++)
                        for (int k = 0; k < kSize; k++)
                        {
                            Decode(k, ws[2..], ki);
                            int flat = 0;
                            bool ok = true;
                            for (int i = 0; i < r; i++)
                            {
                                int p = oi[i] * s[i] - pb[i] + ki[i] * d[i];
                                if (p < 0 || p >= xs[i + 2]) { ok = false; break; }
                                flat = flat * xs[i + 2] + p;
                            }
                            if (!ok) continue;
                            acc += x[(img * c + grp * cg + icl) * inSize + flat] * w[(oc * cg + icl) * kSize + k];
                        }
                    y[(img * m + oc) * outSize + o] = acc;
                }
        return y;
    }

    internal static void Decode(int flat, int[] dims, int[] idx)
    {
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            idx[i] = flat % dims[i];
            flat /= dims[i];
        }
    }

    [Fact]
    public void BasicConvWithPaddingMatchesOnnxExample()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 25).Select(i => (float)i).ToArray(), 1, 1, 5, 5);
        var w = Tensor.FromArray(Enumerable.Repeat(1f, 9).ToArray(), 1, 1, 3, 3);
        var y = NnHarness.Run1("Conv", [x, w], ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        Assert.Equal(new[] { 1, 1, 5, 5 }, y.Shape);
        Assert.Equal(new float[] { 12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84 }, y.As<float>());
    }

    public static TheoryData<int[], int[], int, int[], int[], int[], int> Cases => new()
    {
        // x shape, w shape, group, strides, dilations, pads (begin..., end...), threads
        { new[] { 2, 3, 17 }, new[] { 4, 3, 3 }, 1, new[] { 2 }, new[] { 1 }, new[] { 1, 2 }, 1 },
        { new[] { 1, 4, 9, 11 }, new[] { 6, 2, 3, 2 }, 2, new[] { 2, 1 }, new[] { 2, 1 }, new[] { 1, 0, 2, 1 }, 2 },
        { new[] { 2, 3, 8, 8 }, new[] { 5, 3, 1, 1 }, 1, new[] { 1, 1 }, new[] { 1, 1 }, new[] { 0, 0, 0, 0 }, 2 },
        { new[] { 1, 4, 7, 6 }, new[] { 8, 1, 3, 3 }, 4, new[] { 1, 1 }, new[] { 1, 1 }, new[] { 1, 1, 1, 1 }, 1 },
        { new[] { 2, 3, 9, 9 }, new[] { 3, 1, 3, 3 }, 3, new[] { 2, 2 }, new[] { 2, 1 }, new[] { 0, 1, 2, 0 }, 2 },
        { new[] { 1, 2, 5, 6, 4 }, new[] { 3, 2, 2, 3, 2 }, 1, new[] { 1, 2, 1 }, new[] { 1, 1, 2 }, new[] { 1, 0, 1, 0, 1, 1 }, 1 },
        { new[] { 1, 3, 12, 12 }, new[] { 4, 3, 7, 7 }, 1, new[] { 2, 2 }, new[] { 1, 1 }, new[] { 3, 3, 3, 3 }, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDirectDefinition(int[] xs, int[] ws, int group, int[] s, int[] d, int[] pads, int threads)
    {
        int r = xs.Length - 2;
        var xv = NnHarness.Random(xs.Aggregate(1, (a, v) => a * v), 1);
        var wv = NnHarness.Random(ws.Aggregate(1, (a, v) => a * v), 2);
        var bv = NnHarness.Random(ws[0], 3);
        var outDims = new int[r];
        for (int i = 0; i < r; i++) outDims[i] = (xs[i + 2] + pads[i] + pads[i + r] - ((ws[i + 2] - 1) * d[i] + 1)) / s[i] + 1;
        var expected = NaiveConv(xv.Select(v => (double)v).ToArray(), xs, wv.Select(v => (double)v).ToArray(), ws,
            bv.Select(v => (double)v).ToArray(), s, d, pads, outDims, group);
        var y = NnHarness.Run("Conv", [Tensor.FromArray(xv, xs), Tensor.FromArray(wv, ws), Tensor.FromArray(bv, ws[0])], 1, threads,
            ("group", (long)group), ("strides", s.Select(v => (long)v).ToArray()), ("dilations", d.Select(v => (long)v).ToArray()),
            ("pads", pads.Select(v => (long)v).ToArray()))[0];
        Assert.Equal(new[] { xs[0], ws[0] }.Concat(outDims), y.Shape);
        NnHarness.Close(expected.Select(v => (float)v).ToArray(), y.As<float>(), 1e-4, 1e-5);
    }

    [Theory]
    [InlineData("SAME_UPPER", 0, 1)]
    [InlineData("SAME_LOWER", 1, 0)]
    public void AutoPadSameSplitsOddPaddingByMode(string mode, int before, int after)
    {
        // 6 wide, kernel 2, stride 1: output 6, one pad column split per auto_pad.
        var xv = NnHarness.Random(12, 4);
        var wv = NnHarness.Random(4, 5);
        var expected = NaiveConv(xv.Select(v => (double)v).ToArray(), [1, 2, 6], wv.Select(v => (double)v).ToArray(), [1, 2, 2], null,
            [1], [1], [before, after], [6], 1);
        var y = NnHarness.Run1("Conv", [Tensor.FromArray(xv, 1, 2, 6), Tensor.FromArray(wv, 1, 2, 2)], ("auto_pad", mode));
        Assert.Equal(new[] { 1, 1, 6 }, y.Shape);
        NnHarness.Close(expected.Select(v => (float)v).ToArray(), y.As<float>());
    }

    [Fact]
    public void AutoPadValidAndStridedSameShapes()
    {
        var x = Tensor.FromArray(NnHarness.Random(49, 6), 1, 1, 7, 7);
        var w = Tensor.FromArray(NnHarness.Random(9, 7), 1, 1, 3, 3);
        Assert.Equal(new[] { 1, 1, 3, 3 }, NnHarness.Run1("Conv", [x, w], ("auto_pad", "VALID"), ("strides", new long[] { 2, 2 })).Shape);
        Assert.Equal(new[] { 1, 1, 4, 4 }, NnHarness.Run1("Conv", [x, w], ("auto_pad", "SAME_UPPER"), ("strides", new long[] { 2, 2 })).Shape);
    }

    [Fact]
    public void DoubleAndHalfInputsAreSupported()
    {
        var xv = NnHarness.Random(2 * 2 * 5 * 5, 8);
        var wv = NnHarness.Random(3 * 2 * 3 * 3, 9);
        var expected = NaiveConv(xv.Select(v => (double)v).ToArray(), [2, 2, 5, 5], wv.Select(v => (double)v).ToArray(), [3, 2, 3, 3], null,
            [1, 1], [1, 1], [0, 0, 0, 0], [3, 3], 1);
        var yd = NnHarness.Run1("Conv", [Tensor.FromArray(xv.Select(v => (double)v).ToArray(), 2, 2, 5, 5), Tensor.FromArray(wv.Select(v => (double)v).ToArray(), 3, 2, 3, 3)]);
        NnHarness.Close(expected, yd.As<double>(), 1e-12, 1e-12);
        var yh = NnHarness.Run1("Conv", [Tensor.FromArray(xv.Select(v => (Half)v).ToArray(), 2, 2, 5, 5), Tensor.FromArray(wv.Select(v => (Half)v).ToArray(), 3, 2, 3, 3)]);
        Assert.Equal(DataType.Float16, yh.Type);
        NnHarness.Close(expected.Select(v => (float)v).ToArray(), yh.As<Half>().Select(v => (float)v).ToArray(), 2e-2, 2e-2);
    }

    [Fact]
    public void MismatchedChannelsFailWithNodeName()
    {
        var x = Tensor.FromArray(new float[1 * 3 * 4 * 4], 1, 3, 4, 4);
        var w = Tensor.FromArray(new float[2 * 2 * 3 * 3], 2, 2, 3, 3);
        var e = Assert.Throws<EngineException>(() => Engine.Runtime.Kernels.ConvKernels.Conv(
            new KernelContext(new AttributeMap(Engine.Graph.OpRegistry.Default.Get("Conv").Defaults), 1, "conv7"), [x, w]));
        Assert.Contains("conv7", e.Message);
    }

    [Theory]
    [InlineData("strides", new long[] { 0, 1 })]
    [InlineData("pads", new long[] { 1, 1 })]
    [InlineData("pads", new long[] { 1, 1, -1, 0 })]
    [InlineData("pads", new long[] { 2000000000, 2000000000, 1, 1 })]
    [InlineData("dilations", new long[] { 1, 1, 1 })]
    [InlineData("kernel_shape", new long[] { 2, 2 })]
    public void BadAttributesFailCleanly(string name, long[] value)
    {
        var x = Tensor.FromArray(new float[16], 1, 1, 4, 4);
        var w = Tensor.FromArray(new float[9], 1, 1, 3, 3);
        var attrs = new AttributeMap(Engine.Graph.OpRegistry.Default.Get("Conv").Defaults);
        attrs.Set(name, value);
        var e = Assert.Throws<EngineException>(() => Engine.Runtime.Kernels.ConvKernels.Conv(new KernelContext(attrs, 1, "bad"), [x, w]));
        Assert.Contains("bad", e.Message);
    }
}
