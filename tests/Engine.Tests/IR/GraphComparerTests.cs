using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.IR;

using Graph = Engine.Graph.Graph;

public class GraphComparerTests
{
    private static bool Same(string a, string b, out string diff, bool names = false) =>
        GraphComparer.StructurallyEqual(IrAssert.Parse(a), IrAssert.Parse(b), out diff, names);

    private static void AssertSame(string a, string b)
    {
        Assert.True(Same(a, b, out var diff), diff);
        Assert.True(Same(b, a, out diff), diff);
    }

    /// <summary>Requires a difference (both ways) whose description mentions <paramref name="mention"/>.</summary>
    private static void AssertDiffers(string a, string b, string mention)
    {
        Assert.False(Same(a, b, out var diff));
        Assert.Contains(mention, diff);
        Assert.DoesNotContain('\n', diff);
        Assert.False(Same(b, a, out _));
    }

    private const string Base = """
        graph g(%x: f32[2], %y: f32[2]) -> (%out) {
          init %w: f32[2] = [1, 2]
          %a = Add(%x, %w)
          %b = Relu(%y)
          %out = Add(%a, %b) : f32[2]
        }
        """;

    [Fact]
    public void RenamedValuesAndNodesAreEqualUnlessNamesAreCompared()
    {
        const string renamed = """
            graph other(%p: f32[2], %q: f32[2]) -> (%r) {
              init %k: f32[2] = [1, 2]
              %s = Add(%p, %k) @first
              %t = Relu(%q)
              %r = Add(%s, %t) : f32[2]
            }
            """;
        AssertSame(Base, renamed);
        Assert.False(Same(Base, renamed, out var diff, names: true));
        Assert.Contains("graph name", diff);
        Assert.True(Same(Base, Base, out diff, names: true), diff);
    }

    [Fact]
    public void NodeAndInitializerOrderDoNotMatter()
    {
        const string reordered = """
            graph g(%x: f32[2], %y: f32[2]) -> (%out) {
              init %unused: i64[] = [5]
              init %w: f32[2] = [1, 2]
              %b = Relu(%y)
              %dead = Relu(%b)
              %a = Add(%x, %w)
              %out = Add(%a, %b) : f32[2]
            }
            """;
        const string original = """
            graph g(%x: f32[2], %y: f32[2]) -> (%out) {
              init %w: f32[2] = [1, 2]
              init %unused: i64[] = [5]
              %a = Add(%x, %w)
              %b = Relu(%y)
              %dead = Relu(%b)
              %out = Add(%a, %b) : f32[2]
            }
            """;
        AssertSame(original, reordered);
    }

    [Fact]
    public void EachKindOfChangeIsADifference()
    {
        AssertDiffers(Base, Base.Replace("%out = Add(%a, %b)", "%out = Add(%b, %a)"), "input 0 of node 'out' (Add)");
        AssertDiffers(Base, Base.Replace("%b = Relu(%y)", "%b = Relu(%x)"), "input 0 of node 'b' (Relu)");
        AssertDiffers(Base, Base.Replace("%b = Relu(%y)", "%b = Identity(%y)"), "different ops");
        AssertDiffers(Base, Base.Replace("[1, 2]", "[1, 2.0000002]"), "initializer %w");
        AssertDiffers(Base, Base.Replace(": f32[2]\n", ": f32[3]\n"), "type f32[2]");
        AssertDiffers(Base, Base.Replace(": f32[2]\n", "\n"), "type f32[2]");
        AssertDiffers(Base, Base.Replace("%y: f32[2]", "%y: f32[N]"), "input 1");
        AssertDiffers(Base, Base.Replace("-> (%out)", "-> (%out, %a)"), "1 outputs vs 2");
        AssertDiffers(Base, Base.Replace("-> (%out)", "-> (%a)"), "output 0");
        AssertDiffers(Base, Base.Replace("%b = Relu(%y)", "%b = Relu(%y)\n  %extra = Relu(%y)"), "nodes vs");
        AssertDiffers(Base, Base.Replace("init %w: f32[2] = [1, 2]", "init %w: f32[2] = [1, 2]\n  init %v: f32[2] = [1, 2]"), "initializers");
        AssertDiffers(Base, Base.Replace("%a = Add(%x, %w)", "%a = Add(%x, %y)"), "an initializer but");
    }

    [Fact]
    public void TypesCanBeLeftOutOfTheComparison()
    {
        var typed = IrAssert.Parse(Base);
        var untyped = IrAssert.Parse(Base.Replace(" : f32[2]", "").Replace("%y: f32[2]", "%y"));
        Assert.False(GraphComparer.StructurallyEqual(typed, untyped));
        Assert.True(GraphComparer.StructurallyEqual(typed, untyped, out var diff, compareTypes: false), diff);
        var otherData = IrAssert.Parse(Base.Replace("[1, 2]", "[1, 3]"));
        Assert.False(GraphComparer.StructurallyEqual(typed, otherData, compareTypes: false));
    }

    [Fact]
    public void AttributesCompareByEffectiveValueBitForBit()
    {
        const string g = "graph g() -> (%y) {\n  %y = Attrs() {ATTR}\n}";
        string With(string attr) => g.Replace("ATTR", attr);
        AssertSame(With("i = 0"), g.Replace(" {ATTR}", "")); // explicit default equals omitted
        AssertSame(With("f = nan"), With("f = nan"));
        AssertDiffers(With("f = 0.0"), With("f = -0.0"), "attribute 'f' differs (0.0 vs -0.0)");
        AssertDiffers(With("f = nan"), With("f = nan(0x7FC00001)"), "attribute 'f'");
        AssertDiffers(With("i = 1"), With("i = 2"), "attribute 'i'");
        AssertDiffers(With("ints = [1, 2]"), With("ints = [1, 2, 3]"), "attribute 'ints'");
        AssertDiffers(With("i = 1"), With("i = 1.0"), "attribute 'i'");
        AssertDiffers(With("s = \"a\""), With("s = \"A\""), "attribute 's'");
        AssertDiffers(With("strings = [\"a\"]"), With("strings = [\"a\", \"\"]"), "attribute 'strings'");
        AssertDiffers(With("t = f32[2] [1, 2]"), With("t = f32[1,2] [1, 2]"), "attribute 't'");
        AssertDiffers(With("t = string[1] [\"x\"]"), With("t = string[1] [\"y\"]"), "attribute 't'");
        AssertDiffers(With("ts = [i64[] [1]]"), With("ts = [i32[] [1]]"), "attribute 'ts'");
        AssertDiffers(With("type = type f32[2]"), With("type = type f32[N]"), "attribute 'type'");
        AssertDiffers(With("i = 1"), With("s = \"1\""), "attribute 'i' differs (1 vs 0)");
    }

    private const string WithIf = """
        graph g(%c: bool[], %x: f32[2]) -> (%r) {
          %a = Relu(%x)
          %b = Identity(%x)
          %r = If(%c) {
            then_branch = graph t() -> (%o) {
              %o = Add(%a, %x)
            },
            else_branch = graph e() -> (%b) {
            }
          }
        }
        """;

    [Fact]
    public void SubgraphsAndTheirCapturesAreCompared()
    {
        AssertSame(WithIf, WithIf.Replace("%o", "%renamed").Replace("graph t()", "graph other()"));
        AssertDiffers(WithIf, WithIf.Replace("%o = Add(%a, %x)", "%o = Add(%b, %x)"), "subgraph 't'");
        AssertDiffers(WithIf, WithIf.Replace("%o = Add(%a, %x)", "%o = Add(%x, %a)"), "subgraph 't'");
        AssertDiffers(WithIf, WithIf.Replace("graph e() -> (%b)", "graph e() -> (%a)"), "captured by subgraph 'e'");
        AssertDiffers(WithIf, WithIf.Replace("graph t() -> (%o)", "graph t(%z: f32[2]) -> (%o)"), "0 inputs vs 1");
    }

    [Fact]
    public void DeepChainsDoNotOverflowTheStack()
    {
        static Graph Chain(int n, float last)
        {
            var g = new Graph("chain");
            Value v = g.AddInput("x", TensorType.Of(DataType.Float, 1));
            for (int i = 0; i < n; i++)
            {
                var node = new Node(TestOps.Registry.Get("Relu"), $"r{i}");
                node.AddInput(v);
                v = node.AddOutput(new Value($"v{i}", TensorType.Unknown()));
                g.AddNode(node);
            }
            var add = new Node(TestOps.Registry.Get("Add"), "add");
            add.AddInput(v);
            add.AddInput(g.AddInitializer("c", Tensor.FromArray(new[] { last }, 1)));
            g.AddNode(add);
            g.Outputs.Add(add.AddOutput(new Value("y", TensorType.Unknown())));
            return g;
        }
        Assert.True(GraphComparer.StructurallyEqual(Chain(20_000, 1), Chain(20_000, 1), out var diff), diff);
        Assert.False(GraphComparer.StructurallyEqual(Chain(20_000, 1), Chain(20_000, 2), out diff));
        Assert.Contains("initializer %c", diff);
    }
}
