using System.CommandLine;
using System.Diagnostics;
using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Onnx.Inspection;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>
/// engine demo: the whole pipeline as it stands, on the MNIST sample the repository carries —
/// inspect, run on the reference executor, optimize at O3 with bisection, export and re-import.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "model folder with model.onnx and test_data_set_0 (default: samples/mnist)" };
        var cmd = new Command("demo", "Show the pipeline end to end on the carried MNIST sample") { model };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model))));
        return cmd;
    }

    private static string FindSample()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "samples", "mnist");
            if (File.Exists(Path.Combine(p, "model.onnx"))) return p;
        }
        throw new EngineException("samples/mnist not found: run the demo from a checkout of the repository");
    }

    private static int Execute(string? folder)
    {
        folder ??= FindSample();
        var modelPath = Path.Combine(folder, "model.onnx");
        var set = Path.Combine(folder, "test_data_set_0");
        Console.WriteLine($"== 1. inspect {modelPath}");
        Console.WriteLine(InspectCommand.ToText(ModelInspector.Inspect(modelPath)));

        Console.WriteLine("== 2. run on the reference executor");
        var m = new OnnxImporter().Load(modelPath);
        var inputs = InputBinder.Bind(m.Graph, Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList());
        var expected = Directory.GetFiles(set, "output_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
        var sw = Stopwatch.StartNew();
        var outs = new ReferenceExecutor(m.Graph).Run(inputs);
        sw.Stop();
        var output = outs[m.Graph.Outputs[0].Name];
        var scores = output.ToDoubleArray();
        int best = Array.IndexOf(scores, scores.Max());
        var diff = OutputComparer.Compare(expected[0].Tensor, output, 1e-3, 1e-4);
        Console.WriteLine($"scores: [{string.Join(", ", scores.Select(s => s.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"predicted digit: {best}   ({sw.Elapsed.TotalMilliseconds:0.0} ms)   matches ONNX Runtime's recorded output: {(diff is null ? "yes" : "NO: " + diff)}");

        Console.WriteLine();
        Console.WriteLine("== 3. optimize at O3, checking the outputs after every pass");
        var bisector = new NumericBisector(m.Graph, inputs);
        int before = m.Graph.Nodes.Count;
        var reports = PassManager.Run(m.Graph, Pipelines.ForLevel(3), new PassContext { AfterPass = bisector.Check });
        foreach (var r in reports) Console.WriteLine($"  {r.Pass,-36} {r.NodesBefore,4} → {r.NodesAfter,4} nodes");
        Console.WriteLine($"nodes: {before} → {m.Graph.Nodes.Count}; ops now: {string.Join(", ", m.Graph.Nodes.Select(n => n.OpType))}");
        Console.WriteLine(bisector.FirstBadPass is { } bad ? $"outputs CHANGED by pass {bad.Pass}: {bad.Difference}" : "outputs unchanged by every pass");

        Console.WriteLine();
        Console.WriteLine("== 4. export the optimized graph to ONNX and import it again");
        var tmp = Path.Combine(Path.GetTempPath(), $"engine-demo-{Environment.ProcessId}.onnx");
        try
        {
            OnnxExporter.Save(m, tmp);
            var again = new OnnxImporter().Load(tmp);
            var outs2 = new ReferenceExecutor(again.Graph).Run(inputs);
            var diff2 = OutputComparer.Compare(expected[0].Tensor, outs2[again.Graph.Outputs[0].Name], 1e-3, 1e-4);
            Console.WriteLine($"{new FileInfo(tmp).Length} bytes; re-imported model matches: {(diff2 is null ? "yes" : "NO: " + diff2)}");

            Console.WriteLine();
            // The backend does not lower conv-epilogue Fused groups yet, so it compiles the O2 graph.
            Console.WriteLine("== 5. compile the O2-optimized graph to C# with Roslyn and run it");
            var o2 = new OnnxImporter().Load(modelPath);
            PassManager.Run(o2.Graph, Pipelines.ForLevel(2), new PassContext());
            var csw = Stopwatch.StartNew();
            using var compiled = Engine.Codegen.CompiledModel.Compile(o2.Graph);
            csw.Stop();
            var outs3 = compiled.Run(inputs);
            var diff3 = OutputComparer.Compare(expected[0].Tensor, outs3[o2.Graph.Outputs[0].Name], 1e-3, 1e-4);
            Console.WriteLine($"compiled in {csw.Elapsed.TotalSeconds:0.0} s ({compiled.Report.InlinedNodes.Count} nodes as generated loops, {compiled.Report.Fallbacks.Count} calling reference kernels); matches: {(diff3 is null ? "yes" : "NO: " + diff3)}");
            return diff is null && diff2 is null && diff3 is null && bisector.FirstBadPass is null ? ExitCodes.Ok : ExitCodes.CheckFailed;
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
