using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>
/// engine bench MODEL: times inference (median/p10/p90 over --iters runs after --warmup runs) on the compiled CPU
/// backend or the reference executor, on the inputs of --input-dir or random ones; --compare-ort times ONNX Runtime
/// on the same inputs in the same process, alternating run by run, and prints the time ratio.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "ONNX model file (.onnx)" };
        var backend = new Option<string>("--backend") { Description = "'cpu' (optimized at level 3 for the input shapes, compiled with Roslyn) or 'reference' (the interpreter)", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = "worker threads for kernels; ORT gets the same intra-op threads (default: the number of processors)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var warmup = new Option<int>("--warmup") { Description = "untimed runs first (default 5; with any warm-up, at least 0.5 s of them so the JIT has optimized the hot code)", DefaultValueFactory = _ => 5 };
        var iters = new Option<int>("--iters") { Description = "timed runs (default 50)", DefaultValueFactory = _ => 50 };
        var inputDir = new Option<string?>("--input-dir") { Description = "folder with input_N.pb (default: random inputs of the graph's static input shapes)" };
        var compareOrt = new Option<bool>("--compare-ort") { Description = "also time ONNX Runtime (ORT_ENABLE_ALL, same intra-op threads, sequential) on the same inputs, alternating, and print the ratio" };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };
        var shapes = new Option<string[]>("--shape") { Description = "fix an input shape for random inputs: name=1x1x28x28 (repeatable; needed when the model's batch dim is symbolic)" };
        var cmd = new Command("bench", "Time inference of a model: median/p10/p90 ms, optionally against ONNX Runtime") { model, backend, threads, warmup, iters, inputDir, compareOrt, json, shapes };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model)!, p.GetValue(backend)!, p.GetValue(threads), p.GetValue(warmup), p.GetValue(iters),
            p.GetValue(inputDir), p.GetValue(compareOrt), p.GetValue(json), p.GetValue(shapes) ?? [])));
        return cmd;
    }

    private static int Execute(string modelPath, string backend, int threads, int warmup, int iters, string? inputDir, bool compareOrt, bool json, string[] shapeSpecs)
    {
        if (backend is not ("reference" or "cpu")) throw new EngineException($"--backend '{backend}' is not available (choose: cpu, reference)");
        if (threads < 1) throw new EngineException($"--threads must be at least 1, got {threads}");
        if (warmup < 0) throw new EngineException($"--warmup must be at least 0, got {warmup}");
        if (iters < 1) throw new EngineException($"--iters must be at least 1, got {iters}");
        if (!File.Exists(modelPath)) throw new EngineException($"{modelPath}: model file not found");
        var m = new OnnxImporter().Load(modelPath);
        var given = OptimizeCommand.ParseShapes(shapeSpecs);
        var feeds = inputDir is null ? RandomInputs(m.Graph, given) : ReadInputs(m.Graph, inputDir);

        Action runEngine;
        IDisposable? owned = null;
        string backendText = backend;
        if (backend == "cpu")
        {
            var shapes = feeds.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
            PassManager.Run(m.Graph, Pipelines.ForLevel(3, shapes), new PassContext());
            var compiled = CompiledModel.Compile(m.Graph, new CodegenOptions { Threads = threads });
            owned = compiled;
            var ins = compiled.Inputs.Select(s => feeds.TryGetValue(s.Name, out var t) ? t : throw new EngineException($"input '{s.Name}' was not given")).ToArray();
            var outs = compiled.Outputs.Select(s => Tensor.Zeros(s.Type, (int[])s.Shape.Clone())).ToArray();
            runEngine = () => compiled.Run(ins, outs);
            int fallbacks = compiled.Report.Fallbacks.Count;
            backendText = $"cpu ({compiled.Report.InlinedNodes.Count} generated, {fallbacks} fallback{(fallbacks == 1 ? "" : "s")}"
                + (fallbacks == 0 ? ")" : ": " + string.Join(", ", compiled.Report.Fallbacks.GroupBy(f => f.Op).Select(g => $"{g.Key}x{g.Count()}")) + ")");
        }
        else
        {
            var exec = new ReferenceExecutor(m.Graph, threads);
            runEngine = () => exec.Run(feeds);
        }
        try
        {
            BenchOrt? ort = compareOrt ? new BenchOrt(File.ReadAllBytes(modelPath), threads, feeds) : null;
            try
            {
                // Also at least half a second: .NET promotes hot methods to optimized code only after a short quiet
                // period, so a count-only warm-up of a small model would time tier-0 code.
                var warm = Stopwatch.StartNew();
                for (int i = 0; i < warmup || (warmup > 0 && warm.ElapsedMilliseconds < 500); i++)
                {
                    runEngine();
                    ort?.Run();
                }
                var te = new double[iters];
                var to = ort is null ? null : new double[iters];
                for (int i = 0; i < iters; i++)
                {
                    // Alternating: machine load and clock changes hit both engines alike.
                    long t0 = Stopwatch.GetTimestamp();
                    runEngine();
                    te[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    if (ort is not null)
                    {
                        t0 = Stopwatch.GetTimestamp();
                        ort.Run();
                        to![i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    }
                }
                Print(modelPath, backendText, threads, warmup, iters, Stats.Of(te), to is null ? null : Stats.Of(to), json);
            }
            finally
            {
                ort?.Dispose();
            }
        }
        finally
        {
            owned?.Dispose();
        }
        return ExitCodes.Ok;
    }

    private static void Print(string model, string backend, int threads, int warmup, int iters, Stats engine, Stats? ort, bool json)
    {
        double? ratio = ort is null ? null : engine.Median / ort.Value.Median;
        if (json)
        {
            var o = new Dictionary<string, object?>
            {
                ["model"] = model,
                ["backend"] = backend,
                ["threads"] = threads,
                ["warmup"] = warmup,
                ["iters"] = iters,
                ["engine"] = engine.ToJson(),
            };
            if (ort is not null)
            {
                o["ort"] = ort.Value.ToJson();
                o["ratio"] = Math.Round(ratio!.Value, 4);
            }
            Console.WriteLine(JsonSerializer.Serialize(o));
            return;
        }
        Console.WriteLine($"model {model}  backend {backend}  threads {threads}  warmup {warmup}  iters {iters}");
        Console.WriteLine($"engine  {engine}");
        if (ort is not null)
        {
            Console.WriteLine($"ort     {ort}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio engine/ort (median) {ratio:F3}"));
        }
    }

    private readonly record struct Stats(double Median, double P10, double P90)
    {
        public static Stats Of(double[] times)
        {
            var s = (double[])times.Clone();
            Array.Sort(s);
            double At(double q) => s[Math.Clamp((int)Math.Round(q * (s.Length - 1)), 0, s.Length - 1)];
            return new Stats(At(0.5), At(0.1), At(0.9));
        }

        public Dictionary<string, double> ToJson() => new()
        {
            ["median_ms"] = Math.Round(Median, 4),
            ["p10_ms"] = Math.Round(P10, 4),
            ["p90_ms"] = Math.Round(P90, 4),
        };

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"median {Median:F3} ms  p10 {P10:F3} ms  p90 {P90:F3} ms");
    }

    private static Dictionary<string, Tensor> ReadInputs(Graph.Graph g, string dir)
    {
        if (!Directory.Exists(dir)) throw new EngineException($"{dir}: input folder not found");
        var files = Directory.GetFiles(dir, "input_*.pb")
            .Select(f => (File: f, Index: int.TryParse(Path.GetFileNameWithoutExtension(f)["input_".Length..], out var i) ? i : -1))
            .Where(x => x.Index >= 0).OrderBy(x => x.Index).ToList();
        var tensors = files.Select(f => TensorProtoConverter.ReadFile(f.File)).ToList();
        return InputBinder.Bind(g, tensors);
    }

    /// <summary>Uniform [0, 1) floats (zeros for other types) of every graph input's static or given shape.</summary>
    private static Dictionary<string, Tensor> RandomInputs(Graph.Graph g, IReadOnlyDictionary<string, int[]> given)
    {
        var rng = new Random(1);
        var feeds = new Dictionary<string, Tensor>();
        foreach (var v in g.Inputs.Where(v => !g.IsInitializer(v)))
        {
            int[] shape;
            if (given.TryGetValue(v.Name, out var fixedShape)) shape = fixedShape;
            else if (v.Type.IsStatic) shape = v.Type.StaticShape();
            else throw new EngineException($"input '{v.Name}' has shape {v.Type} with unknown dims: pass --shape {v.Name}=… or --input-dir with input_N.pb files");
            var t = Tensor.Zeros(v.Type.Elem, shape);
            if (v.Type.Elem == DataType.Float)
            {
                var d = t.As<float>();
                for (int i = 0; i < d.Length; i++) d[i] = (float)rng.NextDouble();
            }
            feeds[v.Name] = t;
        }
        return feeds;
    }
}
