using Engine.Codegen;
using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Tests.Codegen;

/// <summary>Fused groups from the real O3 pipeline: anchor + epilogue, multi-output loops, bodies lowered node by node.</summary>
public class FusedGroupCodegenTests
{
    private static Graph.Graph Optimize(Graph.Graph g)
    {
        PassManager.Run(g, Pipelines.ForLevel(3), new PassContext());
        Assert.Contains(g.Nodes, n => CSharpEmitterFacts.IsFused(n));
        return g;
    }

    [Theory]
    [MemberData(nameof(CodegenTestKit.Paths), MemberType = typeof(CodegenTestKit))]
    public void MatMulBiasReluResidualIsOneGemmWithAnEpilogue(VectorPath path)
    {
        var g = new Graph.Graph("epi");
        var r = OpRegistry.Default;
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 5, 24));
        var res = g.AddInput("res", TensorType.Of(DataType.Float, 5, 19));
        var w = g.AddInitializer("w", CodegenTestKit.Random(1, 24, 19));
        var b = g.AddInitializer("b", CodegenTestKit.Random(2, 19));
        Value Op(string op, params Value[] ins) => g.AddNode(NodeFactory.Create(r.Get(op), op.ToLowerInvariant(), ins)).Outputs[0]!;
        var y = Op("Add", Op("Relu", Op("Add", Op("MatMul", x, w), b)), res);
        g.Outputs.Add(y);
        TypePropagation.Run(g);
        var inputs = CodegenTestKit.RandomInputs(g);
        var expected = new ReferenceExecutor(g).Run(inputs).Values.Single();
        Optimize(g);
        using var m = CompiledModel.Compile(g, new CodegenOptions { Vector = path });
        Assert.Null(Engine.Onnx.Conformance.OutputComparer.Compare(expected, m.Run(inputs).Values.Single(), 1e-4, 1e-5));
        Assert.Empty(m.Report.Fallbacks);
        var fused = Assert.Single(m.Report.Nodes);
        // O3 turns MatMul + Add(b) into Gemm with C = b (the lowering's own bias); Relu and the residual are the epilogue.
        Assert.Contains("MatMulLowering + epilogue relu +residual", fused.Detail);
        Assert.Single(m.Source.Split('\n'), l => l.Contains("PackedGemm.Run("));
    }

    [Fact]
    public void ElementwiseGroupWithTwoResultsIsOneLoopWithTwoStores()
    {
        var g = CodegenTestKit.Parse("""
            graph two(%x: f32[6,35], %c: f32[35]) -> (%a, %y) {
              %s = Sigmoid(%x)
              %a = Mul(%s, %c)
              %n = Neg(%a)
              %y = Exp(%n)
            }
            """);
        var inputs = CodegenTestKit.RandomInputs(g);
        var expected = new ReferenceExecutor(g).Run(inputs);
        Optimize(g);
        using var m = CompiledModel.Compile(g, new CodegenOptions { Vector = VectorPath.Vector256 });
        var actual = m.Run(inputs);
        foreach (var (name, t) in expected) Assert.Null(Engine.Onnx.Conformance.OutputComparer.Compare(t, actual[name], 1e-4, 1e-5));
        Assert.Empty(m.Report.Fallbacks);
        Assert.Single(m.Report.Nodes);
        Assert.Equal(2, m.Source.Split('\n').Count(l => l.Contains(".Store(")));
    }

    [Fact]
    public void ReducePrologueBodyIsLoweredNodeByNodeWithoutAWholeGroupFallback()
    {
        var g = CodegenTestKit.Parse("""
            graph red(%x: f32[4,9,10]) -> (%y) {
              init %axes: i64[1] = [2]
              %e = Exp(%x)
              %m = Mul(%e, %x)
              %y = ReduceSum(%m, %axes)
            }
            """);
        var inputs = CodegenTestKit.RandomInputs(g);
        var expected = new ReferenceExecutor(g).Run(inputs)["y"];
        Optimize(g);
        using var m = CompiledModel.Compile(g);
        Assert.Null(Engine.Onnx.Conformance.OutputComparer.Compare(expected, m.Run(inputs)["y"], 1e-4, 1e-5));
        // The elementwise prologue ops are generated loops writing into scratch; only ReduceSum (no lowering here) falls back.
        Assert.Contains("body node by node", m.Source);
        Assert.Contains(m.Report.Nodes, n => n.Op == "Exp" && n.Outcome == NodeOutcome.Lowered);
        Assert.All(m.Report.Fallbacks, f => Assert.Equal("ReduceSum", f.Op));
        Assert.True(m.Report.ScratchBytes >= 2 * 4 * 9 * 10 * sizeof(float));
    }
}
