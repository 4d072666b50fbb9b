using Engine.Runtime;
using Engine.Runtime.IO;

namespace Engine.Tests.IO;

/// <summary>The AOT weights file: round trip, and every corruption is a one-line error, never a crash.</summary>
public class ArtifactFileTests
{
    private static byte[] Sample() => ArtifactFile.Write(
        [new ArtifactTensorInfo("in \"x\"\n", DataType.Float, [1, 3])],
        [new ArtifactTensorInfo("out", DataType.Int64, [2])],
        [Tensor.FromArray(new[] { 1f, 2f, 3f }, 3), Tensor.FromArray(new[] { 7L }, 1, 1), Tensor.FromArray(Array.Empty<byte>(), 0)]);

    [Fact]
    public void RoundTrips()
    {
        var (inputs, outputs, weights) = ArtifactFile.Read(Sample(), "w");
        Assert.Equal("in \"x\"\n", inputs[0].Name);
        Assert.Equal(new[] { 1, 3 }, inputs[0].Shape);
        Assert.Equal(DataType.Int64, outputs[0].Type);
        Assert.Equal(3, weights.Length);
        Assert.Equal(new[] { 1f, 2f, 3f }, weights[0].As<float>());
        Assert.Equal(new[] { 1, 1 }, weights[1].Shape);
        Assert.Empty(weights[2].As<byte>());
    }

    [Fact]
    public void EveryTruncationAndEveryByteFlipIsRejectedOrReadSafely()
    {
        var good = Sample();
        for (int n = 0; n < good.Length; n++)
        {
            var e = Assert.Throws<EngineException>(() => ArtifactFile.Read(good.AsSpan(0, n), "w"));
            Assert.DoesNotContain("\n", e.Message);
        }
        for (int i = 0; i < good.Length; i++)
        {
            var bad = (byte[])good.Clone();
            bad[i] ^= 0xFF;
            try
            {
                ArtifactFile.Read(bad, "w");
            }
            catch (EngineException e)
            {
                Assert.StartsWith("w:", e.Message);
            }
        }
    }
}
