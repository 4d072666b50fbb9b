using Engine.Codegen;
using Engine.Runtime;
using static Engine.Tests.Codegen.Lowerings.LoweringTestKit;

namespace Engine.Tests.Codegen.Lowerings;

public class ConvTransposeLoweringTests
{
    public static TheoryData<VectorPath> VectorPaths => Paths;

    public static IEnumerable<object[]> Cases()
    {
        // X shape, W shape, attributes, with bias
        object[][] cases =
        [
            [new[] { 1, 4, 5, 6 }, new[] { 4, 3, 4, 4 }, "strides = [2, 2], pads = [1, 1, 1, 1]", true],
            [new[] { 2, 6, 5, 7 }, new[] { 6, 2, 3, 3 }, "group = 3, strides = [2, 3], output_padding = [1, 2], dilations = [1, 2]", false],
            [new[] { 1, 3, 4, 5 }, new[] { 3, 5, 3, 3 }, "strides = [2, 2], auto_pad = \"SAME_UPPER\"", true],
            [new[] { 1, 3, 4, 5 }, new[] { 3, 2, 3, 3 }, "strides = [3, 2], output_shape = [13, 11]", true],
            [new[] { 2, 5, 17 }, new[] { 5, 7, 5 }, "strides = [3], pads = [2, 1], output_padding = [1]", true],
        ];
        foreach (var c in cases)
            foreach (var p in new[] { VectorPath.Scalar, VectorPath.Vector512 })
                yield return [.. c, p];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(int[] x, int[] w, string attrs, bool bias, VectorPath path)
    {
        if (!Supported(path)) return;
        var wt = CodegenTestKit.Random(2, w);
        int m = w[1] * (attrs.Contains("group = 3") ? 3 : 1);
        var bt = CodegenTestKit.Random(3, m);
        var g = CodegenTestKit.Parse($$"""
            graph main(%x: f32[{{string.Join(",", x)}}]) -> (%y) {
              {{LoweringHarness.Text("w", wt)}}
              {{LoweringHarness.Text("b", bt)}}
              %y = ConvTranspose(%x, %w{{(bias ? ", %b" : "")}}) {{{attrs}}}
            }
            """);
        AssertMatches(g, CodegenTestKit.RandomInputs(g), path);
    }
}
