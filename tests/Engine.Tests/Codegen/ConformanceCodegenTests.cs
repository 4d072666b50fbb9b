using Engine.Codegen;
using Engine.Onnx.Conformance;
using Engine.Tests.Support;
using Xunit.Abstractions;

namespace Engine.Tests.Codegen;

/// <summary>
/// The ONNX node conformance tests that pass on the reference executor pass on the compiled path too.
/// Compiling ~1,400 models takes several minutes on two cores, so CI runs a deterministic sample: every
/// third passing node test by name (≈470 models); `engine conformance ../shared/onnx/node --backend cpu`
/// runs them all. A model the backend cannot take (data-dependent shapes, strings, subgraphs) is skipped
/// with the reason; any other difference is a failure.
/// </summary>
public class ConformanceCodegenTests
{
    private readonly ITestOutputHelper _out;

    public ConformanceCodegenTests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void SampledPassingNodeTestsPassOnTheCompiledPath()
    {
        var passing = File.ReadAllLines(Path.Combine(Paths.RepoRoot, "tests", "conformance", "passing.txt"))
            .Select(l => l.Trim()).Where(l => l.StartsWith("test_", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var cases = ConformanceCase.Discover([Paths.SharedPath("onnx", "node")])
            .Where(c => passing.Contains(c.Name)).OrderBy(c => c.Name, StringComparer.Ordinal)
            .Where((_, i) => i % 3 == 0).ToList();
        var runner = new ConformanceRunner
        {
            PrimaryOps = ConformanceRunner.LoadPrimaryOps(Paths.SharedPath("onnx", "node-index.tsv")),
            Executor = CompiledExecutor.For(new CodegenOptions { Threads = 1 }),
        };
        var results = runner.RunAll(cases);
        var failed = results.Where(r => r.Status == ConformanceStatus.Failed).Select(r => $"{r.Name}: {r.Reason}").ToList();
        var skipped = results.Where(r => r.Status == ConformanceStatus.Skipped).ToList();
        int passed = results.Count(r => r.Status == ConformanceStatus.Passed);
        _out.WriteLine($"compiled conformance sample: {passed} passed, {skipped.Count} cannot compile, {failed.Count} failed of {results.Count}");
        foreach (var s in skipped) _out.WriteLine($"skip {s.Name}: {s.Reason}");
        Assert.True(cases.Count >= 400, $"only {cases.Count} cases sampled");
        Assert.True(failed.Count == 0, $"{failed.Count} failures:\n" + string.Join("\n", failed.Take(40)));
        Assert.True(passed >= cases.Count * 0.85, $"only {passed} of {cases.Count} compiled and passed");
    }
}
