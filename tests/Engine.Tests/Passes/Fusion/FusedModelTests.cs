using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Passes;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Engine.Tests.Passes.Fusion;

/// <summary>
/// The shared real models give the same outputs at O3 (fused) as at O0, and a fused model survives
/// ONNX export and re-import (the ai.engine domain gets its own opset import).
/// </summary>
public class FusedModelTests(ITestOutputHelper output)
{
    public static TheoryData<string> ModelNames => new() { "mnist", "ultraface", "light_resnet50" };

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void O3MatchesO0(string name)
    {
        var (o0, inputs) = Load(name);
        var o3 = Load(name).Model;
        PassManager.Run(o0.Graph, Pipelines.ForLevel(0), new PassContext());
        int before = o3.Graph.Nodes.Count;
        PassManager.Run(o3.Graph, Pipelines.ForLevel(3), new PassContext());
        var fused = o3.Graph.Nodes.Where(n => n.Domain == OpRegistry.EngineDomain).ToList();
        output.WriteLine($"{name}: {before} nodes at O0, {o3.Graph.Nodes.Count} at O3 ({fused.Count} fused: "
            + string.Join(", ", fused.GroupBy(n => n.Attributes.GetString("kind")).Select(g => $"{g.Count()} {g.Key}")) + "); remaining ops: "
            + string.Join(", ", o3.Graph.Nodes.GroupBy(n => n.OpType).Select(g => $"{g.Key}×{g.Count()}")));
        Assert.NotEmpty(fused);
        var expected = new ReferenceExecutor(o0.Graph, Environment.ProcessorCount).Run(inputs);
        var actual = new ReferenceExecutor(o3.Graph, Environment.ProcessorCount).Run(inputs);
        foreach (var (outName, e) in expected)
        {
            var diff = OutputComparer.Compare(e, actual[outName], 1e-4, 1e-5);
            Assert.True(diff is null, $"{name} output '{outName}': {diff}");
        }
    }

    [Theory]
    [InlineData("mnist")]
    [InlineData("ultraface")]
    public void FusedModelSurvivesOnnxExport(string name)
    {
        var (m, inputs) = Load(name);
        PassManager.Run(m.Graph, Pipelines.ForLevel(3), new PassContext());
        var proto = OnnxExporter.Export(m);
        Assert.Contains(proto.OpsetImport, o => o.Domain == OpRegistry.EngineDomain && o.Version == 1);
        var back = new OnnxImporter().Import(Onnx.Proto.ModelProto.Parser.ParseFrom(proto.ToByteArray()), name + "-fused");
        Assert.Equal(m.Graph.Nodes.Count(n => n.Domain == OpRegistry.EngineDomain), back.Graph.Nodes.Count(n => n.Domain == OpRegistry.EngineDomain));
        Verifier.VerifyOrThrow(back.Graph);
        var expected = new ReferenceExecutor(m.Graph).Run(inputs);
        var actual = new ReferenceExecutor(back.Graph).Run(inputs);
        foreach (var (outName, e) in expected)
        {
            Assert.True(GraphComparer.TensorsEqual(e, actual[outName]), $"{name} output '{outName}' changed through export");
        }
    }

    [Fact]
    public void BodyConstantsSurviveOnnxExport()
    {
        var g = PassAssert.Parse("""
            graph main(%a: f32[2,4], %b: f32[4,3], %c: f32[3]) -> (%y) {
              init %lo: f32[] = [0]
              init %hi: f32[] = [0.5]
              %g = Gemm(%a, %b, %c)
              %y = Clip(%g, %lo, %hi)
            }
            """);
        Assert.True(new OperatorFusion().Run(g, new PassContext()));
        var bytes = OnnxExporter.Export(g).ToByteArray();
        var back = new OnnxImporter().Import(Onnx.Proto.ModelProto.Parser.ParseFrom(bytes), "fused-gemm-clip").Graph;
        Verifier.VerifyOrThrow(back);
        Assert.True(GraphComparer.StructurallyEqual(g, back, out var diff), diff);
        var body = (Graph.Graph)back.Nodes.Single().Attributes.Get("body")!;
        Assert.Equal(2, body.InitializerValues.Count);
    }

    private static (Model Model, Dictionary<string, Tensor> Inputs) Load(string name)
    {
        if (name.StartsWith("light_", StringComparison.Ordinal))
        {
            var model = new OnnxImporter().Load(Paths.SharedPath("onnx", "other", "light", name + ".onnx"));
            var g = model.Graph;
            var input = g.Inputs.First(v => !g.IsInitializer(v));
            var t = Tensor.Zeros(DataType.Float, input.Type.StaticShape());
            var data = t.As<float>();
            for (int i = 0; i < data.Length; i++) data[i] = (float)i / data.Length;
            return (model, new Dictionary<string, Tensor> { [input.Name] = t });
        }
        var dir = Paths.SharedPath("models", name);
        var m = new OnnxImporter().Load(Path.Combine(dir, "model.onnx"));
        var set = Path.Combine(dir, "test_data_set_0");
        var tensors = Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
        return (m, InputBinder.Bind(m.Graph, tensors));
    }
}
