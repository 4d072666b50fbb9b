using Engine.Passes;

namespace Engine.Tests.Passes.Patterns;

public class NormalizationPatternTests
{
    private static readonly RuleSet Rules = NormalizationPatterns.Create();

    /// <summary>nn.LayerNorm(4) as torch 1.13 exports it below opset 17 (templated for near-miss variants).</summary>
    private static string TorchLayerNorm(string axes = "[-1]", string varAxes = "[-1]", string two = "2", string eps = "f32[] = [1E-05]",
        string outputs = "%y") => $$"""
        graph main(%x: f32[2,3,4]) -> ({{outputs}}) {
          init %gamma: f32[4] = [0.5, 1, 1.5, 2]
          init %beta: f32[4] = [0.1, -0.2, 0.3, -0.4]
          init %axes: i64[{{axes.Split(',').Length}}] = {{axes}}
          init %axes2: i64[{{varAxes.Split(',').Length}}] = {{varAxes}}
          init %two: f32[] = [{{two}}]
          init %eps: {{eps}}
          %mean = ReduceMean(%x, %axes)
          %d = Sub(%x, %mean)
          %sq = Pow(%d, %two)
          %var = ReduceMean(%sq, %axes2)
          %ve = Add(%var, %eps)
          %sd = Sqrt(%ve)
          %n = Div(%d, %sd)
          %g = Mul(%n, %gamma)
          %y = Add(%g, %beta)
        }
        """;

    [Fact]
    public void LayerNormAsPyTorchEmitsIt() => PatternAssert.Fuses(Rules, TorchLayerNorm(), """
        graph main(%x: f32[2,3,4]) -> (%y) {
          init %gamma: f32[4] = [0.5, 1, 1.5, 2]
          init %beta: f32[4] = [0.1, -0.2, 0.3, -0.4]
          %y = LayerNormalization(%x, %gamma, %beta) {axis = 2, epsilon = 1E-05}
        }
        """);

    [Fact]
    public void LayerNormWithoutAffineGetsUnitScale() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          init %axes: i64[1] = [2]
          init %eps: f32[1] = [0.001]
          %mean = ReduceMean(%x, %axes)
          %d = Sub(%x, %mean)
          %sq = Mul(%d, %d)
          %var = ReduceMean(%sq, %axes)
          %ve = Add(%eps, %var)
          %sd = Sqrt(%ve)
          %y = Div(%d, %sd)
        }
        """, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          init %ones: f32[4] = [1, 1, 1, 1]
          %y = LayerNormalization(%x, %ones) {axis = 2, epsilon = 0.001}
        }
        """);

    [Fact]
    public void LayerNormWithReciprocalAndOnlyABias() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          init %beta: f32[3,4] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
          init %axes: i64[2] = [-2, -1]
          init %eps: f32[] = [1E-06]
          init %two: i64[] = [2]
          %mean = ReduceMean(%x, %axes)
          %d = Sub(%x, %mean)
          %sq = Pow(%d, %two)
          %var = ReduceMean(%sq, %axes)
          %ve = Add(%var, %eps)
          %sd = Sqrt(%ve)
          %r = Reciprocal(%sd)
          %n = Mul(%d, %r)
          %y = Add(%beta, %n)
        }
        """, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          init %beta: f32[3,4] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
          init %ones: f32[3,4] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
          %y = LayerNormalization(%x, %ones, %beta) {axis = 1, epsilon = 1E-06}
        }
        """);

    [Theory]
    [InlineData("[1]", "[1]", "2")]      // a middle axis, not the trailing ones
    [InlineData("[-1]", "[1]", "2")]     // mean and variance over different axes
    [InlineData("[1, 2]", "[2]", "2")]   // the same, wider mean
    [InlineData("[-1]", "[-1]", "3")]    // not a square
    [InlineData("[-1]", "[-1]", "2.01")] // not exactly a square
    public void LayerNormNearMissesAreKept(string axes, string varAxes, string two) =>
        PassAssert.Unchanged(Rules, TorchLayerNorm(axes, varAxes, two));

    [Fact]
    public void PerChannelEpsilonIsKept() => PassAssert.Unchanged(Rules, TorchLayerNorm(eps: "f32[3,1] = [1E-05, 1E-05, 1E-05]"));

    [Fact]
    public void NegativeEpsilonIsKept() => PassAssert.Unchanged(Rules, TorchLayerNorm(eps: "f32[] = [-1E-05]"));

    [Fact]
    public void ObservableMeanBlocksTheRewrite() => PassAssert.Unchanged(Rules, TorchLayerNorm(outputs: "%y, %mean"));

    [Fact]
    public void PinnedNormalizedValueStopsBeforeTheAffineTail()
    {
        // %n is pinned: the statistics part cannot be fused, because its result must stay observable
        // and the fused op would replace %y, not %n.
        var context = new PassContext();
        context.PinnedValues.Add("n");
        PassAssert.Unchanged(Rules, TorchLayerNorm(), context);
    }

    [Fact]
    public void MeanOfAnotherTensorIsKept() => PassAssert.Unchanged(Rules, """
        graph main(%x: f32[2,3,4], %z: f32[2,3,4]) -> (%y) {
          init %axes: i64[1] = [-1]
          init %eps: f32[] = [1E-05]
          init %two: f32[] = [2]
          %mean = ReduceMean(%z, %axes)
          %d = Sub(%x, %mean)
          %sq = Pow(%d, %two)
          %var = ReduceMean(%sq, %axes)
          %ve = Add(%var, %eps)
          %sd = Sqrt(%ve)
          %y = Div(%d, %sd)
        }
        """);

    [Fact]
    public void ScaleThatIsNotOverTheNormalizedShapeStaysOutside() => PatternAssert.Fuses(Rules, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          init %gamma: f32[3,1] = [1, 2, 3]
          init %axes: i64[1] = [-1]
          init %eps: f32[] = [1E-05]
          init %two: f32[] = [2]
          %mean = ReduceMean(%x, %axes)
          %d = Sub(%x, %mean)
          %sq = Pow(%d, %two)
          %var = ReduceMean(%sq, %axes)
          %ve = Add(%var, %eps)
          %sd = Sqrt(%ve)
          %n = Div(%d, %sd)
          %y = Mul(%n, %gamma)
        }
        """, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          init %gamma: f32[3,1] = [1, 2, 3]
          init %ones: f32[4] = [1, 1, 1, 1]
          %n = LayerNormalization(%x, %ones) {axis = 2, epsilon = 1E-05}
          %y = Mul(%n, %gamma)
        }
        """);

    [Fact]
    public void SymbolicNormalizedDimsNeedAScale()
    {
        const string body = """
              init %axes: i64[1] = [-1]
              init %eps: f32[] = [1E-05]
              %mean = ReduceMean(%x, %axes)
              %d = Sub(%x, %mean)
              %sq = Mul(%d, %d)
              %var = ReduceMean(%sq, %axes)
              %ve = Add(%var, %eps)
              %sd = Sqrt(%ve)
              %n = Div(%d, %sd)
            """;
        // With γ over [D] the op takes it as is; without γ the unit scale cannot be built.
        PassAssert.Rewrites(Rules, "graph main(%x: f32[N,D], %g: f32[D]) -> (%y) {\n" + body + "  %y = Mul(%n, %g)\n}", """
            graph main(%x: f32[N,D], %g: f32[D]) -> (%y) {
              %y = LayerNormalization(%x, %g) {axis = 1, epsilon = 1E-05}
            }
            """);
        PassAssert.Unchanged(Rules, "graph main(%x: f32[N,D]) -> (%n) {\n" + body + "}");
    }
}
