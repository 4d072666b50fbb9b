using Engine.Graph;
using Engine.Passes.Memory;
using Engine.Runtime;

namespace Engine.Tests.Passes.Memory;

/// <summary>Hand-built graphs, one per planning rule; every plan is also run through <see cref="PlanSimulator"/>.</summary>
public class MemoryPlanTests
{
    private static (Graph.Graph G, MemoryPlan Plan) Plan(string text, MemoryPlanOptions? options = null)
    {
        var g = PassAssert.Parse(text);
        var plan = MemoryPlan.Create(g, options);
        PlanSimulator.Check(g, plan);
        return (g, plan);
    }

    private static Node NodeOf(Graph.Graph g, string output) => g.Nodes.Single(n => n.Outputs.Any(o => o?.Name == output));

    private static Value V(Graph.Graph g, string name) =>
        g.Inputs.Concat(g.InitializerValues).Concat(g.Nodes.SelectMany(n => n.Outputs).OfType<Value>()).First(v => v.Name == name);

    [Fact]
    public void ElementwiseChainRunsInPlace()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[4,8]) -> (%y) {
              %a = Transpose(%x) {perm = [1, 0]}
              %b = Relu(%a)
              %c = Sigmoid(%b)
              %y = Transpose(%c) {perm = [1, 0]}
            }
            """);
        Assert.Equal(0, plan.InPlaceInput(NodeOf(g, "b")));
        Assert.Equal(0, plan.InPlaceInput(NodeOf(g, "c")));
        Assert.Equal(plan.Locate(V(g, "a")), plan.Locate(V(g, "b")));
        Assert.Equal(plan.Locate(V(g, "a")), plan.Locate(V(g, "c")));
        Assert.Equal(new BufferLocation(BufferKind.GraphOutput, 0, 0), plan.Locate(V(g, "y")));
        Assert.Equal(128, plan.ArenaBytes);
        Assert.Equal(128, plan.LowerBoundBytes);
    }

    [Fact]
    public void InputReadLaterIsNotOverwritten()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[4,8]) -> (%y) {
              %a = Transpose(%x) {perm = [1, 0]}
              %b = Relu(%a)
              %c = Add(%b, %a)
              %y = Transpose(%c) {perm = [1, 0]}
            }
            """);
        Assert.Null(plan.InPlaceInput(NodeOf(g, "b")));
        Assert.Equal(0, plan.InPlaceInput(NodeOf(g, "c")));
        Assert.NotEqual(plan.Locate(V(g, "a")), plan.Locate(V(g, "b")));
    }

    [Fact]
    public void GraphInputsAndInitializersAreNeverWrittenInPlace()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[16]) -> (%y) {
              init %w: f32[16] = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]
              %a = Relu(%x)
              %b = Neg(%w)
              %c = Mul(%a, %b)
              %y = Transpose(%c) {perm = [0]}
            }
            """);
        Assert.Null(plan.InPlaceInput(NodeOf(g, "a")));
        Assert.Null(plan.InPlaceInput(NodeOf(g, "b")));
        Assert.Equal(0, plan.InPlaceInput(NodeOf(g, "c")));
    }

    [Fact]
    public void BroadcastInPlaceOnlyOverTheFullSizedInput()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[2,8], %r: f32[8]) -> (%y) {
              %a = Transpose(%x) {perm = [0, 1]}
              %s = Neg(%r)
              %b = Add(%s, %a)
              %y = Transpose(%b) {perm = [1, 0]}
            }
            """);
        Assert.Equal(1, plan.InPlaceInput(NodeOf(g, "b")));
        Assert.Equal(plan.Locate(V(g, "a")), plan.Locate(V(g, "b")));
    }

    [Fact]
    public void CanWriteInPlaceOptionIsObeyed()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[4,8]) -> (%y) {
              %a = Transpose(%x) {perm = [1, 0]}
              %b = Relu(%a)
              %y = Transpose(%b) {perm = [1, 0]}
            }
            """, new MemoryPlanOptions { CanWriteInPlace = (_, _) => false });
        Assert.Null(plan.InPlaceInput(NodeOf(g, "b")));
        Assert.NotEqual(plan.Locate(V(g, "a")), plan.Locate(V(g, "b")));
    }

    [Fact]
    public void FusedElementwiseNodeRunsInPlaceButAConvEpilogueDoesNot()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[1,2,4,4], %w: f32[2,2,1,1]) -> (%y) {
              %a = Transpose(%x) {perm = [0, 1, 2, 3]}
              %e = ai.engine::Fused(%a) {
                body = graph body(%ba: f32[1,2,4,4]) -> (%bo) {
                  %b1 = Relu(%ba)
                  %bo = Sigmoid(%b1)
                },
                kind = "elementwise"
              }
              %c = ai.engine::Fused(%e, %w) {
                body = graph body2(%be: f32[1,2,4,4], %bw: f32[2,2,1,1]) -> (%bc) {
                  %c1 = Conv(%be, %bw)
                  %bc = Relu(%c1)
                },
                kind = "conv-epilogue"
              }
              %y = Transpose(%c) {perm = [0, 1, 2, 3]}
            }
            """);
        Assert.Equal(0, plan.InPlaceInput(NodeOf(g, "e")));
        Assert.Null(plan.InPlaceInput(NodeOf(g, "c")));
    }

    [Fact]
    public void ViewsAreZeroCopyEvenOfGraphInputsAndInitializers()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[2,3,4]) -> (%y) {
              init %w: f32[3,2] = [1,2,3,4,5,6]
              %f = Flatten(%x) {axis = 1}
              %v = Identity(%w)
              %u = Unsqueeze(%v, %ax)
              %y = MatMul(%u, %f)
              init %ax: i64[1] = [0]
            }
            """);
        Assert.True(plan.IsElided(NodeOf(g, "f")));
        Assert.True(plan.IsElided(NodeOf(g, "v")));
        Assert.True(plan.IsElided(NodeOf(g, "u")));
        Assert.Equal(new BufferLocation(BufferKind.GraphInput, 0, 0), plan.Locate(V(g, "f")));
        Assert.Equal(BufferKind.Initializer, plan.Locate(V(g, "u")).Kind);
        Assert.Equal(0, plan.ArenaBytes);
    }

    [Fact]
    public void OutputThatIsAViewOfAnArenaValueIsComputedInTheOutputBuffer()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[2,3,4]) -> (%y) {
              %a = Transpose(%x) {perm = [2, 1, 0]}
              %y = Reshape(%a, %s)
              init %s: i64[2] = [4, 6]
            }
            """);
        Assert.True(plan.IsElided(NodeOf(g, "y")));
        Assert.Equal(new BufferLocation(BufferKind.GraphOutput, 0, 0), plan.Locate(V(g, "a")));
        Assert.Equal(0, plan.ArenaBytes);
    }

    [Fact]
    public void ViewKeepsItsBytesAliveAgainstInPlaceWrites()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[2,8]) -> (%y) {
              %a = Transpose(%x) {perm = [1, 0]}
              %v = Reshape(%a, %s)
              %b = Relu(%a)
              %c = Neg(%b)
              %y = Add(%c, %v)
              init %s: i64[2] = [8, 2]
            }
            """);
        Assert.Null(plan.InPlaceInput(NodeOf(g, "b")));
        Assert.Equal(0, plan.InPlaceInput(NodeOf(g, "c")));
        Assert.Equal((0, 4), plan.LiveRange(V(g, "a")));
    }

    [Fact]
    public void GraphInputsInitializersAndRepeatedValuesAsOutputsAreCopied()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[4]) -> (%x, %w, %a, %a, %r) {
              init %w: f32[4] = [1,2,3,4]
              %a = Neg(%x)
              %r = Reshape(%x, %s)
              init %s: i64[2] = [2, 2]
            }
            """);
        Assert.True(plan.OutputNeedsCopy(0));
        Assert.True(plan.OutputNeedsCopy(1));
        Assert.False(plan.OutputNeedsCopy(2));
        Assert.True(plan.OutputNeedsCopy(3));
        // A view of an input is the input's bytes: copied like the input itself.
        Assert.True(plan.OutputNeedsCopy(4));
        Assert.True(plan.IsElided(NodeOf(g, "r")));
        Assert.Equal(new BufferLocation(BufferKind.GraphInput, 0, 0), plan.Locate(V(g, "r")));
        Assert.Equal(new BufferLocation(BufferKind.GraphInput, 0, 0), plan.Locate(V(g, "x")));
    }

    [Fact]
    public void ConcatProducersWriteIntoTheirSlices()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[1,2,4], %z: f32[1,3,4]) -> (%y) {
              %a = Neg(%x)
              %b = Relu(%z)
              %t = Transpose(%x) {perm = [0, 2, 1]}
              %f = Reshape(%t, %s)
              %c = Concat(%a, %b, %f) {axis = 1}
              %g = Sigmoid(%c)
              %y = Transpose(%g) {perm = [0, 2, 1]}
              init %s: i64[3] = [1, 2, 4]
            }
            """);
        var concat = NodeOf(g, "c");
        Assert.True(plan.IsElided(concat));
        var c = plan.Locate(V(g, "c"));
        Assert.Equal(c with { ByteOffset = c.ByteOffset + 0 }, plan.Locate(V(g, "a")));
        Assert.Equal(c with { ByteOffset = c.ByteOffset + 32 }, plan.Locate(V(g, "b")));
        Assert.Equal(c with { ByteOffset = c.ByteOffset + 80 }, plan.Locate(V(g, "t")));
        Assert.Equal(c with { ByteOffset = c.ByteOffset + 80 }, plan.Locate(V(g, "f")));
        // The concat buffer is live from its first producer; the Sigmoid then runs in place over it.
        Assert.Equal(0, plan.LiveRange(V(g, "c")).Start);
        Assert.Equal(0, plan.InPlaceInput(NodeOf(g, "g")));
        Assert.Equal(128, plan.LowerBoundBytes); // 112 bytes rounded up to the 64-byte alignment
        Assert.Equal(128, plan.ArenaBytes);
    }

    [Fact]
    public void ConcatThatIsAGraphOutputIsWrittenInTheCallersBuffer()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[1,2,4]) -> (%c) {
              %a = Neg(%x)
              %b = Relu(%x)
              %c = Concat(%a, %b) {axis = -2}
            }
            """);
        Assert.True(plan.IsElided(NodeOf(g, "c")));
        Assert.Equal(new BufferLocation(BufferKind.GraphOutput, 0, 32), plan.Locate(V(g, "b")));
        Assert.Equal(0, plan.ArenaBytes);
    }

    [Fact]
    public void NestedConcatsBothElided()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[1,1,4]) -> (%y) {
              %a = Neg(%x)
              %b = Relu(%x)
              %i = Concat(%a, %b) {axis = 1}
              %d = Abs(%x)
              %o = Concat(%d, %i) {axis = 1}
              %y = Transpose(%o) {perm = [0, 2, 1]}
            }
            """);
        Assert.True(plan.IsElided(NodeOf(g, "i")));
        Assert.True(plan.IsElided(NodeOf(g, "o")));
        Assert.Equal(plan.Locate(V(g, "o")).ByteOffset + 32, plan.Locate(V(g, "b")).ByteOffset);
    }

    [Theory]
    [InlineData("%c = Concat(%a, %b) {axis = 2}")]          // slices not contiguous (dim 1 is 2)
    [InlineData("%c = Concat(%a, %x) {axis = 1}")]          // a graph input cannot be written by a producer
    [InlineData("%c = Concat(%a, %a) {axis = 1}")]          // the same value twice
    [InlineData("%c = Concat(%a, %k) {axis = 1}")]          // %k is read again below
    public void ConcatStaysACopyWhenSlicesCannotBeWrittenInPlace(string concat)
    {
        var (g, plan) = Plan($$"""
            graph main(%x: f32[1,2,4]) -> (%y, %z) {
              %a = Neg(%x)
              %b = Abs(%x)
              %k = Relu(%x)
              {{concat}}
              %y = Sigmoid(%c)
              %z = Abs(%k)
            }
            """);
        Assert.False(plan.IsElided(NodeOf(g, "c")));
        Assert.NotEqual(BufferKind.GraphOutput, plan.Locate(V(g, "a")).Kind);
    }

    [Fact]
    public void ConcatInPlaceAndViewsCanBeTurnedOff()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[1,2,4]) -> (%y) {
              %a = Neg(%x)
              %b = Relu(%x)
              %c = Concat(%a, %b) {axis = 1}
              %y = Flatten(%c) {axis = 1}
            }
            """, new MemoryPlanOptions { ConcatInPlace = false, ZeroCopyViews = false });
        Assert.DoesNotContain(g.Nodes, plan.IsElided);
    }

    [Fact]
    public void ValuesReadInsideASubgraphStayAliveUntilThatNode()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[4], %cond: bool[]) -> (%y) {
              %a = Neg(%x)
              %b = Relu(%x)
              %r = If(%cond) {
                then_branch = graph t() -> (%t1) {
                  %t1 = Abs(%a)
                },
                else_branch = graph e() -> (%e1) {
                  %e1 = Abs(%b)
                }
              }
              %y = Neg(%r)
            }
            """);
        Assert.Equal(2, plan.LiveRange(V(g, "a")).End);
        Assert.NotEqual(plan.Locate(V(g, "a")), plan.Locate(V(g, "b")));
    }

    [Fact]
    public void OffsetsAreAlignedAndDisjointWhenLiveTogether()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[3]) -> (%y) {
              %a = Neg(%x)
              %b = Abs(%x)
              %c = Exp(%x)
              %d = Sum(%a, %b, %c)
              %y = Neg(%d)
            }
            """, new MemoryPlanOptions { Alignment = 16 });
        var offsets = new[] { "a", "b", "c" }.Select(n => plan.Locate(V(g, n)).ByteOffset).ToList();
        Assert.All(offsets, o => Assert.Equal(0, o % 16));
        Assert.Equal(3, offsets.Distinct().Count());
        Assert.Equal(48, plan.ArenaBytes);
        Assert.Equal(48, plan.LowerBoundBytes);
    }

    [Fact]
    public void DynamicShapesAreRejectedNamingTheValue()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[N,4]) -> (%y) {
              %a = Relu(%x)
              %y = Neg(%a)
            }
            """);
        var e = Assert.Throws<EngineException>(() => MemoryPlan.Create(g));
        Assert.Contains("'x'", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void DescribeReportsArenaBoundRatioAndEveryValue()
    {
        var (g, plan) = Plan("""
            graph main(%x: f32[1,2,4]) -> (%y) {
              %a = Neg(%x)
              %b = Relu(%x)
              %c = Concat(%a, %b) {axis = 1}
              %y = Flatten(%c) {axis = 1}
            }
            """);
        var text = plan.Describe();
        Assert.Contains("arena 0 bytes", text);
        Assert.Contains("lower bound 0 bytes", text);
        Assert.Contains("ratio 1.000", text);
        Assert.Contains("slice of c at +32", text);
        Assert.Contains("output[0]+32", text);
        foreach (var v in new[] { "x", "a", "b", "c", "y" }) Assert.Contains($"  {v} ", text);
    }
}
