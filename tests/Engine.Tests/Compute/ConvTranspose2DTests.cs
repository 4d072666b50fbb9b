using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Runtime.Kernels;
using static Engine.Tests.Compute.ComputeReference;

namespace Engine.Tests.Compute;

/// <summary>ConvTranspose2D against the reference ConvTranspose kernel (<see cref="ConvTransposeKernels"/>).</summary>
public unsafe class ConvTranspose2DTests
{
    public static IEnumerable<object[]> Shapes()
    {
        // N, C, H, W, M, KH, KW, sH, sW, padT, padL, padB, padR, outPadH, outPadW, dilH, dilW, groups
        int[][] shapes =
        [
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1],
            [1, 3, 5, 7, 4, 3, 3, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1],
            [2, 8, 7, 9, 5, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1],       // the usual 4×4 stride-2 upsampler
            [1, 6, 5, 6, 9, 3, 3, 2, 3, 1, 0, 2, 1, 1, 2, 1, 1, 3],       // groups, asymmetric pads, output_padding
            [1, 4, 6, 5, 4, 3, 2, 1, 2, 2, 1, 0, 0, 0, 1, 2, 3, 2],       // dilations
            [1, 300, 3, 4, 13, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 1, 1, 1],    // Cg > one K block
            [1, 5, 1, 37, 7, 1, 5, 1, 3, 0, 2, 0, 1, 0, 2, 1, 1, 1],      // 1-D as H = 1
            [1, 16, 17, 19, 40, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1],   // several column and channel blocks
            [0, 3, 4, 4, 2, 3, 3, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1],       // empty batch
        ];
        foreach (var v in shapes)
            foreach (var isa in Paths)
                yield return [v, isa];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesReferenceConvTranspose(int[] v, ComputeIsa isa)
    {
        if (!PackedGemmTests.IsSupported(isa)) return;
        int n = v[0], c = v[1], h = v[2], w = v[3], m = v[4], kh = v[5], kw = v[6], g = v[17];
        int oh = ConvTranspose2DShape.NaturalOutput(h, kh, v[7], v[15], v[9], v[11], v[13]);
        int ow = ConvTranspose2DShape.NaturalOutput(w, kw, v[8], v[16], v[10], v[12], v[14]);
        var s = new ConvTranspose2DShape(n, c, h, w, m, kh, kw, oh, ow, v[7], v[8], v[9], v[10], v[15], v[16], g);
        var x = Random(s.InputLength, 1);
        var wt = Random(s.WeightLength, 2);
        var bias = Random(m, 3);
        var attrs = new AttributeMap();
        attrs.Set("group", (long)g);
        attrs.Set("strides", new long[] { v[7], v[8] });
        attrs.Set("pads", new long[] { v[9], v[10], v[11], v[12] });
        attrs.Set("output_padding", new long[] { v[13], v[14] });
        attrs.Set("dilations", new long[] { v[15], v[16] });
        attrs.Set("auto_pad", "NOTSET");
        var packed = ConvTranspose2D.PackWeights(wt, s);
        foreach (bool withBias in new[] { false, true })
        {
            var expected = ConvTransposeKernels.ConvTranspose(new KernelContext(attrs, 1, "ct"),
                [Tensor.FromArray(x, n, c, h, w), Tensor.FromArray(wt, c, m / g, kh, kw), withBias ? Tensor.FromArray(bias, m) : null])[0]!;
            Assert.Equal(new[] { n, m, oh, ow }, expected.Shape);
            var act = withBias ? Activation.Relu : Activation.None;
            var exp = expected.As<float>().Select(e => Activate(e, act)).ToArray();
            foreach (int threads in new[] { 1, 2 })
            {
                var y = new float[s.OutputLength];
                Array.Fill(y, float.NaN);
                var scratch = new float[ConvTranspose2D.ScratchLength(s, threads)];
                fixed (float* xp = x, pp = packed, bp = bias, yp = y, sp = scratch)
                    ConvTranspose2D.Run(s, xp, pp, withBias ? bp : null, yp, sp, threads, isa, act);
                Close(exp, y, what: $"{s} bias={withBias} t={threads} {isa}");
            }
        }
    }

    [Fact]
    public void RejectsWeightsPackedForAnotherShape()
    {
        var s = new ConvTranspose2DShape(1, 4, 5, 5, 8, 3, 3, 7, 7);
        var packed = ConvTranspose2D.PackWeights(new float[s.WeightLength], s with { M = 4, OH = 7 });
        var y = new float[s.OutputLength];
        var x = new float[s.InputLength];
        var scratch = new float[ConvTranspose2D.ScratchLength(s, 1)];
        var e = Assert.Throws<EngineException>(() =>
        {
            fixed (float* xp = x, pp = packed, yp = y, sp = scratch) ConvTranspose2D.Run(s, xp, pp, null, yp, sp);
        });
        Assert.Contains("not packed", e.Message);
    }

    [Fact]
    public void NoAllocationPerCallAfterWarmUp()
    {
        var s = new ConvTranspose2DShape(1, 32, 14, 14, 16, 4, 4, 28, 28, 2, 2, 1, 1);
        var x = Random(s.InputLength, 1);
        var packed = ConvTranspose2D.PackWeights(Random(s.WeightLength, 2), s);
        var y = new float[s.OutputLength];
        var scratch = new float[ConvTranspose2D.ScratchLength(s, 2)];
        fixed (float* xp = x, pp = packed, yp = y, sp = scratch)
        {
            for (int i = 0; i < 3; i++) ConvTranspose2D.Run(s, xp, pp, null, yp, sp, 2);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) ConvTranspose2D.Run(s, xp, pp, null, yp, sp, 2);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
