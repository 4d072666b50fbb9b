using Engine.Runtime;

namespace Engine.Tests.Ops;

public class ConvTransposeTests
{
    /// <summary>Direct definition: every input element scatters x·w into output position i·s − pad + k·d.</summary>
    private static double[] Naive(double[] x, int[] xs, double[] w, int[] ws, double[]? b, int[] s, int[] d, int[] pb, int[] outDims, int group)
    {
        int r = xs.Length - 2, n = xs[0], c = xs[1], mg = ws[1], m = mg * group, cg = c / group;
        int inSize = xs[2..].Aggregate(1, (a, v) => a * v), kSize = ws[2..].Aggregate(1, (a, v) => a * v);
        int outSize = outDims.Aggregate(1, (a, v) => a * v);
        var y = new double[n * m * outSize];
        var ii = new int[r];
        var ki = new int[r];
        for (int img = 0; img < n; img++)
        {
            for (int oc = 0; oc < m; oc++)
            {
                for (int o = 0; o < outSize; o++) y[(img * m + oc) * outSize + o] = b?[oc] ?? 0;
            }
            for (int ic = 0; ic < c; ic++)
                for (int i = 0; i < inSize; i++)
                {
                    ConvTests.Decode(i, xs[2..], ii);
                    int grp = ic / cg;
                    for (int ocl = 0; ocl < mg; ocl++)
                        for (int k = 0; k < kSize; k++)
                        {
                            ConvTests.Decode(k, ws[2..], ki);
                            int flat = 0;
                            bool ok = true;
                            for (int dd = 0; dd < r; dd++)
                            {
                                int p = ii[dd] * s[dd] - pb[dd] + ki[dd] * d[dd];
                                if (p < 0 || p >= outDims[dd]) { ok = false; break; }
                                flat = flat * outDims[dd] + p;
                            }
                            if (!ok) continue;
                            y[(img * m + grp * mg + ocl) * outSize + flat] += x[(img * c + ic) * inSize + i] * w[(ic * mg + ocl) * kSize + k];
                        }
                }
        }
        return y;
    }

    [Fact]
    public void OnnxExampleWithOnesKernel()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 9).Select(i => (float)i).ToArray(), 1, 1, 3, 3);
        var w = Tensor.FromArray(Enumerable.Repeat(1f, 18).ToArray(), 1, 2, 3, 3);
        var y = NnHarness.Run1("ConvTranspose", [x, w]);
        Assert.Equal(new[] { 1, 2, 5, 5 }, y.Shape);
        var plane = new float[] { 0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8 };
        Assert.Equal(plane.Concat(plane), y.As<float>());
    }

    public static TheoryData<int[], int[], int, int[], int[], int[], int[], int> Cases => new()
    {
        // x shape, w shape, group, strides, dilations, pads, output_padding, threads
        { new[] { 1, 2, 5 }, new[] { 2, 3, 3 }, 1, new[] { 2 }, new[] { 1 }, new[] { 1, 0 }, new[] { 1 }, 1 },
        { new[] { 2, 4, 3, 4 }, new[] { 4, 2, 3, 2 }, 2, new[] { 2, 3 }, new[] { 1, 2 }, new[] { 0, 1, 1, 0 }, new[] { 1, 0 }, 2 },
        { new[] { 1, 1, 2, 3, 2 }, new[] { 1, 2, 2, 2, 3 }, 1, new[] { 1, 2, 1 }, new[] { 2, 1, 1 }, new[] { 0, 0, 0, 0, 0, 1 }, new[] { 0, 0, 0 }, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDirectDefinition(int[] xs, int[] ws, int group, int[] s, int[] d, int[] pads, int[] op, int threads)
    {
        int r = xs.Length - 2;
        var xv = NnHarness.Random(xs.Aggregate(1, (a, v) => a * v), 11);
        var wv = NnHarness.Random(ws.Aggregate(1, (a, v) => a * v), 12);
        int m = ws[1] * group;
        var bv = NnHarness.Random(m, 13);
        var outDims = new int[r];
        for (int i = 0; i < r; i++) outDims[i] = s[i] * (xs[i + 2] - 1) + op[i] + (ws[i + 2] - 1) * d[i] + 1 - pads[i] - pads[i + r];
        var expected = Naive(xv.Select(v => (double)v).ToArray(), xs, wv.Select(v => (double)v).ToArray(), ws, bv.Select(v => (double)v).ToArray(),
            s, d, pads, outDims, group);
        var y = NnHarness.Run("ConvTranspose", [Tensor.FromArray(xv, xs), Tensor.FromArray(wv, ws), Tensor.FromArray(bv, m)], 1, threads,
            ("group", (long)group), ("strides", s.Select(v => (long)v).ToArray()), ("dilations", d.Select(v => (long)v).ToArray()),
            ("pads", pads.Select(v => (long)v).ToArray()), ("output_padding", op.Select(v => (long)v).ToArray()))[0];
        Assert.Equal(new[] { xs[0], m }.Concat(outDims), y.Shape);
        NnHarness.Close(expected.Select(v => (float)v).ToArray(), y.As<float>());
    }

    [Fact]
    public void OutputShapeDerivesPadsLikeTheReference()
    {
        // ONNX test_convtranspose_output_shape: 3x3 input, stride 3x2, output_shape 10x8.
        var xv = NnHarness.Random(9, 14);
        var wv = NnHarness.Random(18, 15);
        var y = NnHarness.Run1("ConvTranspose", [Tensor.FromArray(xv, 1, 1, 3, 3), Tensor.FromArray(wv, 1, 2, 3, 3)],
            ("strides", new long[] { 3, 2 }), ("output_shape", new long[] { 10, 8 }));
        Assert.Equal(new[] { 1, 2, 10, 8 }, y.Shape);
        // Natural size is 9x7 (+ total padding -1 each): pads begin = total - total/2 = 0 (trunc), end = -1.
        var expected = Naive(xv.Select(v => (double)v).ToArray(), [1, 1, 3, 3], wv.Select(v => (double)v).ToArray(), [1, 2, 3, 3], null,
            [3, 2], [1, 1], [0, 0], [10, 8], 1);
        NnHarness.Close(expected.Select(v => (float)v).ToArray(), y.As<float>());
    }

    [Fact]
    public void SameUpperOutputIsInputTimesStride()
    {
        var y = NnHarness.Run1("ConvTranspose", [Tensor.FromArray(NnHarness.Random(9, 16), 1, 1, 3, 3), Tensor.FromArray(NnHarness.Random(18, 17), 1, 2, 3, 3)],
            ("strides", new long[] { 2, 2 }), ("auto_pad", "SAME_UPPER"));
        Assert.Equal(new[] { 1, 2, 6, 6 }, y.Shape);
    }
}
