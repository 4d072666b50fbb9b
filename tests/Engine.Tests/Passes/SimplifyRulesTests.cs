using Engine.Passes;

namespace Engine.Tests.Passes;

public class SimplifyRulesTests
{
    private static readonly RuleSet Simplify = SimplifyRules.Create();

    [Fact]
    public void IdentityAndCastToSameTypeDisappear() => PassAssert.Rewrites(Simplify, """
        graph main(%x: f32[2,3]) -> (%y) {
          %a = Identity(%x)
          %b = Cast(%a) {to = 1}
          %y = Relu(%b)
        }
        """, """
        graph main(%x: f32[2,3]) -> (%y) {
          %y = Relu(%x)
        }
        """);

    [Fact]
    public void MultiplyByOneAndAddZeroDisappear() => PassAssert.Rewrites(Simplify, """
        graph main(%x: f32[2,3]) -> (%y) {
          init %one: f32[3] = [1, 1, 1]
          init %zero: f32[] = [0]
          %a = Mul(%one, %x)
          %b = Add(%a, %zero)
          %y = Relu(%b)
        }
        """, """
        graph main(%x: f32[2,3]) -> (%y) {
          %y = Relu(%x)
        }
        """);

    [Fact]
    public void MultiplyByOneThatBroadcastsIsKept() => PassAssert.Unchanged(Simplify, """
        graph main(%x: f32[3]) -> (%y) {
          init %one: f32[2,3] = [1, 1, 1, 1, 1, 1]
          %a = Mul(%x, %one)
          %y = Relu(%a)
        }
        """);

    [Fact]
    public void DivisionByTwoIsKept() => PassAssert.Unchanged(Simplify, """
        graph main(%x: f32[3]) -> (%y) {
          init %two: f32[] = [2]
          %a = Div(%x, %two)
          %y = Relu(%a)
        }
        """);

    [Fact]
    public void TransposePairsCancel() => PassAssert.Rewrites(Simplify, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          %a = Transpose(%x) {perm = [0, 2, 1]}
          %b = Transpose(%a) {perm = [0, 2, 1]}
          %y = Relu(%b)
        }
        """, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          %y = Relu(%x)
        }
        """);

    [Fact]
    public void TransposePairsCompose() => PassAssert.Rewrites(Simplify, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          %a = Transpose(%x) {perm = [1, 0, 2]}
          %b = Transpose(%a) {perm = [0, 2, 1]}
          %y = Relu(%b)
        }
        """, """
        graph main(%x: f32[2,3,4]) -> (%y) {
          %b = Transpose(%x) {perm = [1, 2, 0]}
          %y = Relu(%b)
        }
        """);

    [Fact]
    public void InferenceDropoutIsRemovedButNotWhenItsMaskIsUsed()
    {
        PassAssert.Rewrites(Simplify, """
            graph main(%x: f32[4]) -> (%y) {
              %d = Dropout(%x)
              %y = Relu(%d)
            }
            """, """
            graph main(%x: f32[4]) -> (%y) {
              %y = Relu(%x)
            }
            """);
        PassAssert.Unchanged(Simplify, """
            graph main(%x: f32[4]) -> (%y, %m) {
              %d, %m = Dropout(%x)
              %y = Relu(%d)
            }
            """);
    }

    [Fact]
    public void IdentityFeedingAGraphOutputKeepsTheOutputName()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[4]) -> (%y) {
              %r = Relu(%x)
              %y = Identity(%r)
            }
            """);
        Simplify.Run(g, new PassContext());
        Assert.Single(g.Nodes);
        Assert.Equal("y", g.Outputs[0].Name);
    }

    [Fact]
    public void PinnedValuesAreNotRewired()
    {
        var ctx = new PassContext();
        ctx.PinnedValues.Add("a");
        PassAssert.Unchanged(Simplify, """
            graph main(%x: f32[4]) -> (%y) {
              %a = Identity(%x)
              %y = Relu(%a)
            }
            """, ctx);
    }

    [Fact]
    public void TransposeFoldsIntoGemm() => PassAssert.Rewrites(Simplify, """
        graph main(%a: f32[3,2], %b: f32[3,4]) -> (%y) {
          %t = Transpose(%a) {perm = [1, 0]}
          %y = Gemm(%t, %b)
        }
        """, """
        graph main(%a: f32[3,2], %b: f32[3,4]) -> (%y) {
          %y = Gemm(%a, %b) {transA = 1}
        }
        """);

    [Fact]
    public void TransposeUsedElsewhereStillFoldsButStays() => PassAssert.Rewrites(Simplify, """
        graph main(%a: f32[3,2], %b: f32[3,4]) -> (%y, %t) {
          %t = Transpose(%a) {perm = [1, 0]}
          %y = Gemm(%t, %b)
        }
        """, """
        graph main(%a: f32[3,2], %b: f32[3,4]) -> (%y, %t) {
          %t = Transpose(%a) {perm = [1, 0]}
          %y = Gemm(%a, %b) {transA = 1}
        }
        """);

    [Fact]
    public void IfWithAConstantConditionIsInlined()
    {
        const string text = """
            graph main(%x: f32[4]) -> (%y) {
              init %c: bool[] = [true]
              %r = If(%c) {
                then_branch = graph t() -> (%a) {
                  %a = Relu(%x)
                },
                else_branch = graph e() -> (%b) {
                  %b = Neg(%x)
                }
              }
              %y = Abs(%r)
            }
            """;
        var g = PassAssert.Parse(text);
        var input = Engine.Runtime.Tensor.FromArray(new[] { -1f, 2f, -3f, 4f }, 4);
        var feeds = new Dictionary<string, Engine.Runtime.Tensor> { ["x"] = input };
        var before = new Engine.Graph.ReferenceExecutor(g).Run(feeds)["y"];
        Simplify.Run(g, new PassContext());
        Engine.Graph.Verifier.VerifyOrThrow(g);
        Assert.Equal(["Relu", "Abs"], g.Nodes.Select(n => n.OpType));
        Assert.Equal(before.As<float>(), new Engine.Graph.ReferenceExecutor(g).Run(feeds)["y"].As<float>());
    }

    [Fact]
    public void IfWithARuntimeConditionStays() => PassAssert.Unchanged(Simplify, """
        graph main(%x: f32[4], %c: bool[]) -> (%y) {
          %y = If(%c) {
            then_branch = graph t() -> (%a) {
              %a = Relu(%x)
            },
            else_branch = graph e() -> (%b) {
              %b = Neg(%x)
            }
          }
        }
        """);
}
