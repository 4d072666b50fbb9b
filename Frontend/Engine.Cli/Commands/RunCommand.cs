using System.CommandLine;
using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>
/// engine run MODEL --input-dir DIR --output-dir DIR: reads input_N.pb, writes output_N.pb named
/// after the graph outputs. This exact form is how outside models are checked: keep it stable.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model file (.onnx)" };
        var inputDir = new Option<string>("--input-dir") { Description = "folder with input_0.pb, input_1.pb, … (serialized TensorProto; matched to graph inputs by name, else by position)", Required = true };
        var outputDir = new Option<string>("--output-dir") { Description = "folder to write output_0.pb, … into (created if missing)", Required = true };
        var backend = new Option<string>("--backend") { Description = "execution backend: 'reference' (the interpreter every optimisation is checked against) or 'cpu' (optimized at level 2 for the given input shapes, compiled to C# with Roslyn)", DefaultValueFactory = _ => "reference" };
        var threads = new Option<int>("--threads") { Description = "worker threads for kernels (default: the number of processors)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("run", "Run a model on input_N.pb tensors and write output_N.pb tensors (named after the graph outputs)") { model, inputDir, outputDir, backend, threads };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model)!, p.GetValue(inputDir)!, p.GetValue(outputDir)!, p.GetValue(backend)!, p.GetValue(threads))));
        return cmd;
    }

    private static int Execute(string modelPath, string inputDir, string outputDir, string backend, int threads)
    {
        if (backend is not ("reference" or "cpu")) throw new EngineException($"--backend '{backend}' is not available (choose: reference, cpu)");
        if (threads < 1) throw new EngineException($"--threads must be at least 1, got {threads}");
        if (!Directory.Exists(inputDir)) throw new EngineException($"{inputDir}: input folder not found");
        var m = new OnnxImporter().Load(modelPath);
        var files = Directory.GetFiles(inputDir, "input_*.pb")
            .Select(f => (File: f, Index: int.TryParse(Path.GetFileNameWithoutExtension(f)["input_".Length..], out var i) ? i : -1))
            .Where(x => x.Index >= 0).OrderBy(x => x.Index).ToList();
        var tensors = files.Select(f => TensorProtoConverter.ReadFile(f.File)).ToList();
        var feeds = InputBinder.Bind(m.Graph, tensors);
        var outs = backend == "cpu" ? RunCompiled(m.Graph, feeds, threads) : new ReferenceExecutor(m.Graph, threads).Run(feeds);
        Directory.CreateDirectory(outputDir);
        for (int i = 0; i < m.Graph.Outputs.Count; i++)
        {
            var name = m.Graph.Outputs[i].Name;
            TensorProtoConverter.WriteFile(Path.Combine(outputDir, $"output_{i}.pb"), outs[name], name);
            Console.WriteLine($"output_{i}.pb  {name}  {outs[name]}");
        }
        return ExitCodes.Ok;
    }

    private static Dictionary<string, Tensor> RunCompiled(Graph.Graph graph, Dictionary<string, Tensor> feeds, int threads)
    {
        var shapes = feeds.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        PassManager.Run(graph, Pipelines.ForLevel(2, shapes), new PassContext());
        using var compiled = CompiledModel.Compile(graph, new CodegenOptions { Threads = threads });
        return compiled.Run(feeds);
    }
}
