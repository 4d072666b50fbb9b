using Engine.Codegen;
using Engine.Runtime;
using static Engine.Tests.Codegen.Lowerings.LoweringTestKit;

namespace Engine.Tests.Codegen.Lowerings;

public class BatchedMatMulLoweringTests
{
    public static IEnumerable<object[]> Cases()
    {
        // A, B, B constant?
        object[][] cases =
        [
            [new[] { 2, 3, 5, 7 }, new[] { 2, 3, 7, 4 }, false],
            [new[] { 3, 5, 7 }, new[] { 3, 7, 4 }, true],
            [new[] { 2, 1, 5, 7 }, new[] { 3, 7, 17 }, true],
            [new[] { 4, 13, 7 }, new[] { 7, 19 }, false],
            [new[] { 13, 7 }, new[] { 7, 19 }, false],
        ];
        foreach (var c in cases)
            foreach (var p in new[] { VectorPath.Scalar, VectorPath.Vector512 })
                yield return [.. c, p];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceThroughTheMatMulLowering(int[] a, int[] b, bool constB, VectorPath path)
    {
        if (!Supported(path)) return;
        var bt = CodegenTestKit.Random(5, b);
        string bDecl = constB ? "" : $", %b: f32[{string.Join(",", b)}]";
        var g = CodegenTestKit.Parse($$"""
            graph main(%a: f32[{{string.Join(",", a)}}]{{bDecl}}) -> (%y) {
              {{(constB ? LoweringHarness.Text("b", bt) : "")}}
              %y = MatMul(%a, %b)
            }
            """);
        var src = AssertMatches(g, CodegenTestKit.RandomInputs(g), path);
        Assert.Contains(constB ? "BatchedMatMul.Run(" : "BatchedMatMul.RunDynamic(", src);
    }

    [Fact]
    public void DeclinesVectorOperands()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%a: f32[3,4,5], %b: f32[5]) -> (%y) {
              %y = MatMul(%a, %b)
            }
            """);
        Assert.Contains("rank < 2", Declines(g));
    }
}
