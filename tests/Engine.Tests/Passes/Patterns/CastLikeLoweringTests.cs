using Engine.Passes;

namespace Engine.Tests.Passes.Patterns;

public class CastLikeLoweringTests
{
    private static readonly RuleSet Rules = CastLikeLowering.Create();

    [Fact]
    public void CastLikeOfAKnownTypeBecomesCast() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[3], %i: f64[3]) -> (%y) {
          %c = CastLike(%i, %x)
          %y = Add(%c, %x)
        }
        """, """
        graph main(%x: f32[3], %i: f64[3]) -> (%y) {
          %c = Cast(%i) {to = 1}
          %y = Add(%c, %x)
        }
        """);

    [Fact]
    public void CastLikeOfAnUnknownTypeIsKept() => PassAssert.Unchanged(Rules, """
        graph main(%x, %i: i64[3]) -> (%y) {
          %y = CastLike(%i, %x)
        }
        """);
}
