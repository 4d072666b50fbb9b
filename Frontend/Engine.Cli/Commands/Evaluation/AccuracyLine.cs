using System.Globalization;
using Engine.Onnx;

namespace Engine.Cli.Commands.Evaluation;

/// <summary>The "accuracy before → after" line the compression commands print.</summary>
public static class AccuracyLine
{
    public static void Print(string before, string after, string dataset, string? dataDir, string label)
    {
        var (_, test) = LabelledData.Load(dataset, dataDir);
        var p0 = ModelEvaluator.Predict(new OnnxImporter().Load(before).Graph, test, before);
        var p1 = ModelEvaluator.Predict(new OnnxImporter().Load(after).Graph, test, after);
        double agree = (double)p0.Where((p, i) => p == p1[i]).Count() / Math.Max(1, p0.Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test accuracy on {dataset} ({test.Count} samples): original {ModelEvaluator.Accuracy(p0, test):0.0000} → {label} {ModelEvaluator.Accuracy(p1, test):0.0000}, argmax agreement {agree:0.0000}"));
    }
}
