using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Builder;
using Engine.Builder.Zoo;
using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Passes.Quantization;
using Engine.Runtime;
using Engine.Training;

namespace Engine.Cli.Commands.Demo;

/// <summary>
/// engine demo: the whole product on real data — LeNet-5 (ReLU, max pooling, Adam) defined with the builder,
/// trained on Fashion-MNIST by the compiled training step with a progress bar, exported to ONNX, optimized and
/// compiled by the Roslyn backend, checked against the reference executor and ONNX Runtime, and timed against
/// ONNX Runtime on the same file. Ends with one table row per model variant.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var epochs = new Option<int>("--epochs") { Description = "training epochs (1–10)", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "worker threads for training and inference", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var quick = new Option<bool>("--quick") { Description = "a 2,048-image slice and one epoch: the pipeline in seconds (used by the tests)" };
        var outDir = new Option<string?>("--out") { Description = "folder for the trained ONNX model and training curve (default: artifacts/demo in the repo)" };
        var cmd = new Command("demo", "Train LeNet-5 on Fashion-MNIST, compile it, compare with ONNX Runtime") { epochs, threads, quick, outDir };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(epochs), p.GetValue(threads), p.GetValue(quick), p.GetValue(outDir))));
        return cmd;
    }

    private static int Execute(int epochs, int threads, bool quick, string? outDir)
    {
        if (epochs is < 1 or > 10) throw new EngineException($"--epochs must be in 1..10, got {epochs}");
        if (threads < 1) throw new EngineException($"--threads must be at least 1, got {threads}");
        if (quick) epochs = 1;
        var total = Stopwatch.StartNew();
        string dir = OutputFolder(outDir);

        Section("1. data");
        var data = DemoData.Load(quick);
        Console.WriteLine($"{data.Description}: {Units.Count(data.Train.Count)} training / {Units.Count(data.Test.Count)} test images of {Tensor.ShapeString(data.Train.SampleShape)}");

        Section("2. model (builder API, zoo 'lenet5')");
        var model = ModelZoo.Create("lenet5", new Engine.Builder.Zoo.ZooOptions { InputShape = [.. data.Train.SampleShape.Select(d => (long)d)], Classes = data.Train.Classes });
        Console.Write(model.Summary());

        Section($"3. train {epochs} epoch{(epochs == 1 ? "" : "s")}: Adam, batch 64, the training step compiled by Roslyn, {threads} thread{(threads == 1 ? "" : "s")}");
        var config = new TrainConfig { Epochs = epochs, BatchSize = 64, Optimizer = Optimizer.Adam(), Backend = StepBackend.Compiled, Threads = threads, Seed = 0 };
        using var training = new ModelTraining(model, data.Train.SampleShape, data.Train.Classes, config);
        var trainClock = Stopwatch.StartNew();
        SpectreFitProgress.Run(progress => training.Fit(data.Train, null, progress));
        var metrics = training.Evaluate(data.Test);
        Console.WriteLine($"trained in {trainClock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s; test accuracy {Pct(metrics.Accuracy)} (macro F1 {metrics.MacroF1.ToString("0.0000", CultureInfo.InvariantCulture)})");
        string plot = Path.Combine(dir, "lenet5-training.png");
        training.History.SavePlot(plot, "LeNet-5 on " + data.Description);

        Section("4. export ONNX");
        string onnx = Path.Combine(dir, "lenet5.onnx");
        OnnxExporter.Save(training.Trainer.InferenceGraph(Dim.Sym("N")), onnx);
        Console.WriteLine($"{onnx} ({Units.Bytes(new FileInfo(onnx).Length)}), training curve {plot}");

        Section("5. optimize (O3) and compile (Roslyn C#)");
        CheckCompiled(onnx, data.Test, threads);

        Section("6. measure against ONNX Runtime on the same ONNX file");
        int iters = quick ? 200 : 3_000;
        var rows = new List<DemoVariant> { VariantMeasure.Measure("fp32", onnx, data.Test, threads, iters) };

        Section("7. quantize to int8 (static, per-channel weights, 512 calibration images) and measure");
        rows.Add(VariantMeasure.Measure("int8 QDQ", Quantize(onnx, Path.Combine(dir, "lenet5-int8.onnx"), data.Train), data.Test, threads, iters));

        Section("8. prune 80% of the weights (per layer, by magnitude), retrain 2 epochs with them held at zero, and measure");
        rows.Add(VariantMeasure.Measure("pruned 80%", Prune(onnx, Path.Combine(dir, "lenet5-pruned.onnx"), data.Train, quick ? 1 : 2, threads), data.Test, threads, iters));

        Section("results");
        DemoTable.Print(rows, threads);
        Console.WriteLine($"demo finished in {total.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
        return ExitCodes.Ok;
    }

    /// <summary>Shows what the optimizer and compiler did and checks the compiled logits against the reference executor on the unoptimized graph.</summary>
    private static void CheckCompiled(string onnx, Dataset test, int threads)
    {
        var original = new OnnxImporter().Load(onnx).Graph;
        var graph = new OnnxImporter().Load(onnx).Graph;
        string input = graph.Inputs[0].Name;
        int n = Math.Min(16, test.Count);
        int[] shape = [n, .. test.SampleShape];
        int before = graph.Nodes.Count;
        var report = PassManager.Run(graph, Pipelines.ForLevel(3, new Dictionary<string, int[]> { [input] = shape }), new PassContext());
        var clock = Stopwatch.StartNew();
        using var compiled = CompiledModel.Compile(graph, new CodegenOptions { Threads = threads });
        Console.WriteLine($"{before} nodes → {graph.Nodes.Count} after O3 ({report.Count} passes); compiled in {clock.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms, " +
                          $"{compiled.Report.Fallbacks.Count} reference-kernel fallbacks");
        var x = new Tensor(DataType.Float, shape, test.Features.AsSpan(0, n * test.SampleSize).ToArray());
        var feeds = new Dictionary<string, Tensor> { [input] = x };
        var expected = new ReferenceExecutor(original).Run(feeds).Values.First().As<float>();
        var actual = compiled.Run(feeds).Values.First().As<float>();
        double maxDiff = expected.Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max();
        if (!(maxDiff <= 1e-3)) throw new EngineException($"demo: compiled logits differ from the reference executor by {maxDiff} on {n} test images");
        Console.WriteLine($"compiled logits of {n} test images match the reference executor (max |diff| {maxDiff.ToString("0.0e0", CultureInfo.InvariantCulture)})");
    }

    /// <summary>Post-training static int8 quantization of the exported model, calibrated on training images.</summary>
    private static string Quantize(string onnx, string path, Dataset train)
    {
        var graph = new OnnxImporter().Load(onnx).Graph;
        const int batch = 64;
        var calibration = new List<IReadOnlyDictionary<string, Tensor>>();
        for (int start = 0; start + batch <= Math.Min(512, train.Count); start += batch)
        {
            var x = new Tensor(DataType.Float, [batch, .. train.SampleShape], train.Features.AsSpan(start * train.SampleSize, batch * train.SampleSize).ToArray());
            calibration.Add(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = x });
        }
        var report = StaticQuantizer.Quantize(graph, calibration);
        OnnxExporter.Save(graph, path);
        Console.WriteLine($"{report.Quantized} of {report.Layers.Count} layers int8; largest layer output error {report.Layers.Max(l => l.Error).ToString("0.0000", CultureInfo.InvariantCulture)}; {path} ({Units.Bytes(new FileInfo(path).Length)})");
        return path;
    }

    /// <summary>Magnitude pruning with masked fine-tuning on the training images.</summary>
    private static string Prune(string onnx, string path, Dataset train, int epochs, int threads)
    {
        var graph = new OnnxImporter().Load(onnx).Graph;
        var (layers, masks) = Engine.Passes.Compression.MagnitudePruning.Prune(graph, 0.8, Engine.Passes.Compression.PruneScope.PerLayer);
        graph = Evaluation.MaskedFineTune.Run(graph, masks, train, epochs, threads, "lenet5");
        OnnxExporter.Save(graph, path);
        Console.WriteLine($"{Units.Count(layers.Sum(l => l.Zeros))} of {Units.Count(layers.Sum(l => l.Elements))} weights are zero; {path}");
        return path;
    }

    private static string OutputFolder(string? given)
    {
        string dir = given ?? Path.Combine(RepoRoot() ?? Directory.GetCurrentDirectory(), "artifacts", "demo");
        Directory.CreateDirectory(dir);
        if (given is not null)
        {
            // An explicit folder may hold the user's files: refuse to replace them.
            foreach (var f in new[] { "lenet5.onnx", "lenet5-int8.onnx", "lenet5-pruned.onnx", "lenet5-training.png" })
            {
                if (File.Exists(Path.Combine(dir, f))) throw new EngineException($"--out {dir}: {f} exists; choose an empty folder");
            }
        }
        return dir;
    }

    private static string? RepoRoot() => Engine.Builder.Data.Datasets.FindDataDir() is { } data ? Path.GetDirectoryName(data) : null;

    private static void Section(string title) => Console.WriteLine($"\n== {title}");

    private static string Pct(double v) => (100 * v).ToString("0.00", CultureInfo.InvariantCulture) + "%";
}
