using System.Diagnostics;
using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Passes;
using Engine.Runtime;
using Engine.Tests.Support;
using Xunit.Abstractions;

namespace Engine.Tests.Codegen;

/// <summary>
/// The AOT path end to end on mnist: the artifact folder builds with `dotnet build` referencing only
/// Engine.Runtime, and its dll (or NativeAOT executable) runs in a fresh process — no Roslyn, no compiler —
/// reading input_N.pb and writing output_N.pb that match the reference executor. Each test builds a
/// project (seconds; the NativeAOT publish about a minute), so there are only these two.
/// </summary>
public class ArtifactTests(ITestOutputHelper output)
{
    private static readonly string DataSet = Paths.SharedPath("models", "mnist", "test_data_set_0");

    private static (EmittedModel Emitted, Dictionary<string, Tensor> Expected) CompileMnist()
    {
        var model = new OnnxImporter().Load(Paths.SharedPath("models", "mnist", "model.onnx"));
        PassManager.Run(model.Graph, Pipelines.ForLevel(2), new PassContext());
        var inputs = Directory.GetFiles(DataSet, "input_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
        var expected = new ReferenceExecutor(model.Graph).Run(InputBinder.Bind(model.Graph, inputs));
        using var compiled = CompiledModel.Compile(model.Graph, new CodegenOptions { Threads = 1 });
        return (compiled.Emitted, expected);
    }

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "engine-artifact-" + Guid.NewGuid().ToString("N"));

    /// <summary>Runs a command through /bin/sh from the root folder, with no inherited .NET host variables.</summary>
    private static string Fresh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("COREHOST", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"`{command}` exited {p.ExitCode}: {stdout} {err.Result}");
        return stdout;
    }

    private static void OutputsMatch(string outDir, Dictionary<string, Tensor> expected)
    {
        var (name, t) = TensorProtoConverter.ReadFile(Path.Combine(outDir, "output_0.pb"));
        Assert.True(expected.ContainsKey(name), $"output named '{name}'");
        var diff = OutputComparer.Compare(expected[name], t, 1e-4, 1e-5);
        Assert.True(diff is null, diff);
    }

    [Fact]
    public void DllRunsInAFreshProcessAndMatchesTheReference()
    {
        var (emitted, expected) = CompileMnist();
        var dir = TempDir();
        try
        {
            var r = ArtifactWriter.Write(emitted, dir, native: false);
            Assert.True(File.Exists(Path.Combine(dir, "Model.cs")) && File.Exists(Path.Combine(dir, "Model.weights")));
            var csproj = File.ReadAllText(Path.Combine(dir, "Model.csproj"));
            Assert.Contains("lib/Engine.Runtime.dll", csproj);
            Assert.DoesNotContain("Codegen", csproj);
            Assert.DoesNotContain("Roslyn", csproj);
            Assert.DoesNotContain(Directory.GetFiles(Path.Combine(dir, "bin")), f => f.Contains("CodeAnalysis") || f.Contains("Engine.Codegen") || f.Contains("Protobuf"));
            var outDir = Path.Combine(dir, "out");
            var stdout = Fresh($"dotnet '{r.DllPath}' --input-dir '{DataSet}' --output-dir '{outDir}'");
            output.WriteLine(stdout);
            OutputsMatch(outDir, expected);

            // A folder with the user's own files is never overwritten.
            var user = TempDir();
            Directory.CreateDirectory(user);
            File.WriteAllText(Path.Combine(user, "notes.txt"), "mine");
            var e = Assert.Throws<EngineException>(() => ArtifactWriter.Write(emitted, user, native: false));
            Assert.Contains("not an Engine artifact", e.Message);
            Assert.Equal("mine", File.ReadAllText(Path.Combine(user, "notes.txt")));
            Directory.Delete(user, true);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [NativeAotFact]
    public void NativeExecutableRunsInAFreshShellAndMatchesTheReference()
    {
        var (emitted, expected) = CompileMnist();
        var dir = TempDir();
        try
        {
            // The target holds an earlier artifact: it is replaced as a whole.
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, ArtifactWriter.MarkerFile), "");
            File.WriteAllText(Path.Combine(dir, "stale.txt"), "old");
            var clock = Stopwatch.StartNew();
            var r = ArtifactWriter.Write(emitted, dir, native: true);
            Assert.False(File.Exists(Path.Combine(dir, "stale.txt")));
            output.WriteLine($"NativeAOT mnist: {r.NativeBytes:N0} bytes, built in {clock.Elapsed.TotalSeconds:F0} s");
            var outDir = Path.Combine(dir, "out");
            Fresh($"'{r.NativePath}' --input-dir '{DataSet}' --output-dir '{outDir}'");
            OutputsMatch(outDir, expected);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}

/// <summary>A fact skipped only when clang (the NativeAOT linker) is missing; `scripts/setup-deps` (run by `./test` and `./engine`) installs it.</summary>
public sealed class NativeAotFactAttribute : FactAttribute
{
    public NativeAotFactAttribute()
    {
        bool clang = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "clang")));
        if (!clang) Skip = "clang is not installed (NativeAOT links with it; scripts/setup-deps installs it)";
    }
}
