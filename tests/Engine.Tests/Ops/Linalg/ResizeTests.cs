using Engine.Runtime;
using static Engine.Tests.Ops.Linalg.LinalgHarness;

namespace Engine.Tests.Ops.Linalg;

public class ResizeTests
{
    private static readonly Tensor X = Tensor.FromArray(Random(2 * 3 * 5 * 7, 21, 0, 10), 2, 3, 5, 7);

    private static Tensor Sizes(params long[] s) => Tensor.FromArray(s, s.Length);

    private static Tensor Scales(params float[] s) => Tensor.FromArray(s, s.Length);

    private static readonly Tensor NoRoi = Tensor.FromArray(new float[0], 0);

    public static TheoryData<string, string, string> Modes()
    {
        var d = new TheoryData<string, string, string>();
        foreach (var ctm in new[] { "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric" })
        {
            d.Add("linear", ctm, "round_prefer_floor");
            d.Add("cubic", ctm, "round_prefer_floor");
        }
        foreach (var nm in new[] { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" })
        {
            d.Add("nearest", "half_pixel", nm);
            d.Add("nearest", "asymmetric", nm);
            d.Add("nearest", "align_corners", nm);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void SizesMatchOrt(string mode, string ctm, string nearestMode)
    {
        foreach (var sizes in new[] { Sizes(2, 3, 9, 4), Sizes(2, 3, 3, 12), Sizes(2, 3, 2, 2) })
        {
            MatchesOrt("Resize", 19, [("x", X, false), ("", NoRoi, true), ("", NoRoi, true), ("sizes", sizes, true)], 4,
                ("mode", mode), ("coordinate_transformation_mode", ctm), ("nearest_mode", nearestMode));
        }
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("cubic")]
    public void AntialiasAndExcludeOutsideMatchOrt(string mode)
    {
        MatchesOrt("Resize", 19, [("x", X, false), ("", NoRoi, true), ("scales", Scales(1, 1, 0.5f, 0.6f), true)], 4,
            ("mode", mode), ("antialias", 1L));
        MatchesOrt("Resize", 19, [("x", X, false), ("", NoRoi, true), ("", NoRoi, true), ("sizes", Sizes(2, 3, 2, 3), true)], 4,
            ("mode", mode), ("antialias", 1L), ("cubic_coeff_a", -0.5f));
        // ORT allows exclude_outside for linear only together with antialias.
        MatchesOrt("Resize", 19, [("x", X, false), ("", NoRoi, true), ("scales", Scales(1, 1, mode == "linear" ? 0.7f : 1.7f, 2f), true)], 4,
            ("mode", mode), ("exclude_outside", 1L), ("cubic_coeff_a", -0.5f), ("antialias", mode == "linear" ? 1L : 0L));
    }

    [Theory]
    [InlineData("nearest")]
    [InlineData("linear")]
    [InlineData("cubic")]
    public void CropAndResizeWithExtrapolationMatchesOrt(string mode)
    {
        var roi = Tensor.FromArray(new float[] { 0, 0, -0.2f, 0.1f, 1, 1, 0.9f, 1.3f }, 8);
        MatchesOrt("Resize", 19, [("x", X, false), ("roi", roi, true), ("", NoRoi, true), ("sizes", Sizes(2, 3, 4, 6), true)], 4,
            ("mode", mode), ("coordinate_transformation_mode", "tf_crop_and_resize"), ("extrapolation_value", 7.5f));
    }

    [Theory]
    [InlineData("not_larger")]
    [InlineData("not_smaller")]
    public void AxesAndAspectRatioPolicyMatchOrt(string policy)
    {
        MatchesOrt("Resize", 19, [("x", X, false), ("", NoRoi, true), ("", NoRoi, true), ("sizes", Sizes(8, 9), true)], 4,
            ("mode", "linear"), ("axes", new long[] { 3, 2 }), ("keep_aspect_ratio_policy", policy));
        MatchesOrt("Resize", 19, [("x", X, false), ("", NoRoi, true), ("scales", Scales(2.5f, 0.5f), true)], 4,
            ("mode", "nearest"), ("axes", new long[] { -2, 1 }));
    }

    [Fact]
    public void OldSignaturesMatchOrt()
    {
        var x = Tensor.FromArray(Random(1 * 2 * 3 * 4, 22), 1, 2, 3, 4);
        var scales = Scales(1, 1, 2, 1.5f);
        foreach (var mode in new[] { "nearest", "linear" })
        {
            // Resize-10: (X, scales), asymmetric coordinates, nearest rounds down.
            MatchesOrt("Resize", 10, [("x", x, false), ("scales", scales, true)], 4, ("mode", mode));
            // Upsample-9 has the same semantics and becomes Resize on import.
            MatchesOrt("Upsample", 9, [("x", x, false), ("scales", scales, true)], 4, ("mode", mode));
        }
        // Resize-11/13 with an empty scales input and sizes.
        MatchesOrt("Resize", 11, [("x", x, false), ("roi", NoRoi, true), ("scales", NoRoi, true), ("sizes", Sizes(1, 2, 5, 7), true)], 4,
            ("mode", "cubic"), ("coordinate_transformation_mode", "align_corners"));
        MatchesOrt("Resize", 13, [("x", x, false), ("", NoRoi, true), ("scales", Scales(1, 1, 0.5f, 0.5f), true)], 4, ("mode", "linear"));
        // Opsets 11-12 only: tf_half_pixel_for_nn, kept by the kernel as a legacy mode.
        MatchesOrt("Resize", 11, [("x", x, false), ("roi", NoRoi, true), ("scales", Scales(1, 1, 1.7f, 0.6f), true)], 4,
            ("mode", "nearest"), ("coordinate_transformation_mode", "tf_half_pixel_for_nn"));
    }

    [Fact]
    public void Upsample7ScalesAttribute()
    {
        // ORT still implements Upsample-7; its scales attribute moves to an input on import.
        var x = Tensor.FromArray(Random(1 * 1 * 2 * 3, 23), 1, 1, 2, 3);
        MatchesOrt("Upsample", 7, [("x", x, false)], 4, ("mode", "nearest"), ("scales", new float[] { 1, 1, 2, 3 }));
        MatchesOrt("Upsample", 8, [("x", x, false)], 4, ("mode", "linear"), ("scales", new float[] { 1, 1, 2, 2 }));
    }

    [Fact]
    public void NearestCopiesIntegersAndInfersShape()
    {
        var x = Tensor.FromArray(new long[] { long.MaxValue, 2, 3, long.MinValue }, 1, 1, 2, 2);
        var y = Run("Resize", [x, null, Scales(1, 1, 2, 2)], 1, 2);
        Assert.Equal(new[] { 1, 1, 4, 4 }, y.Shape);
        Assert.Equal(new long[] { long.MaxValue, long.MaxValue, 2, 2, long.MaxValue, long.MaxValue, 2, 2, 3, 3, long.MinValue, long.MinValue, 3, 3, long.MinValue, long.MinValue }, y.As<long>());
        var u8 = Run("Resize", [Tensor.FromArray(new byte[] { 0, 255, 100, 50 }, 1, 1, 2, 2), null, null, Sizes(1, 1, 3, 3)], 1, 3, ("mode", "linear"));
        Assert.Equal(DataType.UInt8, u8.Type);
        Assert.All(u8.As<byte>(), v => Assert.InRange(v, (byte)0, (byte)255));
    }

    [Fact]
    public void BadArgumentsFail()
    {
        Assert.ThrowsAny<EngineException>(() => Run("Resize", [X, null, Scales(1, 1, 2, 2), Sizes(2, 3, 10, 14)]));
        Assert.ThrowsAny<EngineException>(() => Run("Resize", [X, null, Scales(1, 1, 0, 2)]));
        Assert.ThrowsAny<EngineException>(() => Run("Resize", [X, null, Scales(1, 2)]));
        Assert.ThrowsAny<EngineException>(() => Run("Resize", [X, null, Scales(1, 1, 2, 2)], ("mode", "bogus")));
        Assert.ThrowsAny<EngineException>(() => Run("Resize", [X, null, Scales(1, 1, 1e30f, 1e30f)]));
    }
}
