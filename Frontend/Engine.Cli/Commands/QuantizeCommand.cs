using System.CommandLine;
using System.Globalization;
using Engine.Cli.Commands.Evaluation;
using Engine.Onnx;
using Engine.Passes.Quantization;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>
/// engine quantize MODEL --calibration DATASET -o OUT.onnx: post-training static int8 quantization (QDQ ONNX that
/// ONNX Runtime runs), or --weights fp16|bf16 storage; prints sizes, the per-layer report, and the accuracy
/// before and after on the dataset's test split.
/// </summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model to quantize" };
        var calibration = new Option<string?>("--calibration") { Description = "registered dataset whose training split calibrates the activation ranges (int8)" };
        var samples = new Option<int>("--calibration-samples") { Description = "calibration samples", DefaultValueFactory = _ => 512 };
        var method = new Option<string>("--method") { Description = "minmax|percentile|entropy", DefaultValueFactory = _ => "minmax" };
        var percentile = new Option<double>("--percentile") { Description = "kept percentile for --method percentile", DefaultValueFactory = _ => 99.99 };
        var activations = new Option<string>("--activations") { Description = "u8 (asymmetric) | s8 (symmetric)", DefaultValueFactory = _ => "u8" };
        var exclude = new Option<string[]>("--exclude") { Description = "node names left in fp32", AllowMultipleArgumentsPerToken = true };
        var keepDepthwise = new Option<bool>("--keep-depthwise") { Description = "leave depthwise convolutions in fp32" };
        var maxError = new Option<double?>("--max-layer-error") { Description = "leave in fp32 layers whose relative output error exceeds this" };
        var weights = new Option<string>("--weights") { Description = "int8 (static quantization) | fp16 | bf16 (weight storage only, fp32 compute)", DefaultValueFactory = _ => "int8" };
        var dataset = new Option<string?>("--dataset") { Description = "labelled dataset for accuracy before/after (default: the calibration dataset's test split)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "datasets folder" };
        var output = new Option<string>("-o", "--output") { Description = "quantized ONNX file to write", Required = true };
        var report = new Option<bool>("--report") { Description = "print the per-layer table (scale, zero point, clipping, error)" };
        var cmd = new Command("quantize", "Post-training int8 quantization (QDQ ONNX) or fp16/bf16 weight storage")
        {
            model, calibration, samples, method, percentile, activations, exclude, keepDepthwise, maxError, weights, dataset, dataDir, output, report,
        };
        cmd.SetAction(p => Guard.Run(() => Execute(new Args(p.GetValue(model)!, p.GetValue(calibration), p.GetValue(samples), p.GetValue(method)!,
            p.GetValue(percentile), p.GetValue(activations)!, p.GetValue(exclude) ?? [], p.GetValue(keepDepthwise), p.GetValue(maxError),
            p.GetValue(weights)!, p.GetValue(dataset), p.GetValue(dataDir), p.GetValue(output)!, p.GetValue(report)))));
        return cmd;
    }

    private sealed record Args(string Model, string? Calibration, int Samples, string Method, double Percentile, string Activations, string[] Exclude,
        bool KeepDepthwise, double? MaxError, string Weights, string? Dataset, string? DataDir, string Output, bool Report);

    private static int Execute(Args a)
    {
        if (!File.Exists(a.Model)) throw new EngineException($"{a.Model}: model file not found");
        if (Path.GetFullPath(a.Output) == Path.GetFullPath(a.Model)) throw new EngineException($"-o {a.Output}: refusing to overwrite the input model");
        if (a.Samples < 1) throw new EngineException($"--calibration-samples must be at least 1, got {a.Samples}");
        var options = new QuantizationOptions
        {
            Method = a.Method switch
            {
                "minmax" => CalibrationMethod.MinMax,
                "percentile" => CalibrationMethod.Percentile,
                "entropy" => CalibrationMethod.Entropy,
                _ => throw new EngineException($"--method '{a.Method}' is not known (minmax, percentile, entropy)"),
            },
            Percentile = a.Percentile is > 50 and <= 100 ? a.Percentile : throw new EngineException($"--percentile must be in (50, 100], got {a.Percentile}"),
            Activations = a.Activations switch
            {
                "u8" => ActivationType.UInt8,
                "s8" => ActivationType.Int8,
                _ => throw new EngineException($"--activations '{a.Activations}' is not known (u8, s8)"),
            },
            Exclude = a.Exclude.ToHashSet(StringComparer.Ordinal),
            KeepDepthwiseFloat = a.KeepDepthwise,
            MaxLayerError = a.MaxError,
        };
        var original = new OnnxImporter().Load(a.Model).Graph;
        var graph = new OnnxImporter().Load(a.Model).Graph;
        string? evalName = a.Dataset ?? a.Calibration;
        var data = evalName is null ? default : LabelledData.Load(evalName, a.DataDir);
        string what;
        switch (a.Weights)
        {
            case "int8":
                {
                    if (a.Calibration is null) throw new EngineException("int8 quantization needs --calibration DATASET (activation ranges)");
                    var calib = a.Calibration == evalName ? data.Train : LabelledData.Load(a.Calibration, a.DataDir).Train;
                    var batches = ModelEvaluator.Batches(graph, calib, a.Samples, 64);
                    var rep = StaticQuantizer.Quantize(graph, batches, options);
                    what = $"int8 QDQ: {rep.Quantized} of {rep.Layers.Count} layers quantized, calibration {batches.Sum(b => b.Values.First().Shape[0])} samples of {a.Calibration}, " +
                           $"{a.Method}, activations {a.Activations}";
                    if (a.Report) PrintReport(rep);
                    break;
                }
            case "fp16" or "bf16":
                {
                    int n = WeightStorage.Reduce(graph, a.Weights == "fp16" ? WeightPrecision.Float16 : WeightPrecision.BFloat16);
                    what = $"{a.Weights} weight storage: {n} initializers";
                    break;
                }
            default:
                throw new EngineException($"--weights '{a.Weights}' is not known (int8, fp16, bf16)");
        }
        OnnxExporter.Save(graph, a.Output);
        long before = new FileInfo(a.Model).Length, after = new FileInfo(a.Output).Length;
        Console.WriteLine(what);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"size {Units.Bytes(before)} → {Units.Bytes(after)} ({(double)before / after:0.00}× smaller); weights {Units.Bytes(WeightBytes(original))} → {Units.Bytes(WeightBytes(graph))}"));
        if (evalName is not null)
        {
            var p0 = ModelEvaluator.Predict(original, data.Test, a.Model);
            var p1 = ModelEvaluator.Predict(new OnnxImporter().Load(a.Output).Graph, data.Test, a.Output);
            double agree = (double)p0.Where((p, i) => p == p1[i]).Count() / Math.Max(1, p0.Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test accuracy on {evalName} ({data.Test.Count} samples): fp32 {ModelEvaluator.Accuracy(p0, data.Test):0.0000} → {a.Weights} {ModelEvaluator.Accuracy(p1, data.Test):0.0000}, argmax agreement {agree:0.0000}"));
        }
        Console.WriteLine($"saved {a.Output}");
        return ExitCodes.Ok;
    }

    private static long WeightBytes(Graph.Graph g) => g.Initializers.Values.Sum(t => (long)t.Length * DataTypes.Size(t.Type));

    private static void PrintReport(QuantizationReport rep)
    {
        var t = new TextTable("layer", "op", "x scale>", "x zp>", "clipped>", "w scale min>", "w scale max>", "rel. error>", "note");
        foreach (var l in rep.Layers)
        {
            string G(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
            t.Add(l.Node, l.Op, l.KeptFloat is null ? G(l.ActivationScale) : "-", l.KeptFloat is null ? l.ActivationZeroPoint.ToString(CultureInfo.InvariantCulture) : "-",
                l.KeptFloat is null ? (100 * l.ClippedFraction).ToString("0.000", CultureInfo.InvariantCulture) + "%" : "-",
                l.KeptFloat is null ? G(l.WeightScaleMin) : "-", l.KeptFloat is null ? G(l.WeightScaleMax) : "-", G(l.Error), l.KeptFloat ?? "int8");
        }
        Console.Write(t.Render());
    }
}
