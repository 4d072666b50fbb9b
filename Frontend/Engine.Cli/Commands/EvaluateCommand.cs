using System.CommandLine;
using System.Globalization;
using Engine.Cli.Commands.Evaluation;
using Engine.Onnx;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>engine evaluate MODEL.onnx --dataset NAME: accuracy on the dataset's test split, printed as <c>test_accuracy=…</c> like <c>engine train</c>.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX classifier (one input, [batch, classes] scores)" };
        var dataset = new Option<string>("--dataset") { Description = "registered dataset (its test split: the official one, else engine train's seeded 20%)", Required = true };
        var seed = new Option<int>("--seed") { Description = "seed of the split for datasets without an official test split (engine train's --seed)", DefaultValueFactory = _ => 0 };
        var dataDir = new Option<string?>("--data-dir") { Description = "datasets folder (default: $ENGINE_DATASETS, else the repo's data/, else ../shared/datasets)" };
        var threads = new Option<int>("--threads") { Description = "worker threads", DefaultValueFactory = _ => 1 };
        var cmd = new Command("evaluate", "Accuracy of a classifier on a dataset's test split") { model, dataset, seed, dataDir, threads };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model)!, p.GetValue(dataset)!, p.GetValue(seed), p.GetValue(dataDir), p.GetValue(threads))));
        return cmd;
    }

    private static int Execute(string path, string dataset, int seed, string? dataDir, int threads)
    {
        if (!File.Exists(path)) throw new EngineException($"{path}: model file not found");
        if (threads < 1) throw new EngineException($"--threads must be at least 1, got {threads}");
        var graph = new OnnxImporter().Load(path).Graph;
        var (_, test) = LabelledData.Load(dataset, dataDir, seed);
        var predictions = ModelEvaluator.Predict(graph, test, path, threads);
        Console.WriteLine($"{Path.GetFileName(path)} on {dataset}: {test.Count} test samples");
        Console.WriteLine($"test_accuracy={ModelEvaluator.Accuracy(predictions, test).ToString("0.0000", CultureInfo.InvariantCulture)}");
        return ExitCodes.Ok;
    }
}
