using System.CommandLine;
using System.Globalization;
using Engine.Cli.Commands.Evaluation;
using Engine.Onnx;
using Engine.Passes.Compression;
using Engine.Runtime;
using Engine.Runtime.IO;

namespace Engine.Cli.Commands;

/// <summary>
/// engine compress MODEL --sparsity 0.8 -o DIR: Deep Compression (prune → k-means weight sharing → Huffman).
/// Writes DIR/model.onnx (the weights pruned and shared, dense float for execution) and DIR/weights/N.engh
/// (each layer's Huffman-coded codebook indices), checks that decoding the blobs gives back exactly the
/// model's weights, and prints Han et al.'s per-stage size table and the accuracy before/after.
/// </summary>
public static class CompressCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model to compress" };
        var sparsity = new Option<double>("--sparsity") { Description = "share of weights pruned per layer", DefaultValueFactory = _ => 0.8 };
        var convBits = new Option<int>("--conv-bits") { Description = "centroid index bits for convolution layers", DefaultValueFactory = _ => 8 };
        var fcBits = new Option<int>("--fc-bits") { Description = "centroid index bits for fully connected layers", DefaultValueFactory = _ => 5 };
        var dataset = new Option<string?>("--dataset") { Description = "labelled dataset for accuracy before/after (its test split)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "datasets folder" };
        var output = new Option<string>("-o", "--output") { Description = "output folder (created; must not hold model.onnx or weights/ already)", Required = true };
        var fineTune = new Option<int>("--fine-tune-epochs") { Description = "retrain after pruning on --dataset's training split (pruned weights held at zero)", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "worker threads for fine-tuning", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("compress", "Deep Compression: prune (and retrain), cluster (weight sharing) and Huffman-code the weights") { model, sparsity, convBits, fcBits, dataset, dataDir, output, fineTune, threads };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model)!, p.GetValue(sparsity), p.GetValue(convBits), p.GetValue(fcBits), p.GetValue(dataset), p.GetValue(dataDir), p.GetValue(output)!,
            p.GetValue(fineTune), p.GetValue(threads))));
        return cmd;
    }

    private static int Execute(string path, double sparsity, int convBits, int fcBits, string? dataset, string? dataDir, string dir, int fineTune, int threads)
    {
        if (fineTune < 0) throw new EngineException($"--fine-tune-epochs must be ≥ 0, got {fineTune}");
        if (fineTune > 0 && dataset is null) throw new EngineException("--fine-tune-epochs needs --dataset (its training split)");
        if (!File.Exists(path)) throw new EngineException($"{path}: model file not found");
        string onnx = Path.Combine(dir, "model.onnx"), weightsDir = Path.Combine(dir, "weights");
        if (File.Exists(onnx) || Directory.Exists(weightsDir)) throw new EngineException($"-o {dir}: model.onnx or weights/ exists; choose an empty folder");
        var graph = new OnnxImporter().Load(path).Graph;
        var result = DeepCompression.Run(graph, sparsity, convBits, fcBits, retrain: fineTune == 0 ? null
            : (g, masks) => MaskedFineTune.Run(g, masks, LabelledData.Load(dataset!, dataDir).Train, fineTune, threads, Path.GetFileName(path)));
        graph = result.Graph;

        Directory.CreateDirectory(weightsDir);
        int i = 0;
        foreach (var (name, blob) in result.Blobs)
        {
            // The blob must decode to exactly the weights the compressed model computes with.
            var decoded = HuffmanWeights.Decode(blob, name);
            var w = graph.InitializerData(graph.InitializerValues.First(v => v.Name == name))!.As<float>();
            if (!decoded.AsSpan().SequenceEqual(w)) throw new EngineException($"compress: the Huffman blob of '{name}' does not decode to the layer's weights");
            Engine.Onnx.SafeFile.WriteAllBytes(Path.Combine(weightsDir, $"{i++}.engh"), blob);
        }
        OnnxExporter.Save(graph, onnx);

        var t = new TextTable("weight", "dense>", "pruned>", "clustered>", "huffman>", "ratio>");
        foreach (var s in result.Sizes.Append(result.Total)) t.Add(s.Name, Units.Bytes(s.Dense), Units.Bytes(s.Pruned), Units.Bytes(s.Clustered), Units.Bytes(s.Huffman), Ratio(s.Dense, s.Huffman));
        Console.Write(t.Render());
        var total = result.Total;
        Console.WriteLine($"weights {Units.Bytes(total.Dense)} → pruned {Ratio(total.Dense, total.Pruned)} → clustered {Ratio(total.Dense, total.Clustered)} → Huffman {Ratio(total.Dense, total.Huffman)} smaller; {result.Blobs.Count} blobs decode exactly to the model's weights");
        if (dataset is not null) AccuracyLine.Print(path, onnx, dataset, dataDir, "compressed");
        Console.WriteLine($"saved {onnx} and {weightsDir}/");
        return ExitCodes.Ok;
    }

    private static string Ratio(long a, long b) => (b == 0 ? 0 : (double)a / b).ToString("0.0", CultureInfo.InvariantCulture) + "×";
}
