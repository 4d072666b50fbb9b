using System.CommandLine;
using System.Globalization;
using Engine.Cli.Commands.Evaluation;
using Engine.Onnx;
using Engine.Passes.Compression;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>engine prune MODEL --sparsity 0.8 -o OUT.onnx: one-shot magnitude pruning of the Conv/Gemm/MatMul weights, with accuracy before/after.</summary>
public static class PruneCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model to prune" };
        var sparsity = new Option<double>("--sparsity") { Description = "share of weights set to zero, in [0, 1)", Required = true };
        var perLayer = new Option<bool>("--per-layer") { Description = "prune every layer to the sparsity (default: one global magnitude threshold)" };
        var dataset = new Option<string?>("--dataset") { Description = "labelled dataset for accuracy before/after (its test split)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "datasets folder" };
        var output = new Option<string>("-o", "--output") { Description = "pruned ONNX file to write", Required = true };
        var fineTune = new Option<int>("--fine-tune-epochs") { Description = "retrain on --dataset's training split for N epochs, pruned weights held at zero", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "worker threads for fine-tuning", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("prune", "Magnitude pruning of Conv/Gemm/MatMul weights, optionally fine-tuned") { model, sparsity, perLayer, dataset, dataDir, output, fineTune, threads };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model)!, p.GetValue(sparsity), p.GetValue(perLayer), p.GetValue(dataset), p.GetValue(dataDir), p.GetValue(output)!,
            p.GetValue(fineTune), p.GetValue(threads))));
        return cmd;
    }

    private static int Execute(string path, double sparsity, bool perLayer, string? dataset, string? dataDir, string output, int fineTune, int threads)
    {
        if (fineTune < 0) throw new EngineException($"--fine-tune-epochs must be ≥ 0, got {fineTune}");
        if (fineTune > 0 && dataset is null) throw new EngineException("--fine-tune-epochs needs --dataset (its training split)");
        if (!File.Exists(path)) throw new EngineException($"{path}: model file not found");
        if (Path.GetFullPath(output) == Path.GetFullPath(path)) throw new EngineException($"-o {output}: refusing to overwrite the input model");
        var graph = new OnnxImporter().Load(path).Graph;
        var (layers, masks) = MagnitudePruning.Prune(graph, sparsity, perLayer ? PruneScope.PerLayer : PruneScope.Global);
        var t = new TextTable("weight", "node", "elements>", "zeros>", "sparsity>");
        foreach (var l in layers)
            t.Add(l.Weight, l.Node, Units.Count(l.Elements), Units.Count(l.Zeros), (100 * l.Sparsity).ToString("0.0", CultureInfo.InvariantCulture) + "%");
        Console.Write(t.Render());
        long elements = layers.Sum(l => l.Elements), zeros = layers.Sum(l => l.Zeros);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pruned {zeros:N0} of {elements:N0} weights ({100.0 * zeros / Math.Max(1, elements):0.0}%)"));
        if (fineTune > 0) graph = MaskedFineTune.Run(graph, masks, LabelledData.Load(dataset!, dataDir).Train, fineTune, threads, Path.GetFileName(path));
        OnnxExporter.Save(graph, output);
        if (dataset is not null) Evaluation.AccuracyLine.Print(path, output, dataset, dataDir, "pruned");
        Console.WriteLine($"saved {output}");
        return ExitCodes.Ok;
    }
}
