using Engine.Codegen;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Passes;
using Engine.Runtime;
using Engine.Tests.Support;

namespace Engine.Tests.Codegen;

/// <summary>The shared models, optimized (O2 and O3) and compiled, match ONNX Runtime's recorded outputs (rtol 1e-4, atol 1e-5).</summary>
public class SharedModelsCodegenTests
{
    private static void CheckModel(string name, int level, VectorPath path)
    {
        var dir = Paths.SharedPath("models", name);
        var model = new OnnxImporter().Load(Path.Combine(dir, "model.onnx"));
        var set = Path.Combine(dir, "test_data_set_0");
        var inputs = Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
        var expected = Directory.GetFiles(set, "output_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
        var g = model.Graph;
        var feeds = InputBinder.Bind(g, inputs);
        PassManager.Run(g, Pipelines.ForLevel(level, feeds.ToDictionary(kv => kv.Key, kv => kv.Value.Shape)), new PassContext());
        using var m = CompiledModel.Compile(g, new CodegenOptions { Vector = path, Threads = 2 });
        var outs = m.Run(feeds);
        for (int k = 0; k < expected.Count; k++)
        {
            var diff = OutputComparer.Compare(expected[k].Tensor, outs[g.Outputs[k].Name], 1e-4, 1e-5);
            Assert.True(diff is null, $"{name} O{level} {path}: output {k}: {diff}\n{m.Report}");
        }
        Assert.True(m.Report.ArenaBytes <= m.Report.LowerBoundBytes * 1.05, $"{name}: arena {m.Report.ArenaBytes} vs bound {m.Report.LowerBoundBytes}");
    }

    [Theory]
    [InlineData(2, VectorPath.Auto)]
    [InlineData(3, VectorPath.Vector256)]
    [InlineData(3, VectorPath.Scalar)]
    public void MnistMatchesOrt(int level, VectorPath path) => CheckModel("mnist", level, path);

    [Theory]
    [InlineData(2, VectorPath.Auto)]
    [InlineData(3, VectorPath.Auto)]
    public void UltrafaceMatchesOrt(int level, VectorPath path) => CheckModel("ultraface", level, path);
}
