using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.IR;

using Graph = Engine.Graph.Graph;

public class VerifierTests
{
    private static IReadOnlyList<string> Problems(string text) => Verifier.Verify(IrAssert.Parse(text));

    /// <summary>Requires exactly the problems given (each as a substring, in order).</summary>
    private static void AssertProblems(Graph g, params string[] expected)
    {
        var problems = Verifier.Verify(g);
        var all = string.Join("\n", problems);
        Assert.True(problems.Count == expected.Length, $"expected {expected.Length} problems, got:\n{all}");
        for (int i = 0; i < expected.Length; i++) Assert.Contains(expected[i], problems[i]);
        foreach (var p in problems) Assert.DoesNotContain('\n', p);
    }

    private static void AssertProblems(string text, params string[] expected) => AssertProblems(IrAssert.Parse(text), expected);

    [Fact]
    public void ValidGraphsHaveNoProblems()
    {
        const string text = """
            graph g(%c: bool[], %x: f32[N,2], %w: f32[2]) -> (%r, %x) {
              init %w = [1, 2]
              init %k: i64[] = [3]
              %a = Relu(%x) : f32[N,2]
              %s = Add(%a, %w) : f32[N,2]
              %i = Cast(%x) {to = 7} : i64[N,2]
              %y, _, %z = Opt(%s, _, %k)
              %p, %q = Split2(%y)
              %m = ai.onnx.ml::TreeEnsemble(%q) {anything = "goes", n = 3}
              %r = If(%c) {
                then_branch = graph t() -> (%o) {
                  %o = Add(%a, %w) : f32[N,2]
                },
                else_branch = graph e() -> (%s) {
                }
              } : f32[N,2]
            }
            """;
        var g = IrAssert.Parse(text);
        AssertProblems(g);
        Verifier.VerifyOrThrow(g);
    }

    [Fact]
    public void Cycle()
    {
        AssertProblems("""
            graph g(%x: f32[2]) -> (%b) {
              %a = Add(%x, %b)
              %b = Relu(%a)
            }
            """,
            "graph 'g' > node 'a' (Add): input 1 %b is read before it is defined (by node 'b' (Relu)); nodes must be in topological order",
            "graph 'g': cycle: node 'b' (Relu) -> node 'a' (Add) -> node 'b' (Relu)");
    }

    [Fact]
    public void CycleThroughASubgraphCapture()
    {
        AssertProblems("""
            graph g(%c: bool[], %x: f32[2]) -> (%b) {
              %r = If(%c) {
                then_branch = graph t() -> (%b) {
                },
                else_branch = graph e() -> (%x) {
                }
              }
              %b = Relu(%r)
            }
            """,
            "graph 'g' > node 'r' (If).then_branch (graph 't'): graph output 0 %b is not visible here",
            "graph 'g': cycle: node 'b' (Relu) -> node 'r' (If) -> node 'b' (Relu)");
    }

    [Fact]
    public void UseBeforeDefinitionWithoutCycle()
    {
        AssertProblems("""
            graph g(%x: f32[2]) -> (%b) {
              %b = Relu(%a)
              %a = Relu(%x)
            }
            """,
            "node 'b' (Relu): input 0 %a is read before it is defined (by node 'a' (Relu))");
    }

    [Fact]
    public void CaptureDefinedAfterTheHoldingNode()
    {
        AssertProblems("""
            graph g(%c: bool[], %x: f32[2]) -> (%r) {
              %r = If(%c) {
                then_branch = graph t() -> (%o) {
                  %o = Relu(%late)
                },
                else_branch = graph e() -> (%x) {
                }
              }
              %late = Relu(%x)
            }
            """,
            "graph 'g' > node 'r' (If).then_branch (graph 't') > node 'o' (Relu): input 0 %late is not visible here: it is defined later in an enclosing graph or inside another subgraph");
    }

    [Fact]
    public void UndefinedValuesAndOutputs()
    {
        var g = new Graph("g");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 2));
        var stray = new Value("stray", TensorType.Of(DataType.Float, 2));
        var n = new Node(TestOps.Registry.Get("Add"), "add");
        n.AddInput(x);
        n.AddInput(stray);
        n.AddOutput(new Value("y", TensorType.Unknown()));
        g.AddNode(n);
        g.Outputs.Add(new Value("nowhere", TensorType.Unknown()));
        AssertProblems(g,
            "node 'add' (Add): input 1 %stray is not defined in this graph or an enclosing one",
            "graph 'g': graph output 0 %nowhere is not defined in this graph or an enclosing one");
    }

    [Fact]
    public void ValuesMustBeDefinedOnce()
    {
        var g = new Graph("g");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 2));
        var shared = new Value("twice", TensorType.Unknown());
        for (int i = 0; i < 2; i++)
        {
            var n = new Node(TestOps.Registry.Get("Relu"), $"r{i}");
            n.AddInput(x);
            n.AddOutput(shared);
            g.AddNode(n);
        }
        var again = new Node(TestOps.Registry.Get("Relu"), "redefines_input");
        again.AddInput(shared);
        again.AddOutput(x);
        g.AddNode(again);
        g.Outputs.Add(shared);
        AssertProblems(g,
            "node 'r0' (Relu): output 0 %twice does not record this node as its producer",
            "graph 'g': value %twice is defined again as output 0 of node 'r1' (Relu) (first defined as output 0 of node 'r0' (Relu) in graph 'g')",
            "graph 'g': value %x is defined again as output 0 of node 'redefines_input' (Relu) (first defined as a graph input in graph 'g')");
    }

    [Fact]
    public void ArityWithinTheSchema()
    {
        AssertProblems("""
            graph g(%x: f32[2]) -> (%x) {
              %a = Relu(%x, %x)
              %b = Add(%x)
              %c = Add(_, %x)
              %d, %e = Relu(%x)
              _, %f = Split2(%x)
              %g = Concat() {axis = 0}
              %h = Concat(%x, %x, %x, %x) {axis = 0}
            }
            """,
            "node 'a' (Relu): has 2 inputs but Relu takes at most 1",
            "node 'b' (Add): has 1 inputs but Add needs at least 2",
            "node 'c' (Add): required input 0 (A) is absent",
            "node 'd' (Relu): has 2 outputs but Relu has at most 1",
            "node 'f' (Split2): required output 0 (first) is absent",
            "node 'g' (Concat): has 0 inputs but Concat needs at least 1");
    }

    [Fact]
    public void AttributesMatchTheSchema()
    {
        AssertProblems("""
            graph g(%x: f32[2]) -> (%x) {
              %a = Concat(%x)
              %b = Concat(%x) {axis = 1.0}
              %c = Relu(%x) {alpha = 0.5}
              %d = Attrs() {ints = [1.5], t = i64[] [1], g = "not a graph", type = type f32[2]}
              %e = ai.onnx.ml::TreeEnsemble(%x) {whatever = [1, 2]}
            }
            """,
            "node 'a' (Concat): required attribute 'axis' is missing",
            "node 'b' (Concat): attribute 'axis' should be int but is float",
            "node 'c' (Relu): unknown attribute 'alpha' (Relu declares none)",
            "node 'd' (Attrs): attribute 'ints' should be ints but is floats",
            "node 'd' (Attrs): attribute 'g' should be graph but is string");
    }

    [Fact]
    public void DeclaredTypesAgreeWithInference()
    {
        AssertProblems("""
            graph g(%x: f32[2], %y: f32[3]) -> (%x) {
              %a = Relu(%x) : i64[2]
              %b = Relu(%x) : f32[3]
              %c = Relu(%x) : f32[2,1]
              %d = Cast(%x) {to = 7} : f32[2]
              %e = Relu(%x) : ?[N]
              %f = Add(%x, %y)
              %g = Buggy(%x)
            }
            """,
            "node 'a' (Relu): output 0 %a is declared i64[2] but the op computes f32[2] (element type)",
            "node 'b' (Relu): output 0 %b is declared f32[3] but the op computes f32[2] (dim 0)",
            "node 'c' (Relu): output 0 %c is declared f32[2,1] but the op computes f32[2] (rank)",
            "node 'd' (Cast): output 0 %d is declared f32[2] but the op computes i64[2] (element type)",
            "node 'f' (Add): type inference fails: node 'f' (Add): cannot broadcast shapes [2] and [3]",
            "node 'g' (Buggy): type inference crashed (IndexOutOfRangeException:");
    }

    [Fact]
    public void InitializerDataMatchesItsType()
    {
        AssertProblems("""
            graph g() -> (%w, %v, %u) {
              init %w: f32[3] = f32[2] [1, 2]
              init %v: i32[2] = f32[2] [1, 2]
              init %u: f32[N] = f32[2] [1, 2]
            }
            """,
            "graph 'g' > initializer %w: declared f32[3] but holds f32[2] data",
            "graph 'g' > initializer %v: declared i32[2] but holds f32[2] data");
    }

    [Fact]
    public void SubgraphsNeedTheirParentLink()
    {
        var g = IrAssert.Parse("""
            graph g(%c: bool[], %x: f32[2]) -> (%r) {
              %r = If(%c) {
                then_branch = graph t() -> (%x) {
                },
                else_branch = graph e() -> (%x) {
                }
              }
            }
            """);
        ((Graph)g.Nodes[0].Attributes.Get("else_branch")!).Parent = null;
        AssertProblems(g, "node 'r' (If): subgraph 'else_branch' has Parent not set to the graph holding its node");
    }

    [Fact]
    public void VerifyOrThrowGivesOneLineWithTheFirstProblem()
    {
        var g = IrAssert.Parse("""
            graph "bad\nname" (%x: f32[2]) -> (%x) {
              %a = Relu(%x, %x) @"evil\nnode"
              %b = Relu(%x) : f32[3]
            }
            """);
        var e = Assert.Throws<EngineException>(() => Verifier.VerifyOrThrow(g));
        Assert.Equal("invalid IR: graph \"bad\\nname\" > node \"evil\\nnode\" (Relu): has 2 inputs but Relu takes at most 1 (and 1 more problem)", e.Message);
    }

    [Fact]
    public void DefaultRegistryGraphsVerify()
    {
        // The real If (with its own inference) and Identity from the default registry.
        var g = IrParser.Parse("""
            graph g(%c: bool[], %x: f32[2]) -> (%r) {
              %r = If(%c) {
                then_branch = graph t() -> (%o) {
                  %o = Identity(%x) : f32[2]
                },
                else_branch = graph e() -> (%x) {
                }
              } : f32[3]
            }
            """, OpRegistry.Default);
        AssertProblems(g, "node 'r' (If): output 0 %r is declared f32[3] but the op computes f32[2] (dim 0)");
    }
}
