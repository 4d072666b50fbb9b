using Engine.Codegen;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Codegen;

/// <summary>
/// An <c>ai.engine::Fused</c> node (body graph attribute, as the fusion pass will produce) becomes
/// one loop. The op is not registered on main yet, so the test builds its schema by hand.
/// </summary>
public class FusedCodegenTests
{
    public static TheoryData<VectorPath> VectorPaths => CodegenTestKit.Paths;

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void FusedElementwiseBodyIsOneLoopMatchingTheBodyOnTheReference(VectorPath path)
    {
        var body = CodegenTestKit.Parse("""
            graph body(%p: f32[4,37], %q: f32[37]) -> (%r) {
              init %lo: f32[] = [0.1]
              %s = Add(%p, %q)
              %t = Sigmoid(%s)
              %u = Mul(%t, %p)
              %r = Clip(%u, %lo)
            }
            """);
        var g = new Graph.Graph("outer");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 4, 37));
        var row = g.AddInput("row", TensorType.Of(DataType.Float, 37));
        var node = new Node(new OpSchema(OpRegistry.EngineDomain, "Fused"), "fused0");
        node.AddInput(x);
        node.AddInput(row);
        node.Attributes.Set("body", body);
        node.Attributes.Set("kind", "ElemWise");
        var y = node.AddOutput(new Value("y", TensorType.Of(DataType.Float, 4, 37)));
        g.AddNode(node);
        g.Outputs.Add(y);

        var inputs = CodegenTestKit.RandomInputs(g);
        var expected = new ReferenceExecutor(body).Run(new Dictionary<string, Tensor> { ["p"] = inputs["x"], ["q"] = inputs["row"] })["r"];
        using var m = CompiledModel.Compile(g, new CodegenOptions { Vector = path });
        Assert.Null(Engine.Onnx.Conformance.OutputComparer.Compare(expected, m.Run(inputs)["y"], 1e-5, 1e-6));
        Assert.Equal(["fused0"], m.Report.InlinedNodes.ToArray());
        Assert.Empty(m.Report.Fallbacks);
        Assert.Contains("[Add Sigmoid Mul Clip]", m.Source);
        Assert.Contains("one loop", m.Source);
        // One loop nest: one vector store (unless scalar) and one scalar tail store.
        Assert.Equal(path == VectorPath.Scalar ? 0 : 1, m.Source.Split('\n').Count(l => l.Contains(".Store(")));
        Assert.Single(m.Source.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*d_\d+\[od_\d+ \+ j_\d+\] ="));
    }
}
