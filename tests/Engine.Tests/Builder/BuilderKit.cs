using Engine.Builder;
using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;
using Xunit;
using Model = Engine.Builder.Model;

namespace Engine.Tests.Builder;

/// <summary>Runs built models on the reference executor and ONNX Runtime and compares them.</summary>
internal static class BuilderKit
{
    public static Tensor Random(int seed, int[] shape, float scale = 1f)
    {
        var rng = new Random(seed);
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = scale * (float)(rng.NextDouble() * 2 - 1);
        return new Tensor(DataType.Float, shape, data);
    }

    public static Dictionary<string, Tensor> RunReference(BuiltGraph mg, Dictionary<string, Tensor> inputs) =>
        new ReferenceExecutor(mg.Graph).Run(inputs);

    /// <summary>Exports the inference graph to ONNX, runs it in ORT, and compares every output with the reference executor.</summary>
    public static void AssertOrtAgrees(Model model, Dictionary<string, Tensor> inputs, int batch, float rtol = 1e-4f, float atol = 1e-5f)
    {
        var mg = model.ToGraph(BuildMode.Inference, batch);
        var ours = RunReference(mg, inputs);
        var bytes = OnnxExporter.Export(mg.Graph).ToByteArray();
        var ort = OrtRunner.Run(bytes, inputs);
        Assert.Equal(mg.Graph.Outputs.Count, ort.Count);
        foreach (var (name, expected) in ort)
        {
            Assert.True(ours.ContainsKey(name), $"output {name} missing");
            AssertClose(expected, ours[name], rtol, atol, name);
        }
    }

    public static void AssertClose(Tensor expected, Tensor actual, float rtol, float atol, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= atol + rtol * Math.Abs(e[i]), $"{what}[{i}]: expected {e[i]}, got {a[i]}");
    }
}
