using Engine.Passes;

namespace Engine.Tests.Passes.Patterns;

public class ActivationPatternTests
{
    private static readonly RuleSet Rules = ActivationPatterns.Create();

    private const string GeluAfter = """
        graph main(%x: f32[2,8]) -> (%y) {
          %y = Gelu(%x)
        }
        """;

    [Fact]
    public void GeluErfAsPyTorchEmitsIt() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          init %sqrt2: f32[] = [1.4142135]
          init %one: f32[] = [1]
          init %half: f32[] = [0.5]
          %d = Div(%x, %sqrt2)
          %e = Erf(%d)
          %a = Add(%e, %one)
          %m = Mul(%x, %a)
          %y = Mul(%m, %half)
        }
        """, GeluAfter);

    [Fact]
    public void GeluErfWithInverseSqrt2AndHalfOnTheSum() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          init %isqrt2: f32[] = [0.70710677]
          init %one: f32[1] = [1]
          init %half: f32[] = [0.5]
          %d = Mul(%isqrt2, %x)
          %e = Erf(%d)
          %a = Add(%one, %e)
          %h = Mul(%a, %half)
          %y = Mul(%h, %x)
        }
        """, GeluAfter);

    [Fact]
    public void GeluErfWithHalfXFirstAsKerasEmitsIt() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          init %sqrt2: f32[] = [1.4142135]
          init %one: f32[] = [1]
          init %half: f32[] = [0.5]
          %hx = Mul(%half, %x)
          %d = Div(%x, %sqrt2)
          %e = Erf(%d)
          %a = Add(%e, %one)
          %y = Mul(%hx, %a)
        }
        """, GeluAfter);

    [Fact]
    public void GeluTanhWithPow() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          init %three: f32[] = [3]
          init %k: f32[] = [0.044715]
          init %c: f32[] = [0.7978846]
          init %one: f32[] = [1]
          init %half: f32[] = [0.5]
          %x3 = Pow(%x, %three)
          %t = Mul(%k, %x3)
          %s = Add(%x, %t)
          %u = Mul(%s, %c)
          %th = Tanh(%u)
          %a = Add(%th, %one)
          %hx = Mul(%x, %half)
          %y = Mul(%hx, %a)
        }
        """, """
        graph main(%x: f32[2,8]) -> (%y) {
          %y = Gelu(%x) {approximate = "tanh"}
        }
        """);

    [Fact]
    public void GeluTanhWithCubeAsProducts() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          init %k: f32[] = [0.044715]
          init %c: f32[] = [0.7978846]
          init %one: f32[] = [1]
          init %two: f32[] = [2]
          %x2 = Mul(%x, %x)
          %x3 = Mul(%x2, %x)
          %t = Mul(%x3, %k)
          %s = Add(%t, %x)
          %u = Mul(%c, %s)
          %th = Tanh(%u)
          %a = Add(%one, %th)
          %m = Mul(%a, %x)
          %y = Div(%m, %two)
        }
        """, """
        graph main(%x: f32[2,8]) -> (%y) {
          %y = Gelu(%x) {approximate = "tanh"}
        }
        """);

    [Theory]
    [InlineData("1.41", "1", "0.5")]      // not √2
    [InlineData("1.4142135", "2", "0.5")] // 2 + erf
    [InlineData("1.4142135", "1", "0.4")] // not one half
    public void GeluErfNearMissesAreKept(string sqrt2, string one, string half) => PassAssert.Unchanged(Rules, $$"""
        graph main(%x: f32[2,8]) -> (%y) {
          init %sqrt2: f32[] = [{{sqrt2}}]
          init %one: f32[] = [{{one}}]
          init %half: f32[] = [{{half}}]
          %d = Div(%x, %sqrt2)
          %e = Erf(%d)
          %a = Add(%e, %one)
          %m = Mul(%x, %a)
          %y = Mul(%m, %half)
        }
        """);

    [Theory]
    [InlineData("0.0447", "0.7978846", "3")]  // cubic coefficient off
    [InlineData("0.044715", "0.8", "3")]      // not √(2/π)
    [InlineData("0.044715", "0.7978846", "2")] // x², not x³
    public void GeluTanhNearMissesAreKept(string k, string c, string power) => PassAssert.Unchanged(Rules, $$"""
        graph main(%x: f32[2,8]) -> (%y) {
          init %p: f32[] = [{{power}}]
          init %k: f32[] = [{{k}}]
          init %c: f32[] = [{{c}}]
          init %one: f32[] = [1]
          init %half: f32[] = [0.5]
          %x3 = Pow(%x, %p)
          %t = Mul(%k, %x3)
          %s = Add(%x, %t)
          %u = Mul(%s, %c)
          %th = Tanh(%u)
          %a = Add(%th, %one)
          %hx = Mul(%x, %half)
          %y = Mul(%hx, %a)
        }
        """);

    [Fact]
    public void GeluOfAnotherValueIsKept() => PassAssert.Unchanged(Rules, """
        graph main(%x: f32[2,8], %z: f32[2,8]) -> (%y) {
          init %sqrt2: f32[] = [1.4142135]
          init %one: f32[] = [1]
          init %half: f32[] = [0.5]
          %d = Div(%x, %sqrt2)
          %e = Erf(%d)
          %a = Add(%e, %one)
          %m = Mul(%z, %a)
          %y = Mul(%m, %half)
        }
        """);

    private const string GeluWithObservableErf = """
        graph main(%x: f32[2,8]) -> (%y, %e) {
          init %sqrt2: f32[] = [1.4142135]
          init %one: f32[] = [1]
          init %half: f32[] = [0.5]
          %d = Div(%x, %sqrt2)
          %e = Erf(%d)
          %a = Add(%e, %one)
          %m = Mul(%x, %a)
          %y = Mul(%m, %half)
        }
        """;

    [Fact]
    public void GraphOutputInsideTheGeluBlocksIt() => PassAssert.Unchanged(Rules, GeluWithObservableErf);

    [Fact]
    public void PinnedValueInsideTheGeluBlocksIt()
    {
        var context = new PassContext();
        context.PinnedValues.Add("m");
        PassAssert.Unchanged(Rules, GeluWithObservableErf.Replace("-> (%y, %e)", "-> (%y)"), context);
    }

    [Fact]
    public void GeluResultMayBeAGraphOutputAndKeepsItsName()
    {
        var g = PassAssert.Parse(GeluWithObservableErf.Replace("-> (%y, %e)", "-> (%y)"));
        Rules.Run(g, new PassContext());
        var node = Assert.Single(g.Nodes);
        Assert.Equal("Gelu", node.OpType);
        Assert.Equal("y", node.Outputs[0]!.Name);
    }

    [Fact]
    public void SwishFromXTimesSigmoid() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          %s = Sigmoid(%x)
          %y = Mul(%s, %x)
        }
        """, """
        graph main(%x: f32[2,8]) -> (%y) {
          %y = Swish(%x)
        }
        """);

    [Fact]
    public void SwishWithAlpha() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          init %alpha: f32[] = [1.702]
          %t = Mul(%x, %alpha)
          %s = Sigmoid(%t)
          %y = Mul(%x, %s)
        }
        """, """
        graph main(%x: f32[2,8]) -> (%y) {
          %y = Swish(%x) {alpha = 1.702}
        }
        """);

    [Fact]
    public void SigmoidTimesAnotherValueIsKept() => PassAssert.Unchanged(Rules, """
        graph main(%x: f32[2,8], %z: f32[2,8]) -> (%y) {
          %s = Sigmoid(%x)
          %y = Mul(%s, %z)
        }
        """);

    [Fact]
    public void SigmoidTimesXThatBroadcastsIsKept() => PassAssert.Unchanged(Rules, """
        graph main(%x: f32[8]) -> (%y) {
          init %alpha: f32[2,1] = [1, 2]
          %t = Mul(%x, %alpha)
          %s = Sigmoid(%t)
          %y = Mul(%x, %s)
        }
        """);

    private const string HardSwishAfter = """
        graph main(%x: f32[2,8]) -> (%y) {
          %y = HardSwish(%x)
        }
        """;

    [Fact]
    public void HardSwishFromHardSigmoid() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          %h = HardSigmoid(%x) {alpha = 0.16666667, beta = 0.5}
          %y = Mul(%x, %h)
        }
        """, HardSwishAfter);

    [Fact]
    public void HardSigmoidWithDefaultAlphaIsKept() => PassAssert.Unchanged(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          %h = HardSigmoid(%x)
          %y = Mul(%x, %h)
        }
        """);

    [Fact]
    public void HardSwishFromRelu6TimesXOverSix() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          init %three: f32[] = [3]
          init %zero: f32[] = [0]
          init %six: f32[] = [6]
          %a = Add(%x, %three)
          %r = Clip(%a, %zero, %six)
          %m = Mul(%x, %r)
          %y = Div(%m, %six)
        }
        """, HardSwishAfter);

    [Fact]
    public void HardSwishFromXTimesRelu6TimesOneSixth() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,8]) -> (%y) {
          init %three: f32[] = [3]
          init %zero: f32[] = [0]
          init %six: f32[] = [6]
          init %sixth: f32[] = [0.16666667]
          %a = Add(%three, %x)
          %r = Clip(%a, %zero, %six)
          %s = Mul(%r, %sixth)
          %y = Mul(%s, %x)
        }
        """, HardSwishAfter);

    [Theory]
    [InlineData("3", "0", "5", "6")]   // Clip to 5
    [InlineData("2", "0", "6", "6")]   // x + 2
    [InlineData("3", "0", "6", "5")]   // divided by 5
    [InlineData("3", "-1", "6", "6")]  // lower bound −1
    public void HardSwishNearMissesAreKept(string shift, string lo, string hi, string divisor) => PassAssert.Unchanged(Rules, $$"""
        graph main(%x: f32[2,8]) -> (%y) {
          init %three: f32[] = [{{shift}}]
          init %lo: f32[] = [{{lo}}]
          init %hi: f32[] = [{{hi}}]
          init %div: f32[] = [{{divisor}}]
          %a = Add(%x, %three)
          %r = Clip(%a, %lo, %hi)
          %m = Mul(%x, %r)
          %y = Div(%m, %div)
        }
        """);
}
