using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;

namespace Engine.Tests.Models;

/// <summary>
/// The shared real models (MNIST, Ultraface) run on the reference executor and match ONNX Runtime's
/// recorded outputs; exporting them and running the export in ORT gives the same outputs again.
/// </summary>
public class RealModelTests
{
    public static TheoryData<string> ModelNames => new() { "mnist", "ultraface" };

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void ReferenceExecutorMatchesRecordedOutputs(string name)
    {
        var (model, inputs, expected) = Load(name);
        var outs = new ReferenceExecutor(model.Graph).Run(inputs);
        for (int i = 0; i < expected.Count; i++)
        {
            var diff = OutputComparer.Compare(expected[i].Tensor, outs[model.Graph.Outputs[i].Name], 1e-3, 1e-4);
            Assert.True(diff is null, $"{name} output {i}: {diff}");
        }
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void ExportRunsInOrtWithSameOutputs(string name)
    {
        var (model, inputs, expected) = Load(name);
        var exported = OnnxExporter.Export(model).ToByteArray();
        var ort = OrtRunner.Run(exported, inputs);
        var reimported = new OnnxImporter().Import(Onnx.Proto.ModelProto.Parser.ParseFrom(exported), name + "-export");
        var ours = new ReferenceExecutor(reimported.Graph).Run(inputs);
        for (int i = 0; i < expected.Count; i++)
        {
            var outName = model.Graph.Outputs[i].Name;
            Assert.True(OutputComparer.Compare(expected[i].Tensor, ort[outName], 1e-3, 1e-4) is not { } d1, $"ORT on export: {name} output {i}");
            Assert.True(OutputComparer.Compare(expected[i].Tensor, ours[outName], 1e-3, 1e-4) is not { } d2, $"re-imported export: {name} output {i}");
        }
    }

    private static (Model Model, Dictionary<string, Tensor> Inputs, List<(string Name, Tensor Tensor)> Expected) Load(string name)
    {
        var dir = Paths.SharedPath("models", name);
        var model = new OnnxImporter().Load(Path.Combine(dir, "model.onnx"));
        var set = Path.Combine(dir, "test_data_set_0");
        var inputs = Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
        var expected = Directory.GetFiles(set, "output_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
        return (model, InputBinder.Bind(model.Graph, inputs), expected);
    }
}
