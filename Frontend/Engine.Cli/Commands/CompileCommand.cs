using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Codegen;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>
/// engine compile MODEL [--shape name=dims]… [--level N] [--threads N] [--vector auto|scalar|avx2|avx512] [--report]
/// optimizes a model for fixed input shapes, compiles it with the Roslyn CPU backend and prints what
/// became generated code and what fell back to reference kernels (with reasons), the memory plan's arena
/// against its liveness lower bound, the compile time and whether the compile cache was hit.
/// </summary>
public static class CompileCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "model to compile: .onnx, or IR text (.ir, .txt)" };
        var shapes = new Option<string[]>("--shape") { Description = "fix an input shape: name=1x3x224x224 (repeatable; default: the model's own static shapes)" };
        var level = new Option<int>("--level", "-O") { Description = "optimization level 0–3 before compiling", DefaultValueFactory = _ => 2 };
        var threads = new Option<int>("--threads") { Description = "the model's thread count", DefaultValueFactory = _ => Environment.ProcessorCount };
        var vector = new Option<string>("--vector") { Description = "loop bodies: auto, scalar, avx2 (Vector256) or avx512 (Vector512)", DefaultValueFactory = _ => "auto" };
        var report = new Option<bool>("--report") { Description = "print every node: generated code (which lowering), elided, or fallback with the reason" };
        var cmd = new Command("compile", "Compile a model to C# with the Roslyn CPU backend and report lowerings, fallbacks and memory") { model, shapes, level, threads, vector, report };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model)!, p.GetValue(shapes) ?? [], p.GetValue(level), p.GetValue(threads),
            p.GetValue(vector)!, p.GetValue(report))));
        return cmd;
    }

    private static int Execute(string modelPath, string[] shapeSpecs, int level, int threads, string vector, bool report)
    {
        if (level is < 0 or > 3) throw new EngineException($"--level must be 0–3, got {level}");
        if (threads < 1) throw new EngineException($"--threads must be at least 1, got {threads}");
        var path = vector switch
        {
            "auto" => VectorPath.Auto,
            "scalar" => VectorPath.Scalar,
            "avx2" => VectorPath.Vector256,
            "avx512" => VectorPath.Vector512,
            _ => throw new EngineException($"--vector '{vector}' is not one of auto, scalar, avx2, avx512"),
        };
        var m = ModelFormats.Read(modelPath, ModelFormats.FromExtension(modelPath, "input"));
        var shapes = OptimizeCommand.ParseShapes(shapeSpecs);
        foreach (var name in shapes.Keys)
        {
            if (!m.Graph.Inputs.Any(v => v.Name == name))
                throw new EngineException($"--shape: the model has no input '{name}' (inputs: {string.Join(", ", m.Graph.Inputs.Where(v => !m.Graph.IsInitializer(v)).Select(v => v.Name))})");
        }
        var sw = Stopwatch.StartNew();
        PassManager.Run(m.Graph, Pipelines.ForLevel(level, shapes), new PassContext());
        var optimizeTime = sw.Elapsed;
        using var compiled = CompiledModel.Compile(m.Graph, new CodegenOptions { Threads = threads, Vector = path });
        var r = compiled.Report;
        var ci = CultureInfo.InvariantCulture;
        int lowered = r.Nodes.Count(n => n.Outcome == NodeOutcome.Lowered);
        int elided = r.Nodes.Count(n => n.Outcome == NodeOutcome.Elided);
        Console.WriteLine($"compiled {Path.GetFileName(modelPath)}: {Units.Plural(m.Graph.Nodes.Count, "node")} at O{level} -> " +
                          $"{lowered} generated, {elided} elided, {r.Fallbacks.Count} reference-kernel fallback(s); loops {r.Vector}, {compiled.Threads} thread(s)");
        Console.WriteLine(string.Create(ci, $"memory: arena {Units.Bytes(r.ArenaBytes)} ({r.ArenaBytes:N0} B), liveness lower bound {Units.Bytes(r.LowerBoundBytes)} ({r.LowerBoundBytes:N0} B), ratio {r.ArenaRatio:F3}; scratch {Units.Bytes(r.ScratchBytes)}"));
        Console.WriteLine(string.Create(ci, $"time: optimize {optimizeTime.TotalMilliseconds:F0} ms, compile {compiled.CompileTime.TotalMilliseconds:F0} ms ({(compiled.FromCache ? "cache hit" : compiled.ImageFromCache ? "emitted; assembly from cache" : "cache miss: emitted and compiled by Roslyn")}); source {Units.Count(compiled.Source.Length)} chars"));
        if (report)
        {
            var t = new TextTable("node", "op", "became", "detail");
            foreach (var n in r.Nodes)
                t.Add(n.NodeName, n.Op, n.Outcome switch { NodeOutcome.Lowered => "code", NodeOutcome.Elided => "elided", _ => "FALLBACK" }, n.Detail);
            Console.Write(t.Render());
        }
        else if (r.Fallbacks.Count > 0)
        {
            Console.WriteLine("fallbacks (reference kernels; allocate per run):");
            foreach (var g in r.Fallbacks.GroupBy(f => (f.Op, f.Reason)))
                Console.WriteLine($"  {g.Key.Op} x{g.Count()}: {g.Key.Reason}");
        }
        return ExitCodes.Ok;
    }
}
