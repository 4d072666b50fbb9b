using System.Diagnostics;
using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Onnx.Conformance;

/// <summary>Runs conformance cases on the reference executor and compares with expected outputs.</summary>
public sealed class ConformanceRunner
{
    public double Rtol { get; init; } = 1e-3;

    public double Atol { get; init; } = 1e-7;

    /// <summary>Tests taking longer than this are reported failed (the run goes on).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Optimization level (0–3) of the pipeline run on each model after import, before executing it.</summary>
    public int OptimizationLevel { get; init; }

    /// <summary>Runs a (possibly optimized) graph on its inputs; null = the reference executor. A backend that
    /// cannot take a model throws an EngineException saying "not supported" (the test is then skipped).</summary>
    public Func<Engine.Graph.Graph, Dictionary<string, Tensor>, Dictionary<string, Tensor>>? Executor { get; init; }

    /// <summary>Primary op per test name (from node-index.tsv when present).</summary>
    public IReadOnlyDictionary<string, string> PrimaryOps { get; init; } = new Dictionary<string, string>();

    public List<ConformanceResult> RunAll(IReadOnlyList<ConformanceCase> cases, Action<ConformanceResult>? onResult = null)
    {
        var results = new ConformanceResult[cases.Count];
        Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Parallelism) }, i =>
        {
            results[i] = RunWithTimeout(cases[i]);
            onResult?.Invoke(results[i]);
        });
        return results.ToList();
    }

    private ConformanceResult RunWithTimeout(ConformanceCase c)
    {
        var task = Task.Factory.StartNew(() => Run(c), TaskCreationOptions.LongRunning);
        if (task.Wait(Timeout)) return task.Result;
        return new ConformanceResult(c.Name, PrimaryOps.GetValueOrDefault(c.Name, "?"), ConformanceStatus.Failed, $"timed out after {Timeout.TotalSeconds:0} s", Timeout.TotalSeconds);
    }

    public ConformanceResult Run(ConformanceCase c)
    {
        var sw = Stopwatch.StartNew();
        string op = PrimaryOps.GetValueOrDefault(c.Name, "?");
        try
        {
            var model = new OnnxImporter().Load(c.ModelPath);
            if (OptimizationLevel > 0) PassManager.Run(model.Graph, Pipelines.ForLevel(OptimizationLevel), new PassContext());
            if (op == "?") op = model.Graph.Nodes.Count == 1 ? model.Graph.Nodes[0].OpType : "(graph)";
            if (c.DataSets.Count == 0) return new(c.Name, op, ConformanceStatus.Skipped, "no test data sets", sw.Elapsed.TotalSeconds);
            foreach (var set in c.DataSets)
            {
                var failure = c.GeneratedInput ? RunGenerated(model, set) : RunDataSet(model, set);
                if (failure is not null) return new(c.Name, op, ConformanceStatus.Failed, failure, sw.Elapsed.TotalSeconds);
            }
            return new(c.Name, op, ConformanceStatus.Passed, "", sw.Elapsed.TotalSeconds);
        }
        catch (EngineException e)
        {
            var status = e.Message.Contains("not supported", StringComparison.Ordinal) ? ConformanceStatus.Skipped : ConformanceStatus.Failed;
            return new(c.Name, op, status, OneLine(e.Message), sw.Elapsed.TotalSeconds);
        }
        catch (Exception e)
        {
            return new(c.Name, op, ConformanceStatus.Failed, $"crash: {e.GetType().Name}: {OneLine(e.Message)}", sw.Elapsed.TotalSeconds);
        }
    }

    private static string OneLine(string s) => s.Split('\n')[0].Trim();

    private string? RunDataSet(Model model, string dir)
    {
        var g = model.Graph;
        var inputs = Directory.GetFiles(dir, "input_*.pb").OrderBy(f => IndexOf(f)).Select(TensorProtoConverter.ReadFile).ToList();
        var expected = Directory.GetFiles(dir, "output_*.pb").OrderBy(f => IndexOf(f)).Select(TensorProtoConverter.ReadFile).ToList();
        var feeds = InputBinder.Bind(g, inputs);
        var outs = Execute(g, feeds);
        return CompareOutputs(g, expected, outs);
    }

    private string? RunGenerated(Model model, string expectedFile)
    {
        var g = model.Graph;
        var input = g.Inputs.First(v => !g.IsInitializer(v));
        var shape = input.Type.StaticShape();
        var t = Tensor.Zeros(DataType.Float, shape);
        var data = t.As<float>();
        for (int i = 0; i < data.Length; i++) data[i] = (float)i / data.Length;
        var outs = Execute(g, new Dictionary<string, Tensor> { [input.Name] = t });
        return CompareOutputs(g, [TensorProtoConverter.ReadFile(expectedFile)], outs);
    }

    private Dictionary<string, Tensor> Execute(Engine.Graph.Graph g, Dictionary<string, Tensor> feeds) =>
        Executor is null ? new ReferenceExecutor(g).Run(feeds) : Executor(g, feeds);

    private string? CompareOutputs(Engine.Graph.Graph g, List<(string Name, Tensor Tensor)> expected, Dictionary<string, Tensor> outs)
    {
        if (expected.Count != g.Outputs.Count) return $"model has {g.Outputs.Count} outputs but the test expects {expected.Count}";
        for (int i = 0; i < expected.Count; i++)
        {
            var name = g.Outputs[i].Name;
            var diff = OutputComparer.Compare(expected[i].Tensor, outs[name], Rtol, Atol);
            if (diff is not null) return $"output '{name}': {diff}";
        }
        return null;
    }

    private static int IndexOf(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        return int.TryParse(stem[(stem.LastIndexOf('_') + 1)..], out var i) ? i : 0;
    }

    /// <summary>Reads node-index.tsv (test → primary op) if it exists.</summary>
    public static Dictionary<string, string> LoadPrimaryOps(string? indexPath)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (indexPath is null || !File.Exists(indexPath)) return map;
        foreach (var line in File.ReadLines(indexPath).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length > 1) map[cols[0]] = cols[1];
        }
        return map;
    }
}
