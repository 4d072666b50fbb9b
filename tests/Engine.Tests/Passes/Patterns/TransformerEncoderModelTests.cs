using System.Text.Json;
using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;

namespace Engine.Tests.Passes.Patterns;

/// <summary>
/// A real export: torch 1.13's nn.TransformerEncoder (2 post-norm layers, d_model 32, 4 heads, GELU,
/// causal mask), made by tests/models/make_transformer_encoder.py. After O3 each encoder layer holds
/// exactly one Attention and its two LayerNormalizations, and the outputs still match torch's.
/// </summary>
public class TransformerEncoderModelTests
{
    private const int Layers = 2;

    private static string ModelPath(string file) => Path.Combine(Paths.RepoRoot, "tests", "models", file);

    /// <summary>The fixed input and torch's output (raw little-endian float32, shapes in the .json).</summary>
    private static (Dictionary<string, Tensor> Inputs, Tensor Expected) TorchData()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(ModelPath("transformer_encoder.json")));
        int[] Shape(string group, string name) =>
            json.RootElement.GetProperty(group).GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var input = Tensor.FromRawBytes(DataType.Float, Shape("inputs", "input"), File.ReadAllBytes(ModelPath("transformer_encoder_input_0.bin")));
        var output = Tensor.FromRawBytes(DataType.Float, Shape("outputs", "output"), File.ReadAllBytes(ModelPath("transformer_encoder_output_0.bin")));
        return (new Dictionary<string, Tensor> { ["input"] = input }, output);
    }

    private static Model Load(string file) => new OnnxImporter(OpRegistry.Default).Load(ModelPath(file));

    private static int Count(Graph.Graph g, string op) => g.AllNodes().Count(n => n.OpType == op && n.Domain == "");

    [Theory]
    [InlineData("transformer_encoder.onnx")]          // opset 17: LayerNormalization already, attention in bmm form
    [InlineData("transformer_encoder_opset14.onnx")]  // opset 14: LayerNorm spelled out as well
    public void O3FusesEachLayerAndKeepsTorchOutputs(string file)
    {
        var (inputs, torch) = TorchData();
        var original = Load(file);
        var before = PatternAssert.Run(original.Graph, inputs);
        PatternAssert.AssertClose(torch, before["output"], $"{file} unoptimized vs torch");

        var optimized = Load(file);
        PassManager.Run(optimized.Graph, Pipelines.ForLevel(2), new PassContext());
        var g = optimized.Graph;
        Assert.Equal(Layers, Count(g, "Attention"));
        // torch 1.13 splits heads sequence-first for bmm; the fused op is the real 4-head attention.
        Assert.All(g.AllNodes().Where(n => n.OpType == "Attention"), a => Assert.Equal(4, a.Attributes.GetInt("q_num_heads")));
        Assert.Equal(2 * Layers, Count(g, "LayerNormalization"));
        Assert.Equal(Layers, Count(g, "Gelu"));
        foreach (var decomposed in new[] { "Softmax", "Erf", "ReduceMean", "Sqrt", "Pow" }) Assert.Equal(0, Count(g, decomposed));

        var after = PatternAssert.Run(g, inputs);
        PatternAssert.AssertClose(before, after, $"{file} O3 vs unoptimized");
        PatternAssert.AssertClose(torch, after["output"], $"{file} O3 vs torch");

        // The fused ops are the standard ones: ONNX Runtime runs the optimized model to torch's outputs too.
        var ort = OrtRunner.Run(OnnxExporter.Export(g).ToByteArray(), inputs);
        PatternAssert.AssertClose(torch, ort["output"], $"{file} O3 in ONNX Runtime vs torch");
    }

    [Fact]
    public void PinningAnAttentionProbabilityKeepsThatLayerDecomposed()
    {
        var model = Load("transformer_encoder.onnx");
        var softmax = model.Graph.AllNodes().First(n => n.OpType == "Softmax");
        var context = new PassContext();
        context.PinnedValues.Add(softmax.Outputs[0]!.Name);
        PassManager.Run(model.Graph, Pipelines.ForLevel(2), context);
        Assert.Equal(Layers - 1, Count(model.Graph, "Attention"));
        Assert.Equal(1, Count(model.Graph, "Softmax"));
        var (inputs, torch) = TorchData();
        PatternAssert.AssertClose(torch, PatternAssert.Run(model.Graph, inputs)["output"], "pinned O3 vs torch");
    }
}
