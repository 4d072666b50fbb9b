using Engine.Runtime;
using static Engine.Tests.Ops.Linalg.LinalgHarness;

namespace Engine.Tests.Ops.Linalg;

/// <summary>GridSample, AffineGrid and Det.</summary>
public class SpatialTests
{
    public static TheoryData<string, string, long> GridModes()
    {
        var d = new TheoryData<string, string, long>();
        foreach (var mode in new[] { "linear", "nearest", "cubic" })
            foreach (var pad in new[] { "zeros", "border", "reflection" })
                foreach (long align in new long[] { 0, 1 })
                    d.Add(mode, pad, align);
        return d;
    }

    [Theory]
    [MemberData(nameof(GridModes))]
    public void GridSample2DMatchesOrt(string mode, string padding, long align)
    {
        var x = Tensor.FromArray(Random(2 * 3 * 4 * 5, 31, 0, 5), 2, 3, 4, 5);
        // Grid points reach beyond [-1, 1] so every padding rule is exercised.
        var grid = Tensor.FromArray(Random(2 * 6 * 7 * 2, 32, -1.6f, 1.6f), 2, 6, 7, 2);
        MatchesOrt("GridSample", 22, [("x", x, false), ("grid", grid, false)], 4, ("mode", mode), ("padding_mode", padding), ("align_corners", align));
    }

    [Theory]
    [InlineData("linear", "zeros", 0L)]
    [InlineData("linear", "border", 1L)]
    [InlineData("linear", "reflection", 0L)]
    [InlineData("nearest", "zeros", 1L)]
    [InlineData("nearest", "reflection", 0L)]
    public void GridSample3DMatchesOrt(string mode, string padding, long align)
    {
        var x = Tensor.FromArray(Random(1 * 2 * 3 * 4 * 5, 33, 0, 5), 1, 2, 3, 4, 5);
        var grid = Tensor.FromArray(Random(1 * 2 * 3 * 4 * 3, 34, -1.4f, 1.4f), 1, 2, 3, 4, 3);
        MatchesOrt("GridSample", 22, [("x", x, false), ("grid", grid, false)], 5, ("mode", mode), ("padding_mode", padding), ("align_corners", align));
    }

    [Theory]
    [InlineData("bilinear")]
    [InlineData("bicubic")]
    [InlineData("nearest")]
    public void GridSample16ModeNamesImport(string mode)
    {
        var x = Tensor.FromArray(Random(1 * 1 * 3 * 3, 35), 1, 1, 3, 3);
        var grid = Tensor.FromArray(Random(1 * 2 * 2 * 2, 36), 1, 2, 2, 2);
        MatchesOrt("GridSample", 16, [("x", x, false), ("grid", grid, false)], 4, ("mode", mode));
    }

    [Fact]
    public void GridSampleRejectsBadShapes()
    {
        Assert.ThrowsAny<EngineException>(() => Run("GridSample", [Tensor.FromArray(new float[9], 1, 1, 3, 3), Tensor.FromArray(new float[12], 1, 2, 2, 3)]));
        Assert.ThrowsAny<EngineException>(() => Run("GridSample", [Tensor.FromArray(new float[9], 1, 1, 3, 3), Tensor.FromArray(new float[8], 1, 2, 2, 2)], ("mode", "bogus")));
    }

    [Theory]
    [InlineData(0L, false)]
    [InlineData(1L, false)]
    [InlineData(0L, true)]
    [InlineData(1L, true)]
    public void AffineGridMatchesOrt(long align, bool volumetric)
    {
        var theta = volumetric ? Tensor.FromArray(Random(2 * 3 * 4, 37), 2, 3, 4) : Tensor.FromArray(Random(2 * 2 * 3, 38), 2, 2, 3);
        var size = volumetric ? Tensor.FromArray(new long[] { 2, 3, 4, 5, 6 }, 5) : Tensor.FromArray(new long[] { 2, 3, 5, 6 }, 4);
        var y = MatchesOrt("AffineGrid", 20, [("theta", theta, false), ("size", size, true)], volumetric ? 5 : 4, ("align_corners", align));
        Assert.Equal(volumetric ? new[] { 2, 4, 5, 6, 3 } : new[] { 2, 5, 6, 2 }, y.Shape);
    }

    [Fact]
    public void AffineGridIdentityIsTheBaseGrid()
    {
        var theta = Tensor.FromArray(new float[] { 1, 0, 0, 0, 1, 0 }, 1, 2, 3);
        var y = Run("AffineGrid", [theta, Tensor.FromArray(new long[] { 1, 1, 2, 2 }, 4)], 1, 1, ("align_corners", 1L));
        Assert.Equal(new float[] { -1, -1, 1, -1, -1, 1, 1, 1 }, y.As<float>());
    }

    [Fact]
    public void DetMatchesCofactorExpansion()
    {
        var x = Random(4 * 3 * 3, 39, -2, 2);
        var y = Run("Det", [Tensor.FromArray(x, 2, 2, 3, 3)]);
        Assert.Equal(new[] { 2, 2 }, y.Shape);
        var want = new double[4];
        for (int b = 0; b < 4; b++)
        {
            double A(int r, int c) => x[b * 9 + r * 3 + c];
            want[b] = A(0, 0) * (A(1, 1) * A(2, 2) - A(1, 2) * A(2, 1)) - A(0, 1) * (A(1, 0) * A(2, 2) - A(1, 2) * A(2, 0))
                + A(0, 2) * (A(1, 0) * A(2, 1) - A(1, 1) * A(2, 0));
        }
        Close(want, y.ToDoubleArray(), 1e-5, 1e-6);
        var singular = Run("Det", [Tensor.FromArray(new double[] { 1, 2, 2, 4 }, 2, 2)]);
        Assert.Equal(0.0, singular.As<double>()[0]);
        var swap = Run("Det", [Tensor.FromArray(new double[] { 0, 1, 1, 0 }, 2, 2)]);
        Assert.Equal(-1.0, swap.As<double>()[0]);
        Assert.ThrowsAny<EngineException>(() => Run("Det", [Tensor.FromArray(new float[6], 2, 3)]));
    }
}
