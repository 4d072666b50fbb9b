using System.CommandLine;
using System.Globalization;
using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>
/// engine optimize MODEL -o OUT [-O0..3] [--disable-pass NAME]… [--dump-ir DIR] [--bisect] [--shape name=dims]
/// prints a per-pass table and writes the optimized model (ONNX or IR text, by extension).
/// </summary>
public static class OptimizeCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "model to optimize: .onnx, or IR text (.ir, .txt)" };
        var output = new Option<string?>("--output", "-o") { Description = "write the optimized model here; the extension picks the format: .onnx, or .ir/.txt for IR text" };
        var level = new Option<int>("--level", "-O") { Description = "optimization level 0–3", DefaultValueFactory = _ => 3 };
        var disable = new Option<string[]>("--disable-pass") { Description = "skip a pass by name (repeatable)", AllowMultipleArgumentsPerToken = false };
        var dump = new Option<string?>("--dump-ir") { Description = "write the IR text after every pass into this folder" };
        var bisect = new Option<bool>("--bisect") { Description = "run the reference executor after every pass and name the first pass that changes the outputs" };
        var shapes = new Option<string[]>("--shape") { Description = "fix an input shape: name=1x3x224x224 (repeatable)" };
        var seed = new Option<int>("--seed") { Description = "seed of the random bisection inputs", DefaultValueFactory = _ => 0 };
        var keep = new Option<string[]>("--keep") { Description = "keep an intermediate value observable: no rewrite or fusion may remove or hide it (repeatable)" };
        var cmd = new Command("optimize", "Optimize a model's graph and report what each pass did") { model, output, level, disable, dump, bisect, shapes, seed, keep };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model)!, p.GetValue(output), p.GetValue(level), p.GetValue(disable) ?? [],
            p.GetValue(dump), p.GetValue(bisect), p.GetValue(shapes) ?? [], p.GetValue(seed), p.GetValue(keep) ?? [])));
        return cmd;
    }

    public static Dictionary<string, int[]> ParseShapes(IEnumerable<string> specs)
    {
        var map = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var s in specs)
        {
            int eq = s.LastIndexOf('=');
            if (eq <= 0) throw new EngineException($"--shape '{s}' should look like name=1x3x224x224");
            var dims = s[(eq + 1)..].Split('x', ',');
            map[s[..eq]] = dims.Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 0
                ? v : throw new EngineException($"--shape '{s}': '{d}' is not a dimension")).ToArray();
        }
        return map;
    }

    private static int Execute(string modelPath, string? output, int level, string[] disabled, string? dumpDir, bool bisect, string[] shapeSpecs, int seed, string[] keep)
    {
        var names = Pipelines.PassNames.ToHashSet(StringComparer.Ordinal);
        foreach (var d in disabled)
        {
            if (!names.Contains(d)) throw new EngineException($"--disable-pass '{d}' is not a pass (passes: {string.Join(", ", names)})");
        }
        var outputFormat = output is null ? ModelFormat.Onnx : ModelFormats.FromExtension(output, "output");
        if (output is not null && ModelFormats.SameFile(output, modelPath))
            throw new EngineException($"-o {output} would overwrite the input model; choose another file");
        if (output is not null && Directory.Exists(output)) throw new EngineException($"{output}: is a folder; give a file name to write");
        var m = ModelFormats.Read(modelPath, ModelFormats.FromExtension(modelPath, "input"));
        var shapes = ParseShapes(shapeSpecs);
        NumericBisector? bisector = null;
        if (bisect)
        {
            new ShapeInference(shapes).Run(m.Graph, new PassContext());
            bisector = new NumericBisector(m.Graph, NumericBisector.RandomInputs(m.Graph, seed));
        }
        var ctx = new PassContext { DumpDirectory = dumpDir, AfterPass = bisector is null ? null : bisector.Check };
        foreach (var d in disabled) ctx.Disabled.Add(d);
        foreach (var k in keep)
        {
            if (!m.Graph.AllNodes().SelectMany(n => n.Outputs).Any(v => v?.Name == k))
                throw new EngineException($"--keep '{k}' names no value produced by a node of the model");
            ctx.PinnedValues.Add(k);
        }
        var reports = PassManager.Run(m.Graph, Pipelines.ForLevel(level, shapes), ctx);
        Console.WriteLine($"{"pass",-36} {"nodes before",12} {"after",6} {"ms",9}");
        foreach (var r in reports)
        {
            Console.WriteLine($"{r.Pass,-36} {r.NodesBefore,12} {r.NodesAfter,6} {(r.Skipped ? "skipped" : r.Milliseconds.ToString("0.0", CultureInfo.InvariantCulture)),9}");
        }
        if (bisector is not null)
        {
            Console.WriteLine(bisector.FirstBadPass is { } bad
                ? $"bisect: first pass that changes the outputs: {bad.Pass} ({bad.Difference})"
                : $"bisect: outputs unchanged after every pass (rtol {bisector.Rtol}, atol {bisector.Atol})");
        }
        if (output is not null)
        {
            ModelFormats.Write(m, output, outputFormat);
            Console.WriteLine($"wrote {output}");
        }
        return bisector?.FirstBadPass is null ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }
}
