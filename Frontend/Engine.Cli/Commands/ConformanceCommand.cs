using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engine.Onnx.Conformance;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>
/// engine conformance DIR…: runs ONNX test folders on the reference executor, prints failures and a
/// summary table, writes a JSON report, and can check against a committed list of passing tests.
/// </summary>
public static class ConformanceCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("dirs") { Description = "test folders, or folders of test folders", Arity = ArgumentArity.OneOrMore };
        var filter = new Option<string?>("--filter") { Description = "only tests whose name matches this regex" };
        var report = new Option<string?>("--report") { Description = "write a JSON report here" };
        var expect = new Option<string?>("--expect-passing") { Description = "file listing tests that must pass; exit 1 on any regression" };
        var writePassing = new Option<string?>("--write-passing") { Description = "write the names of passing tests to this file" };
        var quiet = new Option<bool>("--quiet") { Description = "print only the summary" };
        var rtol = new Option<double>("--rtol") { DefaultValueFactory = _ => 1e-3, Description = "relative tolerance" };
        var atol = new Option<double>("--atol") { DefaultValueFactory = _ => 1e-7, Description = "absolute tolerance" };
        var level = new Option<int>("--level", "-O") { DefaultValueFactory = _ => 0, Description = "optimize each model at this level (0–3) before running it" };
        var backend = new Option<string>("--backend") { DefaultValueFactory = _ => "reference", Description = "'reference' (interpreter) or 'cpu' (each model compiled with Roslyn; models it cannot take are skipped)" };
        var cmd = new Command("conformance", "Run ONNX conformance tests on the reference executor or the compiled backend") { dirs, filter, report, expect, writePassing, quiet, rtol, atol, level, backend };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(dirs)!, p.GetValue(filter), p.GetValue(report), p.GetValue(expect),
            p.GetValue(writePassing), p.GetValue(quiet), p.GetValue(rtol), p.GetValue(atol), p.GetValue(level), p.GetValue(backend)!)));
        return cmd;
    }

    private static int Execute(string[] dirs, string? filter, string? reportPath, string? expectPath, string? writePassing, bool quiet, double rtol, double atol, int level, string backend)
    {
        if (backend is not ("reference" or "cpu")) throw new EngineException($"--backend '{backend}' is not available (choose: reference, cpu)");
        if (level is < 0 or > 3) throw new EngineException($"--level must be 0–3, got {level}");
        var cases = ConformanceCase.Discover(dirs);
        if (filter is not null)
        {
            Regex re;
            try
            {
                re = new Regex(filter, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new EngineException($"--filter '{filter}' is not a valid regular expression ({e.Message})");
            }
            cases = cases.Where(c => re.IsMatch(c.Name)).ToList();
        }
        var ops = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in dirs)
        {
            foreach (var kv in ConformanceRunner.LoadPrimaryOps(Path.Combine(d, "..", "node-index.tsv"))) ops[kv.Key] = kv.Value;
        }
        var runner = new ConformanceRunner
        {
            Rtol = rtol,
            Atol = atol,
            PrimaryOps = ops,
            OptimizationLevel = level,
            Executor = backend == "cpu" ? Engine.Codegen.CompiledExecutor.For(new Engine.Codegen.CodegenOptions { Threads = 1 }) : null,
        };
        var gate = new object();
        var results = runner.RunAll(cases, r =>
        {
            if (quiet || r.Status == ConformanceStatus.Passed) return;
            lock (gate) Console.WriteLine($"{(r.Status == ConformanceStatus.Failed ? "FAIL" : "SKIP")} {r.Name}: {r.Reason}");
        });
        int passed = results.Count(r => r.Status == ConformanceStatus.Passed);
        int failed = results.Count(r => r.Status == ConformanceStatus.Failed);
        int skipped = results.Count(r => r.Status == ConformanceStatus.Skipped);
        PrintOpTable(results, quiet);
        Console.WriteLine($"conformance: {passed} passed, {failed} failed, {skipped} skipped of {results.Count}");
        if (reportPath is not null) Onnx.SafeFile.WriteAllText(reportPath, ReportJson(results));
        if (writePassing is not null)
            Onnx.SafeFile.WriteAllText(writePassing, string.Join("\n", results.Where(r => r.Status == ConformanceStatus.Passed).Select(r => r.Name).Order(StringComparer.Ordinal)) + "\n");
        if (expectPath is not null)
        {
            var must = File.ReadAllLines(expectPath).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
            var byName = results.ToDictionary(r => r.Name);
            var regressions = must.Where(n => byName.TryGetValue(n, out var r) && r.Status != ConformanceStatus.Passed).Order(StringComparer.Ordinal).ToList();
            if (regressions.Count > 0)
            {
                Console.WriteLine($"REGRESSION: {regressions.Count} tests that passed before fail now: {string.Join(", ", regressions.Take(20))}");
                return ExitCodes.CheckFailed;
            }
        }
        return ExitCodes.Ok;
    }

    private static void PrintOpTable(List<ConformanceResult> results, bool quiet)
    {
        if (quiet) return;
        var byOp = results.GroupBy(r => r.Op).OrderBy(g => g.Key, StringComparer.Ordinal);
        Console.WriteLine($"{"op",-32} {"pass",5} {"fail",5} {"skip",5}");
        foreach (var g in byOp)
        {
            Console.WriteLine($"{g.Key,-32} {g.Count(r => r.Status == ConformanceStatus.Passed),5} {g.Count(r => r.Status == ConformanceStatus.Failed),5} {g.Count(r => r.Status == ConformanceStatus.Skipped),5}");
        }
    }

    private static string ReportJson(List<ConformanceResult> results)
    {
        var report = new
        {
            summary = new
            {
                passed = results.Count(r => r.Status == ConformanceStatus.Passed),
                failed = results.Count(r => r.Status == ConformanceStatus.Failed),
                skipped = results.Count(r => r.Status == ConformanceStatus.Skipped),
            },
            ops = results.GroupBy(r => r.Op).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => new
            {
                passed = g.Count(r => r.Status == ConformanceStatus.Passed),
                failed = g.Count(r => r.Status == ConformanceStatus.Failed),
                skipped = g.Count(r => r.Status == ConformanceStatus.Skipped),
            }),
            tests = results.Select(r => new { name = r.Name, op = r.Op, status = r.Status.ToString().ToLowerInvariant(), reason = r.Reason, seconds = Math.Round(r.Seconds, 3) }),
        };
        return JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
    }
}
