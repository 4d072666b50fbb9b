using Engine.Codegen;
using Engine.Runtime;

namespace Engine.Tests.Codegen;

/// <summary>Generated elementwise loops (scalar, Vector256, Vector512) against the reference executor.</summary>
public class ElementwiseCodegenTests
{
    public static TheoryData<VectorPath> Paths => CodegenTestKit.Paths;

    [Theory]
    [MemberData(nameof(Paths))]
    public void BroadcastArithmeticMatchesReference(VectorPath path)
    {
        // Row ([37]), column ([4,1]), scalar ([]) and 3-D ([3,1,37] against [4,37]) broadcasting; 37 leaves a vector tail.
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[4,37], %row: f32[37], %col: f32[4,1], %s: f32[], %z: f32[3,1,37]) -> (%y, %w, %u) {
              %a = Add(%x, %row)
              %b = Mul(%a, %col)
              %c = Sub(%b, %s)
              %d = Div(%c, %col)
              %y = Sub(%s, %d)
              %w = Add(%z, %x)
              %u = Mul(%col, %row)
            }
            """);
        var m = CodegenTestKit.AssertMatchesReference(g, CodegenTestKit.RandomInputs(g), path);
        Assert.Empty(m.Report.Fallbacks);
        Assert.Equal(7, m.Report.InlinedNodes.Count);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void UnaryAndParametrisedOpsMatchReference(VectorPath path)
    {
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[5,40], %r: f32[40]) -> (%o1, %o2, %o3, %o4, %o5, %o6, %o7, %o8, %o9) {
              init %lo: f32[] = [-0.5]
              init %hi: f32[] = [0.75]
              %o1 = Relu(%x)
              %o2 = Sigmoid(%x)
              %o3 = Tanh(%x)
              %e = Exp(%x)
              %n = Neg(%e)
              %o4 = Abs(%n)
              %q = Abs(%x)
              %o5 = Sqrt(%q)
              %o6 = Clip(%x, %lo, %hi)
              %o7 = LeakyRelu(%x) {alpha = 0.2}
              %m = Max(%x, %r)
              %o8 = Min(%m, %o7)
              %o9 = Sign(%x)
            }
            """);
        var m = CodegenTestKit.AssertMatchesReference(g, CodegenTestKit.RandomInputs(g), path);
        Assert.Empty(m.Report.Fallbacks);
        if (path != VectorPath.Scalar) Assert.Contains(path == VectorPath.Vector512 ? "Vector512.Load(" : "Vector256.Load(", m.Source);
        else Assert.DoesNotContain("Vector", m.Source.Split("Run(")[1].Split("private static string Str")[0]);
    }

    [Fact]
    public void OutputThatIsAlsoReadLaterAndRepeatedOutputsAreCopied()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[3,9]) -> (%a, %b, %a, %x) {
              %a = Relu(%x)
              %b = Neg(%a)
            }
            """);
        var inputs = CodegenTestKit.RandomInputs(g);
        using var m = CompiledModel.Compile(g, new CodegenOptions { Vector = VectorPath.Vector256 });
        var outs = new Engine.Graph.ReferenceExecutor(g).Run(inputs);
        var got = m.Run(inputs);
        Assert.Equal(outs["a"].As<float>(), got["a"].As<float>());
        Assert.Equal(outs["b"].As<float>(), got["b"].As<float>());
        Assert.Equal(inputs["x"].As<float>(), got["x"].As<float>());
    }

    [Fact]
    public void NonStaticShapeFailsNamingTheValue()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[N,4]) -> (%y) {
              %y = Relu(%x)
            }
            """);
        var e = Assert.Throws<EngineException>(() => CompiledModel.Compile(g));
        Assert.Contains("'x'", e.Message);
        Assert.Contains("static", e.Message);
    }

    [Fact]
    public void WrongInputShapeIsReported()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[2,4]) -> (%y) {
              %y = Relu(%x)
            }
            """);
        using var m = CompiledModel.Compile(g);
        var e = Assert.Throws<EngineException>(() => m.Run(new Dictionary<string, Tensor> { ["x"] = CodegenTestKit.Random(1, 4, 2) }));
        Assert.Contains("'x'", e.Message);
    }
}

/// <summary>Non-float inputs and outputs travel as their own typed spans through fallback kernels.</summary>
public class TypedSpanCodegenTests
{
    [Fact]
    public void IntegerAndBoolValuesUseTypedSpans()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[3,5], %idx: i64[4]) -> (%g, %b, %n, %w) {
              init %w: f32[2] = [1.5, -2]
              %g = Gather(%x, %idx) {axis = 1}
              %b = Greater(%g, %w2)
              %n = Add(%idx, %idx)
              init %w2: f32[] = [0.25]
            }
            """);
        var inputs = new Dictionary<string, Tensor>
        {
            ["x"] = CodegenTestKit.Random(3, 3, 5),
            ["idx"] = Tensor.FromArray(new long[] { 4, 0, -1, 2 }, 4),
        };
        using var m = CompiledModel.Compile(g, new CodegenOptions { Vector = VectorPath.Vector256 });
        Assert.Contains("ReadOnlySpan<long> input1", m.Source);
        Assert.Contains("Span<bool> output1", m.Source);
        var expected = new Engine.Graph.ReferenceExecutor(g).Run(inputs);
        var got = m.Run(inputs);
        Assert.Equal(expected["g"].As<float>(), got["g"].As<float>());
        Assert.Equal(expected["b"].As<bool>(), got["b"].As<bool>());
        Assert.Equal(expected["n"].As<long>(), got["n"].As<long>());
        Assert.Equal(new[] { 1.5f, -2f }, got["w"].As<float>());
        Assert.Contains(m.Report.Fallbacks, f => f.Op == "Add" && f.Reason.Contains("float32"));
    }
}
