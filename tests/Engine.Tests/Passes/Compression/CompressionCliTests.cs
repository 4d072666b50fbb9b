using System.Globalization;
using Engine.Cli;
using Engine.Onnx;
using Engine.Passes.Compression;
using Engine.Tests.Support;
using Xunit;

namespace Engine.Tests.Passes.Compression;

/// <summary>engine prune (with masked fine-tuning), compress, quantize and evaluate on a CNN trained on digits.</summary>
[Collection("Console")]
public class CompressionCliTests
{
    private static (int Code, string Out, string Err) Engine(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            return (Program.Main(args), o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private static double Accuracy(string output, string label)
    {
        var line = output.Split('\n').First(l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        var i = line.IndexOf(label + " ", StringComparison.Ordinal) + label.Length + 1;
        return double.Parse(line[i..(i + 6)], CultureInfo.InvariantCulture);
    }

    [Fact]
    public void PruneFineTunesCompressQuantizeAndEvaluate()
    {
        var dir = Directory.CreateTempSubdirectory("engine-compress").FullName;
        try
        {
            string model = Path.Combine(dir, "cnn.onnx");
            File.WriteAllBytes(model, Quantization.QuantizationKit.OnnxBytes);
            string data = Paths.SharedPath("datasets");

            var (code, output, err) = Engine("evaluate", model, "--dataset", "digits", "--data-dir", data);
            Assert.True(code == 0, err);
            Assert.Matches(@"test_accuracy=0\.9\d{3}", output);

            // 70% per-layer pruning, then two epochs of retraining with the pruned weights held at zero.
            string pruned = Path.Combine(dir, "pruned.onnx");
            (code, output, err) = Engine("prune", model, "--sparsity", "0.7", "--per-layer", "--dataset", "digits", "--data-dir", data,
                "--fine-tune-epochs", "12", "--threads", "1", "-o", pruned);
            Assert.True(code == 0, err + output);
            Assert.True(Accuracy(output, "pruned") > Accuracy(output, "original") - 0.05, output);
            var g = new OnnxImporter().Load(pruned).Graph;
            foreach (var e in PrunableWeights.Find(g))
            {
                var w = e.Data.As<float>();
                Assert.InRange(w.Count(v => v == 0) / (double)w.Length, 0.69, 1.0);
            }

            (code, output, err) = Engine("compress", pruned, "--sparsity", "0.7", "-o", Path.Combine(dir, "c"));
            Assert.True(code == 0, err + output);
            Assert.Contains("decode exactly", output);
            Assert.True(Directory.GetFiles(Path.Combine(dir, "c", "weights"), "*.engh").Length == 4);

            (code, output, err) = Engine("quantize", model, "--calibration", "digits", "--data-dir", data, "-o", Path.Combine(dir, "int8.onnx"), "--report");
            Assert.True(code == 0, err + output);
            Assert.Contains("4 of 4 layers quantized", output);
            Assert.True(Accuracy(output, "int8") > Accuracy(output, "fp32") - 0.02, output);

            // The user's files are never overwritten in place, and bad options are one-line errors.
            (code, _, err) = Engine("prune", model, "--sparsity", "0.5", "-o", model);
            Assert.Equal(2, code);
            Assert.Contains("refusing to overwrite", err);
            (code, _, err) = Engine("compress", pruned, "-o", Path.Combine(dir, "c"));
            Assert.Equal(2, code);
            Assert.Contains("choose an empty folder", err);
            (code, _, err) = Engine("quantize", model, "-o", Path.Combine(dir, "x.onnx"));
            Assert.Equal(2, code);
            Assert.Contains("needs --calibration", err);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
