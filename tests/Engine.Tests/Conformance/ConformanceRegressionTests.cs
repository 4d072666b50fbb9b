using Engine.Onnx.Conformance;
using Engine.Tests.Support;
using Xunit.Abstractions;

namespace Engine.Tests.Conformance;

/// <summary>
/// Runs the ONNX node suite and the shared "other" models on the reference executor and fails on
/// any regression against tests/conformance/passing.txt (the committed list of passing tests).
/// </summary>
public class ConformanceRegressionTests
{
    private readonly ITestOutputHelper _out;

    public ConformanceRegressionTests(ITestOutputHelper output) => _out = output;

    /// <summary>Every committed passing test passes on the imported graph (O0) and after the full O3 pipeline.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void NoPassingTestRegresses(int level)
    {
        var dirs = new[]
        {
            Paths.SharedPath("onnx", "node"),
            Paths.SharedPath("onnx", "other", "simple"),
            Paths.SharedPath("onnx", "other", "pytorch-converted"),
            Paths.SharedPath("onnx", "other", "pytorch-operator"),
            Paths.SharedPath("onnx", "other", "light"),
        };
        var cases = ConformanceCase.Discover(dirs);
        var runner = new ConformanceRunner { OptimizationLevel = level, PrimaryOps = ConformanceRunner.LoadPrimaryOps(Paths.SharedPath("onnx", "node-index.tsv")) };
        var results = runner.RunAll(cases);
        var passing = File.ReadAllLines(Path.Combine(Paths.RepoRoot, "tests", "conformance", "passing.txt"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        var byName = results.ToDictionary(r => r.Name);
        var regressions = passing.Where(n => !byName.TryGetValue(n, out var r) || r.Status != ConformanceStatus.Passed)
            .Order(StringComparer.Ordinal)
            .Select(n => byName.TryGetValue(n, out var r) ? $"{n}: {r.Reason}" : $"{n}: not found")
            .ToList();
        int passed = results.Count(r => r.Status == ConformanceStatus.Passed);
        _out.WriteLine($"conformance at O{level}: {passed} passed of {results.Count}; committed list has {passing.Count}");
        Assert.True(regressions.Count == 0, $"{regressions.Count} regressions:\n" + string.Join("\n", regressions.Take(50)));
        Assert.True(passing.Count > 0, "the committed passing list is empty");
    }
}
