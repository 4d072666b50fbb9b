using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.TensorHarness;

namespace Engine.Tests.Ops;

public class TensorLayoutTests
{
    /// <summary>Naive transpose by coordinates, the definition the strided kernel must match.</summary>
    private static float[] NaiveTranspose(float[] x, int[] shape, int[] perm)
    {
        var outShape = perm.Select(p => shape[p]).ToArray();
        var inStrides = Tensor.StridesOf(shape);
        var outStrides = Tensor.StridesOf(outShape);
        var y = new float[x.Length];
        for (int o = 0; o < y.Length; o++)
        {
            int rem = o, src = 0;
            for (int d = 0; d < outShape.Length; d++)
            {
                int c = rem / outStrides[d];
                rem %= outStrides[d];
                src += c * inStrides[perm[d]];
            }
            y[o] = x[src];
        }
        return y;
    }

    [Theory]
    [InlineData(new[] { 2, 0, 1 })]
    [InlineData(new[] { 0, 2, 1, 3 })]
    [InlineData(new[] { 3, 2, 1, 0 })]
    [InlineData(new[] { 0, 1, 3, 2 })]
    public void TransposeMatchesDefinition(int[] perm)
    {
        int[] shape = perm.Length == 3 ? [2, 3, 4] : [2, 3, 1, 5];
        var x = F32(Range(shape.Aggregate(1, (a, b) => a * b)), shape);
        var y = Run1("Transpose", [x], ("perm", perm.Select(p => (long)p).ToArray()));
        Assert.Equal(perm.Select(p => shape[p]).ToArray(), y.Shape);
        Assert.Equal(NaiveTranspose(x.As<float>(), shape, perm), y.As<float>());
    }

    [Fact]
    public void TransposeDefaultReversesAndHandlesStrings()
    {
        var s = Tensor.FromArray(new[] { "a", "b", "c", "d", "e", "f" }, 2, 3);
        var y = Run1("Transpose", [s]);
        Assert.Equal(new[] { 3, 2 }, y.Shape);
        Assert.Equal(new[] { "a", "d", "b", "e", "c", "f" }, y.As<string>());
        var b = Tensor.FromArray(new byte[] { 1, 200, 3, 250 }, 2, 2);
        Assert.Equal(new byte[] { 1, 3, 200, 250 }, Run1("Transpose", [b]).As<byte>());
        Assert.Equal("f32[4,3,N]", Infer1("Transpose", [Sym(DataType.Float, N, 3, 4)], []).ToString());
        Fails(() => Run1("Transpose", [s], ("perm", new long[] { 0, 0 })));
        Fails(() => Run1("Transpose", [s], ("perm", new long[] { 0 })));
    }

    [Fact]
    public void DepthToSpaceModesAndSpaceToDepthRoundTrip()
    {
        var x = F32(Range(16), 1, 4, 2, 2);
        var dcr = Run1("DepthToSpace", [x], ("blocksize", 2L));
        Assert.Equal(new[] { 1, 1, 4, 4 }, dcr.Shape);
        // DCR: output (h*2+i, w*2+j) reads channel i*2+j at (h, w).
        Assert.Equal(new float[] { 0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15 }, dcr.As<float>());
        var back = Run1("SpaceToDepth", [dcr], ("blocksize", 2L));
        Assert.Equal(x.As<float>(), back.As<float>());
        var crd = Run1("DepthToSpace", [F32(Range(32), 1, 8, 2, 2)], ("blocksize", 2L), ("mode", "CRD"));
        Assert.Equal(new[] { 1, 2, 4, 4 }, crd.Shape);
        Assert.Equal(new float[] { 0, 4, 1, 5 }, crd.As<float>()[..4]);
        Fails(() => Run1("SpaceToDepth", [F32(Range(9), 1, 1, 3, 3)], ("blocksize", 2L)));
        Assert.Equal("f32[N,1,4,6]", Infer1("DepthToSpace", [Sym(DataType.Float, N, 4, 2, 3)], [], ("blocksize", 2L)).ToString());
    }

    [Fact]
    public void ExpandBroadcastsBothWays()
    {
        var x = F32([1, 2, 3], 3, 1);
        var y = Run1("Expand", [x, I64(2, 1, 2)]);
        Assert.Equal(new[] { 2, 3, 2 }, y.Shape);
        Assert.Equal(new float[] { 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3 }, y.As<float>());
        Fails(() => Run1("Expand", [x, I64(2, 4)]));
        Assert.Equal("f32[2,N,5]", Infer1("Expand", [Sym(DataType.Float, N, 1), null], [null, I64(2, 1, 5)]).ToString());
    }

    [Fact]
    public void TileRepeatsEachAxis()
    {
        var x = Tensor.FromArray(new[] { true, false }, 1, 2);
        var y = Run1("Tile", [x, I64(2, 2)]);
        Assert.Equal(new[] { 2, 4 }, y.Shape);
        Assert.Equal(new[] { true, false, true, false, true, false, true, false }, y.As<bool>());
        Fails(() => Run1("Tile", [x, I64(2)]));
        Fails(() => Run1("Tile", [x, I64(-1, 1)]));
        Assert.Equal("f32[N,6]", Infer1("Tile", [Sym(DataType.Float, N, 3), null], [null, I64(1, 2)]).ToString());
    }
}
