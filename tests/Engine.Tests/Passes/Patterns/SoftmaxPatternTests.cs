using Engine.Passes;

namespace Engine.Tests.Passes.Patterns;

public class SoftmaxPatternTests
{
    private static readonly RuleSet Rules = SoftmaxPatterns.Create();

    private static string Stable(string maxAxes = "[-1]", string sumAxes = "[-1]", string outputs = "%y") => $$"""
        graph main(%x: f32[2,3,4]) -> ({{outputs}}) {
          init %ma: i64[{{maxAxes.Split(',').Length}}] = {{maxAxes}}
          init %sa: i64[{{sumAxes.Split(',').Length}}] = {{sumAxes}}
          %m = ReduceMax(%x, %ma)
          %s = Sub(%x, %m)
          %e = Exp(%s)
          %z = ReduceSum(%e, %sa)
          %y = Div(%e, %z)
        }
        """;

    [Fact]
    public void SoftmaxWithMaxSubtraction() => PatternAssert.Fuses(Rules, Stable(), """
        graph main(%x: f32[2,3,4]) -> (%y) {
          %y = Softmax(%x) {axis = 2}
        }
        """);

    [Fact]
    public void SoftmaxOnAMiddleAxis() => PatternAssert.Fuses(Rules, Stable("[1]", "[-2]"), """
        graph main(%x: f32[2,3,4]) -> (%y) {
          %y = Softmax(%x) {axis = 1}
        }
        """);

    [Fact]
    public void SoftmaxWithoutMaxSubtraction() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          init %sa: i64[1] = [0]
          %e = Exp(%x)
          %z = ReduceSum(%e, %sa)
          %y = Div(%e, %z)
        }
        """, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          %y = Softmax(%x) {axis = 0}
        }
        """);

    [Theory]
    [InlineData("[-1]", "[1, 2]")] // a sum over two axes
    [InlineData("[1]", "[2]")]     // max and sum over different axes
    public void SoftmaxNearMissesAreKept(string maxAxes, string sumAxes) => PassAssert.Unchanged(Rules, Stable(maxAxes, sumAxes));

    [Fact]
    public void ObservableExpBlocksTheRewrite() => PassAssert.Unchanged(Rules, Stable(outputs: "%y, %e"));

    [Fact]
    public void SumWithoutKeepDimsIsKept() => PassAssert.Unchanged(Rules, """
        graph main(%x: f32[4]) -> (%y) {
          init %sa: i64[1] = [0]
          %e = Exp(%x)
          %z = ReduceSum(%e, %sa) {keepdims = 0}
          %y = Div(%e, %z)
        }
        """);

    [Fact]
    public void SumOfAnotherExpIsKept() => PassAssert.Unchanged(Rules, """
        graph main(%x: f32[2,4], %w: f32[2,4]) -> (%y) {
          init %sa: i64[1] = [1]
          %e = Exp(%x)
          %f = Exp(%w)
          %z = ReduceSum(%f, %sa)
          %y = Div(%e, %z)
        }
        """);
}
