using Engine.Codegen;
using Engine.Runtime;
using static Engine.Tests.Codegen.Lowerings.LoweringTestKit;

namespace Engine.Tests.Codegen.Lowerings;

public class RecurrentLoweringTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var op in new[] { "RNN", "GRU", "LSTM" })
            foreach (bool full in new[] { false, true })
                foreach (var p in new[] { VectorPath.Scalar, VectorPath.Vector512 })
                    yield return [op, full, p];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(string op, bool full, VectorPath path)
    {
        if (!Supported(path)) return;
        int gates = op switch { "RNN" => 1, "GRU" => 3, _ => 4 };
        int seq = 5, batch = 3, input = 7, hidden = 9, dirs = full ? 2 : 1;
        var w = CodegenTestKit.Random(1, dirs, gates * hidden, input);
        var r = CodegenTestKit.Random(2, dirs, gates * hidden, hidden);
        var b = CodegenTestKit.Random(3, dirs, 2 * gates * hidden);
        var p = CodegenTestKit.Random(4, dirs, 3 * hidden);
        string outs = op == "LSTM" ? "%y, %yh, %yc" : "%y, %yh";
        string attrs = $"hidden_size = {hidden}";
        string args;
        string decl = full ? $"%x: f32[{batch},{seq},{input}], %h0: f32[{batch},{dirs},{hidden}], %c0: f32[{batch},{dirs},{hidden}], %lens: i32[{batch}]"
                           : $"%x: f32[{seq},{batch},{input}]";
        if (full)
        {
            string acts = op switch
            {
                "RNN" => "\"Tanh\", \"Relu\"",
                "GRU" => "\"Sigmoid\", \"Tanh\", \"HardSigmoid\", \"Softsign\"",
                _ => "\"Sigmoid\", \"Tanh\", \"Tanh\", \"Sigmoid\", \"LeakyRelu\", \"Tanh\"",
            };
            attrs += $", direction = \"bidirectional\", layout = 1, clip = 2.5, activations = [{acts}]" + (op == "GRU" ? ", linear_before_reset = 1" : "");
            args = op == "LSTM" ? "%x, %w, %r, %b, %lens, %h0, %c0, %p" : "%x, %w, %r, %b, %lens, %h0";
        }
        else
        {
            args = "%x, %w, %r";
        }
        var g = CodegenTestKit.Parse($$"""
            graph main({{decl}}) -> ({{outs}}) {
              {{LoweringHarness.Text("w", w)}}
              {{LoweringHarness.Text("r", r)}}
              {{LoweringHarness.Text("b", b)}}
              {{LoweringHarness.Text("p", p)}}
              {{outs}} = {{op}}({{args}}) {{{attrs}}}
            }
            """);
        var inputs = CodegenTestKit.RandomInputs(g);
        if (full) inputs["lens"] = Tensor.FromArray(new[] { seq, 2, seq - 1 }, batch);
        var src = AssertMatches(g, inputs, path);
        Assert.Contains("Recurrent.Run", src);
    }

    [Fact]
    public void DeclinesRuntimeWeights()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[2,1,3], %w: f32[1,4,3], %r: f32[1,4,4]) -> (%y) {
              %y = RNN(%x, %w, %r) {hidden_size = 4}
            }
            """);
        Assert.Contains("not a constant", Declines(g));
    }
}
