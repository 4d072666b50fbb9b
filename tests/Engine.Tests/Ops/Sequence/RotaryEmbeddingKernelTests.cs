using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.SequenceTestUtil;

namespace Engine.Tests.Ops;

public class RotaryEmbeddingKernelTests
{
    [Fact]
    public void RotatesHalvesByThePositionAngle()
    {
        // One head of size 4, rotary dim 4: pairs (x0,x2) and (x1,x3).
        var x = F([1, 2, 3, 4], 1, 1, 1, 4);
        double a0 = 0.3, a1 = 1.1;
        var cos = F([1, 1, (float)Math.Cos(a0), (float)Math.Cos(a1)], 2, 2);
        var sin = F([0, 0, (float)Math.Sin(a0), (float)Math.Sin(a1)], 2, 2);
        var y = Run("RotaryEmbedding", [x, cos, sin, Tensor.FromArray(new long[] { 1 }, 1, 1)], 1)[0]!;
        Close([Math.Cos(a0) * 1 - Math.Sin(a0) * 3, Math.Cos(a1) * 2 - Math.Sin(a1) * 4,
               Math.Sin(a0) * 1 + Math.Cos(a0) * 3, Math.Sin(a1) * 2 + Math.Cos(a1) * 4], y, 1e-6);
    }

    [Fact]
    public void InterleavedPartialRotationOn3DInput()
    {
        // 2 heads of size 4 in a 3-D input, rotary dim 2: only (x0,x1) of each head turns.
        var x = F([1, 2, 3, 4, 5, 6, 7, 8], 1, 1, 8);
        double a = 0.5;
        var cos = F([(float)Math.Cos(a)], 1, 1, 1);
        var sin = F([(float)Math.Sin(a)], 1, 1, 1);
        var y = Run("RotaryEmbedding", [x, cos, sin], 1, ("interleaved", 1L), ("num_heads", 2L), ("rotary_embedding_dim", 2L))[0]!;
        double c = Math.Cos(a), s = Math.Sin(a);
        Close([c * 1 - s * 2, s * 1 + c * 2, 3, 4, c * 5 - s * 6, s * 5 + c * 6, 7, 8], y, 1e-6);
        Assert.Equal([1, 1, 8], y.Shape);
    }

    [Fact]
    public void BadInputsFail()
    {
        var x = F(new float[8], 1, 1, 8);
        var cache = F(new float[2], 1, 2);
        Assert.Contains("num_heads", Assert.Throws<EngineException>(() => Run("RotaryEmbedding", [x, cache, cache, Tensor.FromArray(new long[] { 0 }, 1, 1)], 1)).Message);
        var x4 = F(new float[8], 1, 2, 1, 4);
        Assert.Contains("position id", Assert.Throws<EngineException>(() =>
            Run("RotaryEmbedding", [x4, cache, cache, Tensor.FromArray(new long[] { 3 }, 1, 1)], 1)).Message);
        Assert.Contains("rotary_embedding_dim", Assert.Throws<EngineException>(() =>
            Run("RotaryEmbedding", [x4, cache, cache, Tensor.FromArray(new long[] { 0 }, 1, 1)], 1, ("rotary_embedding_dim", 3L))).Message);
    }

    [Fact]
    public void OutputTypeIsTheInputType()
    {
        var t = new TensorType(DataType.Float16, [Dim.Sym("B"), 3, 64]);
        Assert.Equal(t, Infer("RotaryEmbedding", [t, TensorType.Of(DataType.Float16, 10, 8), TensorType.Of(DataType.Float16, 10, 8)], 1, ("num_heads", 4L))[0]);
    }
}
