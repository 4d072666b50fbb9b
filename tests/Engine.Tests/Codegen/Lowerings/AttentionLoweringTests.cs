using Engine.Codegen;
using Engine.Runtime;
using static Engine.Tests.Codegen.Lowerings.LoweringTestKit;

namespace Engine.Tests.Codegen.Lowerings;

public class AttentionLoweringTests
{
    public static IEnumerable<object[]> Cases()
    {
        // inputs, mask declaration ("" = none), attributes
        object[][] cases =
        [
            ["%q: f32[2,3,7,8], %k: f32[2,3,9,8], %v: f32[2,3,9,5]", "", ""],
            ["%q: f32[2,4,7,8], %k: f32[2,2,7,8], %v: f32[2,2,7,8], %mask: f32[7,7]", "%mask", "is_causal = 1"],
            ["%q: f32[1,5,12], %k: f32[1,6,12], %v: f32[1,6,6], %mask: bool[1,1,5,6]", "%mask", "q_num_heads = 3, kv_num_heads = 3, scale = 0.3"],
            ["%q: f32[2,33,32], %k: f32[2,33,16], %v: f32[2,33,16], %mask: f32[33]", "%mask", "q_num_heads = 4, kv_num_heads = 2, softcap = 3.0"],
        ];
        foreach (var c in cases)
            foreach (var p in new[] { VectorPath.Scalar, VectorPath.Vector512 })
                yield return [.. c, p];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(string decl, string mask, string attrs, VectorPath path)
    {
        if (!Supported(path)) return;
        var g = CodegenTestKit.Parse($$"""
            graph main({{decl}}) -> (%y) {
              %y = Attention(%q, %k, %v{{(mask == "" ? "" : ", " + mask)}}) {{{attrs}}}
            }
            """);
        var inputs = CodegenTestKit.RandomInputs(g);
        if (decl.Contains("bool["))
        {
            var r = new Random(3);
            var shape = g.Inputs.Single(v => v.Name == "mask").Type.StaticShape();
            inputs["mask"] = Tensor.FromArray(Enumerable.Range(0, (int)Tensor.ElementCount(shape)).Select(_ => r.NextDouble() < 0.6).ToArray(), shape);
        }
        var src = AssertMatches(g, inputs, path);
        Assert.Contains("FusedAttention.Run", src);
    }

    [Fact]
    public void DeclinesTheKvCache()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%q: f32[1,2,3,4], %k: f32[1,2,3,4], %v: f32[1,2,3,4], %pk: f32[1,2,2,4], %pv: f32[1,2,2,4]) -> (%y) {
              %y = Attention(%q, %k, %v, _, %pk, %pv)
            }
            """);
        Assert.Contains("KV cache", Declines(g));
    }
}
