using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Runtime.Kernels;
using static Engine.Tests.Compute.ComputeReference;

namespace Engine.Tests.Compute;

/// <summary>Conv2D against the reference Conv kernel (<see cref="ConvKernels"/>) plus the epilogue in double.</summary>
public class Conv2DTests
{
    private static double[] Reference(Conv2DShape s, float[] x, float[] w, float[]? bias, float[]? residual, Epilogue e)
    {
        var attrs = new AttributeMap();
        attrs.Set("group", (long)s.Groups);
        attrs.Set("strides", new long[] { s.StrideH, s.StrideW });
        attrs.Set("dilations", new long[] { s.DilationH, s.DilationW });
        attrs.Set("pads", new long[] { s.PadTop, s.PadLeft, s.PadBottom, s.PadRight });
        attrs.Set("auto_pad", "NOTSET");
        var ctx = new KernelContext(attrs, 1, "conv");
        var inputs = new Tensor?[]
        {
            Tensor.FromArray(x, s.N, s.C, s.H, s.W),
            Tensor.FromArray(w, s.M, s.Cg, s.KH, s.KW),
            bias is null ? null : Tensor.FromArray(bias, s.M),
        };
        var y = ConvKernels.Conv(ctx, inputs)[0]!;
        Assert.Equal(new[] { s.N, s.M, s.OH, s.OW }, y.Shape);
        var conv = y.As<float>();
        var result = new double[conv.Length];
        for (int i = 0; i < conv.Length; i++)
        {
            double v = conv[i];
            if (residual is not null && !e.ResidualAfterActivation) v += residual[i];
            v = Activate(v, e.Activation);
            if (residual is not null && e.ResidualAfterActivation) v += residual[i];
            result[i] = v;
        }
        return result;
    }

    public static IEnumerable<object[]> Shapes()
    {
        // N, C, H, W, M, KH, KW, strideH, strideW, padT, padL, padB, padR, dilH, dilW, groups
        int[][] shapes =
        [
            [1, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            [2, 8, 17, 13, 17, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1],
            [1, 16, 15, 15, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1],     // pointwise
            [1, 16, 15, 15, 24, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1],     // strided 1x1
            [1, 6, 19, 23, 9, 5, 3, 1, 2, 2, 0, 1, 2, 2, 1, 3],       // groups, asymmetric pads, dilation
            [1, 12, 33, 29, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 12],    // depthwise 3x3
            [2, 7, 17, 40, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 7],       // depthwise 3x3 stride 2
            [1, 5, 21, 37, 5, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 5],       // depthwise 5x5
            [1, 4, 20, 30, 4, 5, 5, 2, 3, 3, 1, 0, 4, 2, 2, 4],       // depthwise, odd strides/dilation/pads
            [1, 3, 9, 70, 3, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, 3],        // depthwise stride 2, wide rows, no left pad
            [1, 2, 11, 67, 2, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 2],       // depthwise 5x5 stride 2
            [1, 3, 12, 40, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 3],       // depthwise stride 1, dilation 2
            [1, 2, 5, 6, 2, 5, 5, 1, 1, 4, 4, 4, 4, 1, 1, 2],         // depthwise with padding wider than the interior
            [1, 4, 11, 11, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4],       // channel multiplier 2: grouped GEMM path
            [1, 40, 9, 10, 65, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1],      // K = 360 > one K block
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1],
            [1, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1],     // LeNet conv1: direct path (AVX-512), row tail 12
            [2, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1],    // LeNet conv2: direct path, two channel blocks
            [2, 3, 9, 33, 20, 3, 3, 1, 1, 1, 0, 2, 1, 1, 1, 1],     // direct path, asymmetric pads, 3 column blocks
            [1, 2, 10, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1],     // direct path, the widest M it takes, OW = 8
        ];
        foreach (var v in shapes)
            foreach (var isa in Paths)
                yield return [v, isa];
    }

    private static Conv2DShape ShapeOf(int[] v) =>
        new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesReferenceConvWithEpilogues(int[] v, ComputeIsa isa)
    {
        if (!PackedGemmTests.IsSupported(isa)) return;
        var s = ShapeOf(v);
        var x = Random(s.InputLength, 11);
        var w = Random(s.WeightLength, 12);
        var bias = Random(s.M, 13);
        var residual = Random(s.OutputLength, 14);
        var packed = Conv2D.PackWeights(w, s);
        var cases = new (Epilogue e, bool bias, bool residual)[]
        {
            (Epilogue.None, false, false),
            (Epilogue.Of(Activation.Relu), true, false),
            (Epilogue.Of(Activation.Silu), true, true),
            (new Epilogue(BiasKind.PerRow, Activation.LeakyRelu(0.2f), true), true, true),
            (Epilogue.Of(Activation.Clip(-0.3f, 0.4f)), false, true),
        };
        foreach (var (e, withBias, withResidual) in cases)
            foreach (int threads in new[] { 1, 2 })
            {
                var y = new float[s.OutputLength];
                Array.Fill(y, float.NaN);
                var scratch = new float[Conv2D.ScratchLength(s, threads)];
                Conv2D.Run(s, x, packed, y, e, withBias ? bias : default, withResidual ? residual : default, scratch, threads, isa);
                var expected = Reference(s, x, w, withBias ? bias : null, withResidual ? residual : null, e);
                Close(expected, y, what: $"{s} {e} bias={withBias} res={withResidual} t={threads} {isa}");
            }
    }

    [Theory]
    [InlineData(ComputeIsa.Scalar, 1)]
    [InlineData(ComputeIsa.Avx512, 12)]
    [InlineData(ComputeIsa.Avx2, 1)]
    [InlineData(ComputeIsa.Avx2, 12)]
    public void ResidualMayBeTheOutputItself(ComputeIsa isa, int groups)
    {
        if (!PackedGemmTests.IsSupported(isa)) return;
        var s = new Conv2DShape(1, 12, 10, 14, 12, 3, 3, 1, 1, 1, 1, 1, 1, Groups: groups);
        var x = Random(s.InputLength, 21);
        var w = Random(s.WeightLength, 22);
        var y = Random(s.OutputLength, 23);
        var expected = Reference(s, x, w, null, (float[])y.Clone(), Epilogue.Of(Activation.Relu));
        Conv2D.Run(s, x, Conv2D.PackWeights(w, s), y, Epilogue.Of(Activation.Relu), residual: y, threads: 2, isa: isa);
        Close(expected, y);
    }

    /// <summary>
    /// Channels run on different workers, so a kernel must never store past its own channel: a strided
    /// depthwise conv with rows narrower than a vector once wrote into the next channel (a 2-thread race).
    /// </summary>
    [Theory]
    [InlineData(ComputeIsa.Scalar)]
    [InlineData(ComputeIsa.Avx2)]
    [InlineData(ComputeIsa.Avx512)]
    public void DepthwiseNeverWritesPastItsChannel(ComputeIsa isa)
    {
        if (!PackedGemmTests.IsSupported(isa)) return;
        foreach (var s in new[] { new Conv2DShape(1, 3, 9, 9, 3, 3, 3, 2, 2, 1, 1, 1, 1, Groups: 3), new Conv2DShape(1, 2, 7, 3, 2, 3, 3, 1, 1, 1, 1, 1, 1, DilationH: 2, DilationW: 1, Groups: 2) })
        {
            var x = Random(s.InputLength, 31);
            var w = Random(s.WeightLength, 32);
            var expected = Reference(s, x, w, null, null, default);
            var y = new float[s.OutputLength + 64];
            Array.Fill(y, 12345f);
            Conv2D.Run(s, x, Conv2D.PackWeights(w, s), y, threads: 1, isa: isa);
            Close(expected, y[..s.OutputLength]);
            Assert.All(y[s.OutputLength..], v => Assert.Equal(12345f, v));
        }
    }

    [Fact]
    public void NoAllocationPerCallAfterWarmUp()
    {
        foreach (var s in new[] { new Conv2DShape(1, 16, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1), new Conv2DShape(1, 32, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1, Groups: 32) })
        {
            var x = Random(s.InputLength, 1);
            var packed = Conv2D.PackWeights(Random(s.WeightLength, 2), s);
            var bias = Random(s.M, 3);
            var y = new float[s.OutputLength];
            var scratch = new float[Conv2D.ScratchLength(s, 2)];
            for (int i = 0; i < 3; i++) Conv2D.Run(s, x, packed, y, Epilogue.Of(Activation.Relu6), bias, default, scratch, 2);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) Conv2D.Run(s, x, packed, y, Epilogue.Of(Activation.Relu6), bias, default, scratch, 2);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void RejectsWeightsPackedForAnotherShape()
    {
        var s = new Conv2DShape(1, 4, 8, 8, 8, 3, 3);
        var packed = Conv2D.PackWeights(new float[s.WeightLength], s);
        var other = s with { KH = 1, KW = 1 };
        Assert.Throws<EngineException>(() => Conv2D.Run(other, new float[other.InputLength], packed, new float[other.OutputLength]));
        Assert.Throws<EngineException>(() => Conv2D.PackWeights(new float[10], s with { Groups = 3 }));
    }
}
