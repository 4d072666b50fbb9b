using Engine.Runtime;

namespace Engine.Tests.Ops;

public class DeformConvAndDropoutTests
{
    [Fact]
    public void DeformConvWithZeroOffsetsIsConv()
    {
        int[] xs = [2, 4, 6, 5], ws = [6, 2, 3, 2];
        var x = Tensor.FromArray(NnHarness.Random(xs.Aggregate(1, (a, v) => a * v), 31), xs);
        var w = Tensor.FromArray(NnHarness.Random(ws.Aggregate(1, (a, v) => a * v), 32), ws);
        var b = Tensor.FromArray(NnHarness.Random(6, 33), 6);
        var attrs = new (string, object)[] { ("group", 2L), ("strides", new long[] { 2, 1 }), ("pads", new long[] { 1, 0, 1, 1 }) };
        var conv = NnHarness.Run1("Conv", [x, w, b], attrs);
        int oh = conv.Shape[2], ow = conv.Shape[3];
        var offset = Tensor.FromArray(new float[2 * 2 * 6 * 2 * oh * ow], 2, 2 * 6 * 2, oh, ow);
        var deform = NnHarness.Run1("DeformConv", [x, w, offset, b], [.. attrs, ("offset_group", 2L)]);
        NnHarness.Close(conv.As<float>(), deform.As<float>());
        // A mask of 0.5 halves everything but the bias.
        var mask = Tensor.FromArray(Enumerable.Repeat(0.5f, 2 * 2 * 6 * oh * ow).ToArray(), 2, 2 * 6, oh, ow);
        var halved = NnHarness.Run1("DeformConv", [x, w, offset, b, mask], [.. attrs, ("offset_group", 2L)]);
        var expected = conv.As<float>().Select((v, i) => (v - b.As<float>()[i / (oh * ow) % 6]) / 2 + b.As<float>()[i / (oh * ow) % 6]).ToArray();
        NnHarness.Close(expected, halved.As<float>());
    }

    [Fact]
    public void DeformConvSamplesBilinearlyWithZerosOutside()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2);
        var w = Tensor.FromArray(new float[] { 1 }, 1, 1, 1, 1);
        // Output (0,0) samples the centre; (1,1) samples half a pixel beyond the corner.
        var offset = Tensor.FromArray(new float[] { 0.5f, 0, 0, 0.5f, /* w */ 0.5f, 0, 0, 0.5f }, 1, 2, 2, 2);
        var y = NnHarness.Run1("DeformConv", [x, w, offset]);
        NnHarness.Close(new[] { 2.5f, 2, 3, 1 }, y.As<float>());
    }

    [Fact]
    public void DropoutInferenceIsIdentityWithTrueMask()
    {
        var x = Tensor.FromArray(NnHarness.Random(12, 41), 3, 4);
        var outs = NnHarness.Run("Dropout", [x, Tensor.Scalar(0.7f)], 2);
        Assert.Equal(x.As<float>(), outs[0].As<float>());
        Assert.All(outs[1].As<bool>(), Assert.True);
        var zero = NnHarness.Run("Dropout", [x, Tensor.Scalar(0f), Tensor.Scalar(true)], 2);
        Assert.Equal(x.As<float>(), zero[0].As<float>());
        Assert.All(zero[1].As<bool>(), Assert.True);
    }

    [Fact]
    public void DropoutTrainingMasksAndScalesDeterministicallyWithSeed()
    {
        var x = Tensor.FromArray(Enumerable.Repeat(1f, 4000).ToArray(), 4000);
        var a = NnHarness.Run("Dropout", [x, Tensor.Scalar(0.25f), Tensor.Scalar(true)], 2, 1, ("seed", 7L));
        var b = NnHarness.Run("Dropout", [x, Tensor.Scalar(0.25f), Tensor.Scalar(true)], 2, 1, ("seed", 7L));
        Assert.Equal(a[0].As<float>(), b[0].As<float>());
        var mask = a[1].As<bool>();
        double kept = mask.Count(m => m) / 4000.0;
        Assert.InRange(kept, 0.7, 0.8);
        for (int i = 0; i < 4000; i++) Assert.Equal(mask[i] ? 1 / 0.75f : 0f, a[0].As<float>()[i], 5);
        Assert.Throws<EngineException>(() => NnHarness.Run1("Dropout", [x, Tensor.Scalar(1f), Tensor.Scalar(true)]));
    }
}
