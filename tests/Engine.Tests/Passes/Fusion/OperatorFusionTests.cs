using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Tests.Passes.Fusion;

/// <summary>
/// Before/after tests of the fusion pass in IR text; every case also runs the fused and the unfused
/// graph on seeded random inputs and requires the same outputs.
/// </summary>
public class OperatorFusionTests
{
    private static readonly OperatorFusion Fusion = new();

    /// <summary>Structural check plus numerical equality with the unfused graph.</summary>
    private static void Fuses(string before, string after, params string[] pinned)
    {
        PassAssert.Rewrites(Fusion, before, after, Context(pinned));
        SameOutputs(before, pinned);
    }

    private static void Keeps(string text, params string[] pinned)
    {
        PassAssert.Unchanged(Fusion, text, Context(pinned));
        SameOutputs(text, pinned);
    }

    private static PassContext Context(string[] pinned)
    {
        var c = new PassContext();
        foreach (var p in pinned) c.PinnedValues.Add(p);
        return c;
    }

    private static void SameOutputs(string text, string[] pinned)
    {
        var unfused = PassAssert.Parse(text);
        var fused = PassAssert.Parse(text);
        Fusion.Run(fused, Context(pinned));
        Verifier.VerifyOrThrow(fused);
        for (int seed = 1; seed <= 3; seed++)
        {
            var inputs = NumericBisector.RandomInputs(unfused, seed);
            var expected = new ReferenceExecutor(unfused).Run(inputs);
            var actual = new ReferenceExecutor(fused).Run(inputs);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, e) in expected)
            {
                Assert.True(GraphComparer.TensorsEqual(e, actual[name]), $"output '{name}' differs after fusion (seed {seed}): {actual[name]} vs {e}");
            }
        }
    }

    private static IEnumerable<Node> FusedNodes(Graph.Graph g) => g.Nodes.Where(n => n.Domain == OpRegistry.EngineDomain && n.OpType == "Fused");

    [Fact]
    public void ElementwiseChainBecomesOneGroupWithScalarConstantsInside() => Fuses("""
        graph main(%x: f32[2,3], %y: f32[2,3]) -> (%out) {
          init %two: f32[] = [2]
          %a = Relu(%x)
          %b = Mul(%a, %two)
          %c = Add(%b, %y)
          %out = Sigmoid(%c)
        }
        """, """
        graph main(%x: f32[2,3], %y: f32[2,3]) -> (%out) {
          %out = ai.engine::Fused(%x, %y) {
            body = graph body(%bx: f32[2,3], %by: f32[2,3]) -> (%bo) {
              init %k: f32[] = [2]
              %b1 = Relu(%bx)
              %b2 = Mul(%b1, %k)
              %b3 = Add(%b2, %by)
              %bo = Sigmoid(%b3)
            },
            kind = "elementwise"
          }
        }
        """);

    [Fact]
    public void DiamondBecomesOneGroup() => Fuses("""
        graph main(%x: f32[4]) -> (%d) {
          %a = Relu(%x)
          %b = Sigmoid(%a)
          %c = Tanh(%a)
          %d = Mul(%b, %c)
        }
        """, """
        graph main(%x: f32[4]) -> (%d) {
          %d = ai.engine::Fused(%x) {
            body = graph body(%bx: f32[4]) -> (%bd) {
              %ba = Relu(%bx)
              %bb = Sigmoid(%ba)
              %bc = Tanh(%ba)
              %bd = Mul(%bb, %bc)
            },
            kind = "elementwise"
          }
        }
        """);

    [Fact]
    public void BroadcastingOpsJoinTheGroup() => Fuses("""
        graph main(%x: f32[2,3], %row: f32[3]) -> (%y) {
          %a = Sub(%x, %row)
          %y = Abs(%a)
        }
        """, """
        graph main(%x: f32[2,3], %row: f32[3]) -> (%y) {
          %y = ai.engine::Fused(%x, %row) {
            body = graph body(%bx: f32[2,3], %br: f32[3]) -> (%by) {
              %ba = Sub(%bx, %br)
              %by = Abs(%ba)
            },
            kind = "elementwise"
          }
        }
        """);

    [Fact]
    public void ValueReadOutsideTheGroupStaysAnOutput() => Fuses("""
        graph main(%x: f32[3,3]) -> (%y1, %y2) {
          %a = Relu(%x)
          %b = Sigmoid(%a)
          %y1 = Add(%b, %x)
          %y2 = Transpose(%a) {perm = [1, 0]}
        }
        """, """
        graph main(%x: f32[3,3]) -> (%y1, %y2) {
          %a, %y1 = ai.engine::Fused(%x) {
            body = graph body(%bx: f32[3,3]) -> (%ba, %by) {
              %ba = Relu(%bx)
              %bb = Sigmoid(%ba)
              %by = Add(%bb, %bx)
            },
            kind = "elementwise"
          }
          %y2 = Transpose(%a) {perm = [1, 0]}
        }
        """);

    [Fact]
    public void IntermediateGraphOutputStaysAnOutput()
    {
        Fuses("""
            graph main(%x: f32[5]) -> (%y, %a) {
              %a = Neg(%x)
              %y = Exp(%a)
            }
            """, """
            graph main(%x: f32[5]) -> (%y, %a) {
              %a, %y = ai.engine::Fused(%x) {
                body = graph body(%bx: f32[5]) -> (%ba, %by) {
                  %ba = Neg(%bx)
                  %by = Exp(%ba)
                },
                kind = "elementwise"
              }
            }
            """);
        var g = PassAssert.Parse("""
            graph main(%x: f32[5]) -> (%y, %a) {
              %a = Neg(%x)
              %y = Exp(%a)
            }
            """);
        Fusion.Run(g, new PassContext());
        Assert.Equal(["y", "a"], g.Outputs.Select(v => v.Name));
    }

    [Fact]
    public void PinnedIntermediateBlocksFusionAcrossIt()
    {
        Keeps("""
            graph main(%x: f32[4]) -> (%y) {
              %a = Relu(%x)
              %y = Sigmoid(%a)
            }
            """, "a");
        Fuses("""
            graph main(%x: f32[4]) -> (%y) {
              %a = Relu(%x)
              %b = Sigmoid(%a)
              %y = Neg(%b)
            }
            """, """
            graph main(%x: f32[4]) -> (%y) {
              %b = ai.engine::Fused(%x) {
                body = graph body(%bx: f32[4]) -> (%bb) {
                  %ba = Relu(%bx)
                  %bb = Sigmoid(%ba)
                },
                kind = "elementwise"
              }
              %y = Neg(%b)
            }
            """, "b");
    }

    [Fact]
    public void ConvAbsorbsBiasAddAndRelu() => Fuses("""
        graph main(%x: f32[1,2,5,5], %w: f32[3,2,3,3], %b: f32[3,1,1]) -> (%y) {
          %c = Conv(%x, %w) {pads = [1, 1, 1, 1]}
          %s = Add(%c, %b)
          %y = Relu(%s)
        }
        """, """
        graph main(%x: f32[1,2,5,5], %w: f32[3,2,3,3], %b: f32[3,1,1]) -> (%y) {
          %y = ai.engine::Fused(%x, %w, %b) {
            body = graph body(%bx: f32[1,2,5,5], %bw: f32[3,2,3,3], %bb: f32[3,1,1]) -> (%by) {
              %bc = Conv(%bx, %bw) {pads = [1, 1, 1, 1]}
              %bs = Add(%bc, %bb)
              %by = Relu(%bs)
            },
            kind = "conv-epilogue"
          }
        }
        """);

    [Fact]
    public void ResidualBlockGivesTwoConvEpilogues() => Fuses("""
        graph main(%x: f32[1,3,5,5], %w1: f32[3,3,3,3], %w2: f32[3,3,3,3], %b2: f32[3]) -> (%y) {
          %c1 = Conv(%x, %w1) {pads = [1, 1, 1, 1]}
          %r1 = Relu(%c1)
          %c2 = Conv(%r1, %w2, %b2) {pads = [1, 1, 1, 1]}
          %s = Add(%c2, %x)
          %y = Relu(%s)
        }
        """, """
        graph main(%x: f32[1,3,5,5], %w1: f32[3,3,3,3], %w2: f32[3,3,3,3], %b2: f32[3]) -> (%y) {
          %r1 = ai.engine::Fused(%x, %w1) {
            body = graph first(%px: f32[1,3,5,5], %pw: f32[3,3,3,3]) -> (%pr) {
              %pc = Conv(%px, %pw) {pads = [1, 1, 1, 1]}
              %pr = Relu(%pc)
            },
            kind = "conv-epilogue"
          }
          %y = ai.engine::Fused(%r1, %w2, %b2, %x) {
            body = graph second(%qr: f32[1,3,5,5], %qw: f32[3,3,3,3], %qb: f32[3], %qx: f32[1,3,5,5]) -> (%qy) {
              %qc = Conv(%qr, %qw, %qb) {pads = [1, 1, 1, 1]}
              %qs = Add(%qc, %qx)
              %qy = Relu(%qs)
            },
            kind = "conv-epilogue"
          }
        }
        """);

    [Fact]
    public void ConvOutputWithTwoReadersTakesNoEpilogue() => Fuses("""
        graph main(%x: f32[1,1,4,4], %w: f32[2,1,1,1]) -> (%y) {
          %c = Conv(%x, %w)
          %s = Sigmoid(%c)
          %y = Mul(%c, %s)
        }
        """, """
        graph main(%x: f32[1,1,4,4], %w: f32[2,1,1,1]) -> (%y) {
          %c = Conv(%x, %w)
          %y = ai.engine::Fused(%c) {
            body = graph body(%bc: f32[1,2,4,4]) -> (%by) {
              %bs = Sigmoid(%bc)
              %by = Mul(%bc, %bs)
            },
            kind = "elementwise"
          }
        }
        """);

    [Fact]
    public void EpilogueStopsAtAnOpThatBroadcastsTheResultWider() => Fuses("""
        graph main(%a: f32[1,4], %b: f32[4,3], %m: f32[2,3]) -> (%y) {
          %p = MatMul(%a, %b)
          %q = Relu(%p)
          %y = Add(%q, %m)
        }
        """, """
        graph main(%a: f32[1,4], %b: f32[4,3], %m: f32[2,3]) -> (%y) {
          %q = ai.engine::Fused(%a, %b) {
            body = graph body(%ba: f32[1,4], %bb: f32[4,3]) -> (%bq) {
              %bp = MatMul(%ba, %bb)
              %bq = Relu(%bp)
            },
            kind = "matmul-epilogue"
          }
          %y = Add(%q, %m)
        }
        """);

    [Fact]
    public void GemmAbsorbsClip() => Fuses("""
        graph main(%a: f32[2,4], %b: f32[4,3], %c: f32[3]) -> (%y) {
          init %lo: f32[] = [0]
          init %hi: f32[] = [0.5]
          %g = Gemm(%a, %b, %c)
          %y = Clip(%g, %lo, %hi)
        }
        """, """
        graph main(%a: f32[2,4], %b: f32[4,3], %c: f32[3]) -> (%y) {
          %y = ai.engine::Fused(%a, %b, %c) {
            body = graph body(%ba: f32[2,4], %bb: f32[4,3], %bc: f32[3]) -> (%by) {
              init %blo: f32[] = [0]
              init %bhi: f32[] = [0.5]
              %bg = Gemm(%ba, %bb, %bc)
              %by = Clip(%bg, %blo, %bhi)
            },
            kind = "gemm-epilogue"
          }
        }
        """);

    [Fact]
    public void ReductionAbsorbsItsElementwisePrologue() => Fuses("""
        graph main(%x: f32[2,5], %y: f32[2,5]) -> (%r) {
          init %axes: i64[1] = [1]
          %a = Abs(%x)
          %m = Mul(%a, %y)
          %r = ReduceSum(%m, %axes) {keepdims = 0}
        }
        """, """
        graph main(%x: f32[2,5], %y: f32[2,5]) -> (%r) {
          %r = ai.engine::Fused(%x, %y) {
            body = graph body(%bx: f32[2,5], %by: f32[2,5]) -> (%br) {
              init %bax: i64[1] = [1]
              %ba = Abs(%bx)
              %bm = Mul(%ba, %by)
              %br = ReduceSum(%bm, %bax) {keepdims = 0}
            },
            kind = "reduce-prologue"
          }
        }
        """);

    [Fact]
    public void ReductionInputReadElsewhereIsNotAbsorbed() => Keeps("""
        graph main(%x: f32[2,5]) -> (%r, %a) {
          %a = Abs(%x)
          %r = ReduceMax(%a) {keepdims = 1}
        }
        """);

    [Fact]
    public void NoCycleThroughANonFusableOp() => Fuses("""
        graph main(%x: f32[3,3]) -> (%c) {
          %a = Relu(%x)
          %t = Transpose(%a) {perm = [1, 0]}
          %b = Add(%a, %t)
          %c = Sigmoid(%b)
        }
        """, """
        graph main(%x: f32[3,3]) -> (%c) {
          %a = Relu(%x)
          %t = Transpose(%a) {perm = [1, 0]}
          %c = ai.engine::Fused(%a, %t) {
            body = graph body(%ba: f32[3,3], %bt: f32[3,3]) -> (%bc) {
              %bb = Add(%ba, %bt)
              %bc = Sigmoid(%bb)
            },
            kind = "elementwise"
          }
        }
        """);

    /// <summary>Neg→Add is an edge, but Neg also reaches Add through the conv-epilogue group: merging
    /// them would make that group both read from and feed the merged one.</summary>
    [Fact]
    public void NoCycleThroughAnotherGroup() => Fuses("""
        graph main(%x: f32[1,1,3,3], %w: f32[1,1,1,1]) -> (%b, %r) {
          %a = Neg(%x)
          %c = Conv(%a, %w)
          %r = Relu(%c)
          %b = Add(%a, %r)
        }
        """, """
        graph main(%x: f32[1,1,3,3], %w: f32[1,1,1,1]) -> (%b, %r) {
          %a = Neg(%x)
          %r = ai.engine::Fused(%a, %w) {
            body = graph body(%ba: f32[1,1,3,3], %bw: f32[1,1,1,1]) -> (%br) {
              %bc = Conv(%ba, %bw)
              %br = Relu(%bc)
            },
            kind = "conv-epilogue"
          }
          %b = Add(%a, %r)
        }
        """);

    [Fact]
    public void ValueCapturedByASubgraphStaysAnOutput() => Fuses("""
        graph main(%c: bool[], %x: f32[4]) -> (%y, %r) {
          %a = Relu(%x)
          %y = Neg(%a)
          %r = If(%c) {
            then_branch = graph t() -> (%t) {
              %t = Abs(%a)
            },
            else_branch = graph e() -> (%x) {
            }
          }
        }
        """, """
        graph main(%c: bool[], %x: f32[4]) -> (%y, %r) {
          %a, %y = ai.engine::Fused(%x) {
            body = graph body(%bx: f32[4]) -> (%ba, %by) {
              %ba = Relu(%bx)
              %by = Neg(%ba)
            },
            kind = "elementwise"
          }
          %r = If(%c) {
            then_branch = graph t() -> (%t) {
              %t = Abs(%a)
            },
            else_branch = graph e() -> (%x) {
            }
          }
        }
        """);

    /// <summary>The If reads %a inside its branch (a capture), so Relu→If→Add is a path around the Relu→Add edge.</summary>
    [Fact]
    public void NoCycleThroughASubgraphCapture() => Keeps("""
        graph main(%c: bool[], %x: f32[4]) -> (%y) {
          %a = Relu(%x)
          %r = If(%c) {
            then_branch = graph t() -> (%t) {
              %t = Abs(%a)
            },
            else_branch = graph e() -> (%x) {
            }
          }
          %y = Add(%a, %r)
        }
        """);

    [Fact]
    public void OpaqueAndInjectiveOpsAreLeftAlone() => Keeps("""
        graph main(%x: f32[2,3]) -> (%y) {
          %a = Transpose(%x) {perm = [1, 0]}
          %b = Softmax(%a)
          %y = Flatten(%b)
        }
        """);

    [Fact]
    public void SubgraphBodiesAreFusedToo()
    {
        var g = PassAssert.Parse("""
            graph main(%cond: bool[], %x: f32[4]) -> (%r) {
              %r = If(%cond) {
                then_branch = graph t() -> (%t2) {
                  %t1 = Relu(%x)
                  %t2 = Neg(%t1)
                },
                else_branch = graph e() -> (%x) {
                }
              }
            }
            """);
        Assert.True(Fusion.Run(g, new PassContext()));
        Verifier.VerifyOrThrow(g);
        var then = (Graph.Graph)g.Nodes[0].Attributes.Get("then_branch")!;
        Assert.Equal("ai.engine::Fused", Assert.Single(then.Nodes).Schema.QualifiedName);
        var outs = new ReferenceExecutor(g).Run(new Dictionary<string, Tensor>
        {
            ["cond"] = Tensor.Scalar(true),
            ["x"] = Tensor.FromArray([-1f, 2f, -3f, 4f], 4),
        });
        Assert.Equal([-0f, -2f, -0f, -4f], outs["r"].As<float>().ToArray());
    }

    [Fact]
    public void FusingTwiceChangesNothing()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[1,2,4,4], %w: f32[2,2,1,1], %y: f32[1,2,4,4]) -> (%out) {
              %c = Conv(%x, %w)
              %r = Relu(%c)
              %a = Add(%r, %y)
              %out = Tanh(%a)
            }
            """);
        Assert.True(Fusion.Run(g, new PassContext()));
        var once = IrPrinter.Print(g);
        Assert.False(Fusion.Run(g, new PassContext()));
        Assert.Equal(once, IrPrinter.Print(g));
        var body = (Graph.Graph)Assert.Single(FusedNodes(g)).Attributes.Get("body")!;
        Assert.Equal(["Conv", "Relu", "Add", "Tanh"], body.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void FusedModelsRoundTripThroughIrText()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[2,3], %y: f32[2,3]) -> (%out) {
              %a = Relu(%x)
              %out = Add(%a, %y)
            }
            """);
        Fusion.Run(g, new PassContext());
        var text = IrPrinter.Print(g);
        Assert.Contains("ai.engine::Fused", text, StringComparison.Ordinal);
        var back = PassAssert.Parse(text);
        Assert.True(GraphComparer.StructurallyEqual(g, back, out var diff), diff);
        Assert.Single(FusedNodes(back));
    }
}
