using Engine.Graph;
using Engine.Onnx;
using Engine.Passes.Quantization;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;
using Xunit;
using static Engine.Tests.Passes.Quantization.QuantizationKit;

namespace Engine.Tests.Passes.Quantization;

/// <summary>Post-training static int8 (QDQ) on a trained CNN: accuracy kept, int8 weights, ONNX Runtime agrees, the report.</summary>
public class StaticQuantizerTests
{
    [Theory]
    [InlineData(CalibrationMethod.MinMax, ActivationType.UInt8)]
    [InlineData(CalibrationMethod.Percentile, ActivationType.UInt8)]
    [InlineData(CalibrationMethod.Entropy, ActivationType.UInt8)]
    [InlineData(CalibrationMethod.MinMax, ActivationType.Int8)]
    public void Int8KeepsAccuracyAndOrtAgrees(CalibrationMethod method, ActivationType activations)
    {
        var fp32 = Import();
        double accuracy = Accuracy(ArgMax(Logits(fp32)));
        Assert.True(accuracy > 0.9, $"the fp32 model is undertrained: {accuracy}");

        var g = Import();
        var report = StaticQuantizer.Quantize(g, Calibration(), new QuantizationOptions { Method = method, Activations = activations });
        Assert.Equal(4, report.Quantized);
        Assert.Equal(["Conv", "Conv", "Gemm", "Gemm"], report.Layers.Select(l => l.Op));
        // Every weight of a quantized layer is stored as int8 (no fp32 copy left); activations go through QDQ pairs.
        var weights = g.Initializers.Values.Where(t => t.Shape.Length >= 2).ToList();
        Assert.All(weights, t => Assert.Equal(DataType.Int8, t.Type));
        Assert.Equal(4, g.Nodes.Count(n => n.OpType == "QuantizeLinear"));
        // Entropy calibration clips the tails on purpose (a few percent of a small calibration set), so its layers err more.
        double limit = method == CalibrationMethod.Entropy ? 0.3 : 0.1;
        Assert.All(report.Layers, l => Assert.True(l.Error < limit, $"{l.Node}: relative error {l.Error}"));

        var logits = Logits(g);
        var ours = ArgMax(logits);
        double q = Accuracy(ours);
        Assert.True(q >= accuracy - 0.02, $"{method}/{activations}: int8 accuracy {q} vs fp32 {accuracy}");

        // The exported QDQ model runs in ONNX Runtime with the same predictions.
        var bytes = OnnxExporter.Export(g).ToByteArray();
        var ort = OrtRunner.Run(bytes, new Dictionary<string, Tensor> { ["x"] = TestBatch() }).Values.First();
        var theirs = ArgMax(ort);
        double agree = (double)ours.Where((p, i) => p == theirs[i]).Count() / ours.Length;
        Assert.True(agree >= 0.99, $"argmax agreement with ORT {agree}");
        float maxDiff = logits.As<float>().Zip(ort.As<float>(), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDiff < 1e-3f, $"logits differ from ORT by {maxDiff}");
    }

    [Fact]
    public void ExcludedAndTooNoisyLayersStayFloat()
    {
        var g = Import();
        string first = g.Nodes.First(n => n.OpType == "Conv").Name;
        var report = StaticQuantizer.Quantize(g, Calibration(), new QuantizationOptions { Exclude = new HashSet<string> { first } });
        Assert.Equal("excluded by name", report.Layers.Single(l => l.Node == first).KeptFloat);
        Assert.Equal(3, report.Quantized);

        // A zero error limit puts every layer back: the graph computes exactly what fp32 does.
        var all = Import();
        var strict = StaticQuantizer.Quantize(all, Calibration(), new QuantizationOptions { MaxLayerError = 0 });
        Assert.Equal(0, strict.Quantized);
        Assert.DoesNotContain(all.Nodes, n => n.OpType is "QuantizeLinear" or "DequantizeLinear");
        Assert.Equal(Logits(Import()).As<float>(), Logits(all).As<float>());
    }

    [Fact]
    public void NoCalibrationDataIsAOneLineError()
    {
        var e = Assert.Throws<EngineException>(() => StaticQuantizer.Quantize(Import(), []));
        Assert.Contains("no calibration batch", e.Message);
    }
}
