using Engine.Onnx;
using Engine.Passes.Quantization;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;
using Xunit;
using static Engine.Tests.Passes.Quantization.QuantizationKit;

namespace Engine.Tests.Passes.Quantization;

/// <summary>fp16/bf16 weight storage: the weights halve, predictions stay, ONNX Runtime runs the result.</summary>
public class WeightStorageTests
{
    [Theory]
    [InlineData(WeightPrecision.Float16, DataType.Float16, 1e-2f)]
    [InlineData(WeightPrecision.BFloat16, DataType.BFloat16, 6e-2f)]
    public void HalvesWeightsAndKeepsPredictions(WeightPrecision precision, DataType stored, float tolerance)
    {
        var g = Import();
        long before = g.Initializers.Values.Sum(t => (long)t.Length * DataTypes.Size(t.Type));
        // Four weights and the two biases of ≥ 16 values (the 8- and 10-value biases stay fp32).
        Assert.Equal(4 + 2, WeightStorage.Reduce(g, precision));
        long after = g.Initializers.Values.Sum(t => (long)t.Length * DataTypes.Size(t.Type));
        Assert.True(after * 2 <= before + 20 * 4, $"{before} → {after} bytes");
        Assert.All(g.Initializers.Values.Where(t => t.Length >= 16), t => Assert.Equal(stored, t.Type));

        var fp32 = Logits(Import()).As<float>();
        var reduced = Logits(g);
        Assert.True(fp32.Zip(reduced.As<float>(), (a, b) => Math.Abs(a - b)).Max() < tolerance * fp32.Max(Math.Abs));
        var ort = OrtRunner.Run(OnnxExporter.Export(g).ToByteArray(), new Dictionary<string, Tensor> { ["x"] = TestBatch() }).Values.First();
        Assert.Equal(ArgMax(reduced), ArgMax(ort));
    }
}
