using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.IR;

public class IrParserErrorTests
{
    /// <summary>Parses and returns the error, requiring the one-line "IR text L:C:" form.</summary>
    private static string Error(string text)
    {
        var e = Assert.Throws<EngineException>(() => IrAssert.Parse(text));
        Assert.StartsWith("IR text ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData("graph g(%x) -> (%y) {\n  %y = Nope(%x)\n}", "IR text 2:8: unknown op Nope")]
    [InlineData("graph g(%x) -> (%y) {\n  %y = ai.onnx.ml::Add(%x)\n}", "IR text 2:8: unknown op ai.onnx.ml::Add")]
    [InlineData("graph g(%x) -> (%y) {\n  %y = Relu(%z)\n}", "IR text 2:13: undefined value %z")]
    [InlineData("graph g(%x) -> (%q) {\n}", "IR text 1:17: undefined value %q")]
    [InlineData("graph g(%x) -> (%x) {\n  %x = Relu(%x)\n}", "IR text 2:3: value %x is defined twice in this graph")]
    [InlineData("graph g(%x) -> (%x) {\n  %y, %y = Split2(%x)\n}", "IR text 2:7: value %y is defined twice in this graph")]
    [InlineData("graph g(%x) -> (%x) {\n  init %w: f32[2] = [1, 2, 3]\n}", "IR text 2:21: f32[2] needs 2 elements but 3 are given")]
    [InlineData("graph g(%x) -> (%x) {\n  init %w: u8[2] = [1, 256]\n}", "IR text 2:24: 256 is out of range for u8")]
    [InlineData("graph g(%x) -> (%x) {\n  init %w: i32[1] = [1.5]\n}", "IR text 2:22: expected an integer, found '1.5'")]
    [InlineData("graph g(%x) -> (%x) {\n  init %w: bool[1] = [yes]\n}", "IR text 2:23: expected true or false, found 'yes'")]
    [InlineData("graph g(%x) -> (%x) {\n  init %w: f32[N] = [1]\n}", "IR text 2:21: initializer %w has type f32[N]; untyped data needs a supported element type and constant dims")]
    [InlineData("graph g(%x) -> (%x) {\n  init %w = [1]\n}", "IR text 2:13: initializer %w needs a type (init %w: f32[2] = …) or a typed literal")]
    [InlineData("graph g(%x) -> (%x) {\n  init %w: f32[2] = 0x0000\n}", "IR text 2:21: hex data holds 2 bytes but f32[2] needs 8")]
    [InlineData("graph g(%x) -> (%x) {\n  init %w: string[1] = 0x00\n}", "IR text 2:24: string tensors cannot be written as hex bytes")]
    [InlineData("graph g(%x: f33[2]) -> (%x) {\n}", "IR text 1:13: expected an element type (f32, i64, bool, …) but found 'f33'")]
    [InlineData("graph g(%x: f32[2) -> (%x) {\n}", "IR text 1:18: expected ']' to close the shape but found ')'")]
    [InlineData("graph g(%x: f32[-1]) -> (%x) {\n}", "IR text 1:17: expected a dimension (a size, a symbol or '?') but found '-1'")]
    [InlineData("graph g(%x -> (%x) {\n}", "IR text 1:12: expected ')' after the graph's inputs but found '->'")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Relu(%x)\n", "IR text 3:1: graph 'g' is not closed with '}'")]
    [InlineData("graph g(%x) -> (%x) {\n} extra", "IR text 2:3: expected end of input after the graph but found 'extra'")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {s = \"abc}\n}", "IR text 2:21: unterminated string (newline inside quotes; write \\n)")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {s = \"a\\qb\"}\n}", "IR text 2:23: unknown escape '\\q' in string")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {s = \"\\u12\"}\n}", "IR text 2:22: \\u must be followed by 4 hex digits")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {i = 1, i = 2}\n}", "IR text 2:24: attribute 'i' is given twice")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {i = 99999999999999999999}\n}", "IR text 2:21: integer 99999999999999999999 does not fit in 64 bits")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {ints = [1, \"a\"]}\n}", "IR text 2:28: expected an integer but found \"a\"")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {f = nan(0x00000001)}\n}", "IR text 2:25: 0x00000001 is not a NaN bit pattern")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {t = f32[?] [1]}\n}", "IR text 2:21: a tensor literal needs a supported element type and constant dims, not f32[?]")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Attrs() {i = }\n}", "IR text 2:21: expected an attribute value but found '}'")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Relu(%x) : f32[2], f32[2]\n}", "IR text 2:8: node Relu lists 2 output types for 1 outputs")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Relu(%x) $\n}", "IR text 2:17: unexpected character '$'")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = Relu(%x)\n  % = Relu(%x)\n}", "IR text 3:4: expected a name after '%'")]
    [InlineData("graph g(%x) -> (%x) {\n  %y = 3(%x)\n}", "IR text 2:8: expected an op name but found '3'")]
    [InlineData("grph g() -> () {}", "IR text 1:1: expected 'graph' but found 'grph'")]
    [InlineData("", "IR text 1:1: expected 'graph' but found end of input")]
    public void ErrorsNameLineAndColumn(string text, string expected) => Assert.Equal(expected, Error(text));

    [Fact]
    public void SubgraphsCannotSeeSiblingOrInnerValues()
    {
        const string text = """
            graph g(%c: bool[]) -> (%r) {
              %r = If(%c) {
                then_branch = graph a() -> (%inner) {
                  %inner = Relu(%c)
                },
                else_branch = graph b() -> (%inner) {
                }
              }
            }
            """;
        Assert.Equal("IR text 6:33: undefined value %inner", Error(text));
    }

    [Fact]
    public void CommentsAndFreeLayoutAreAccepted()
    {
        var g = IrAssert.Parse("""
            # a comment before the graph
            graph g(%x: f32[2]) -> (%y) {  # trailing comment
              %y = Relu(
                %x)   # statements may span lines
            }
            """);
        Assert.Single(g.Nodes);
    }

    [Fact]
    public void DeepNestingIsRefusedNotOverflowed()
    {
        var sb = new System.Text.StringBuilder("graph g(%c: bool[]) -> () {\n");
        for (int i = 0; i < 100; i++) sb.Append("If(%c) { then_branch = graph t() -> () {\n");
        var e = Assert.Throws<EngineException>(() => IrAssert.Parse(sb.ToString()));
        Assert.Contains("subgraphs nest more than 64 deep", e.Message);
    }

    /// <summary>Every prefix and many corruptions of valid text either parse or fail with a one-line EngineException.</summary>
    [Fact]
    public void DamagedTextNeverCrashesTheParser()
    {
        const string text = """
            graph main(%x: f32[N,2], %c: bool[]) -> (%y, %r) {
              init %w: f32[2] = [1.5, -2]
              init %s: string[2] = ["a\n", "b"]
              init %h: u8[2] = 0x00ff
              %t = Relu(%x) : f32[N,2]
              %y, _, %z = Opt(%t, _, %w) {} @"n 1"
              %q = Attrs(%y) {i = -3, f = nan(0x7FC00001), s = "x", ints = [1, 2], floats = [1.0, inf], strings = ["p"], t = i64[2] [1, 2], ts = [f16[] [0.5]], type = type ?[*]}
              %r = If(%c) {
                then_branch = graph a() -> (%o) {
                  %o = Add(%t, %w)
                },
                else_branch = graph b() -> (%t) {
                }
              }
            }
            """;
        IrAssert.Parse(text);
        var rng = new Random(1234);
        const string alphabet = "%@\"#()[]{},=:*?_-.0x1e9af graph init nan inf \\\n";
        for (int i = 0; i <= text.Length; i++)
        {
            Check(text[..i]);
            var chars = text.ToCharArray();
            chars[rng.Next(chars.Length)] = alphabet[rng.Next(alphabet.Length)];
            Check(new string(chars));
            Check(text.Remove(rng.Next(text.Length), 1));
        }

        static void Check(string damaged)
        {
            try
            {
                IrAssert.Parse(damaged);
            }
            catch (EngineException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }
    }
}
