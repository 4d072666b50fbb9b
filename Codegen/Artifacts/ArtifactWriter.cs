using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Engine.Runtime;
using Engine.Runtime.IO;

namespace Engine.Codegen;

/// <summary>What <see cref="ArtifactWriter.Write"/> produced.</summary>
public sealed record ArtifactResult(string Directory, string DllPath, string? NativePath, long NativeBytes);

/// <summary>
/// The AOT path: writes a compiled model as a standalone project that references only Engine.Runtime —
/// <c>Model.cs</c> (the generated class), <c>Program.cs</c> (a fixed host calling
/// <see cref="ArtifactHost.Main"/>; no model text), <c>Model.weights</c> (signatures and weights,
/// <see cref="ArtifactFile"/>), <c>Model.csproj</c> with <c>lib/Engine.Runtime.dll</c> (and its non-framework
/// dependencies) copied beside it, so the folder builds anywhere with the .NET SDK — then builds
/// <c>bin/Model.dll</c> (<c>dotnet bin/Model.dll --input-dir … --output-dir …</c>) and, with native,
/// publishes a NativeAOT executable <c>native/Model</c>. Everything is built in a sibling temporary folder
/// that replaces the target by renames; a non-empty target that is not an earlier artifact is refused.
/// </summary>
public static class ArtifactWriter
{
    /// <summary>File that marks a folder as an Engine artifact (so a later compile may replace it).</summary>
    public const string MarkerFile = ".engine-artifact";

    public static ArtifactResult Write(EmittedModel emitted, string directory, bool native, string instructionSet = "native", TextWriter? log = null)
    {
        if (emitted.Kernels.Length > 0)
            throw new EngineException($"artifact: the model needs {emitted.Kernels.Length} reference kernel(s) that generated code cannot call by name; it can only run in-process (CompiledModel)");
        if (emitted.Weights.Any(w => w.Type == DataType.String))
            throw new EngineException("artifact: the model has string constants, which the weights file cannot hold");
        var target = Path.GetFullPath(directory.TrimEnd('/', '\\'));
        CheckTarget(target, directory);
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        long nativeBytes = 0;
        try
        {
            WriteSources(emitted, temp);
            Dotnet(temp, log, "build", "Model.csproj", "-c", "Release", "-o", "bin", "--nologo", "-v", "q");
            if (native)
            {
                if (FindOnPath("clang") is null)
                    throw new EngineException("--native needs clang to link the NativeAOT executable (install it: apt-get install clang, or run scripts/setup-deps)");
                Dotnet(temp, log, "publish", "Model.csproj", "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "-o", "native", "--nologo", "-v", "q",
                    "-p:PublishAot=true", $"-p:IlcInstructionSet={instructionSet}", "-p:InvariantGlobalization=true");
                nativeBytes = new FileInfo(Path.Combine(temp, "native", NativeName)).Length;
            }
            DeleteIfExists(Path.Combine(temp, "obj"));
            File.WriteAllText(Path.Combine(temp, MarkerFile), "Engine compiled-model artifact; `engine compile -o` may replace this folder.\n");
            Swap(temp, target);
        }
        catch
        {
            DeleteIfExists(temp);
            throw;
        }
        return new ArtifactResult(target, Path.Combine(target, "bin", "Model.dll"),
            native ? Path.Combine(target, "native", NativeName) : null, nativeBytes);
    }

    private static string NativeName => OperatingSystem.IsWindows() ? "Model.exe" : "Model";

    private static void CheckTarget(string target, string given)
    {
        if (File.Exists(target)) throw new EngineException($"-o {given}: is a file, not a folder");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, MarkerFile)))
            throw new EngineException($"-o {given}: the folder is not empty and is not an Engine artifact; refusing to overwrite it");
    }

    private static void WriteSources(EmittedModel emitted, string dir)
    {
        File.WriteAllText(Path.Combine(dir, "Model.cs"), emitted.Source);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), ProgramSource);
        var sig = (IReadOnlyList<TensorSignature> s) => s.Select(x => new ArtifactTensorInfo(x.Name, x.Type, x.Shape)).ToList();
        File.WriteAllBytes(Path.Combine(dir, ArtifactHost.WeightsFileName), ArtifactFile.Write(sig(emitted.Inputs), sig(emitted.Outputs), emitted.Weights));
        var lib = Path.Combine(dir, "lib");
        Directory.CreateDirectory(lib);
        var references = new List<string>();
        foreach (var asm in RuntimeAssemblies())
        {
            File.Copy(asm.Location, Path.Combine(lib, Path.GetFileName(asm.Location)));
            references.Add(Path.GetFileNameWithoutExtension(asm.Location));
        }
        File.WriteAllText(Path.Combine(dir, "Model.csproj"), ProjectSource(references));
        // Stop MSBuild from picking up Directory.Build.* of folders above (e.g. a repository's warning rules).
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(dir, "Directory.Build.targets"), "<Project />\n");
    }

    /// <summary>Engine.Runtime and the assemblies it references that are not part of the shared framework.</summary>
    private static IEnumerable<Assembly> RuntimeAssemblies()
    {
        var runtime = typeof(Tensor).Assembly;
        yield return runtime;
        var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (var name in runtime.GetReferencedAssemblies())
        {
            var asm = Assembly.Load(name);
            if (string.IsNullOrEmpty(asm.Location) || Path.GetDirectoryName(asm.Location) == frameworkDir) continue;
            yield return asm;
        }
    }

    private const string ProgramSource = """
        // Generated by `engine compile -o`: the command-line host of Model.cs. It holds no model text;
        // names, shapes and weights come from Model.weights next to the executable.
        return Engine.Runtime.IO.ArtifactHost.Main(args, (weights, threads) =>
        {
            var model = new Engine.Generated.CompiledGraph(weights, System.Array.Empty<Engine.Runtime.Kernel>(), threads);
            return new Engine.Runtime.IO.ArtifactInstance(model.Invoke, Engine.Generated.CompiledGraph.ArenaLength, model);
        });

        """;

    private static string ProjectSource(IEnumerable<string> references) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <!-- Generated by engine compile. References only Engine.Runtime (copied into lib/).
               Build: dotnet build -c Release -o bin, then run bin/Model.dll with the input-dir and output-dir options.
               NativeAOT: dotnet publish -c Release -r linux-x64 -o native -p:PublishAot=true -p:IlcInstructionSet=native -->
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
            <AssemblyName>Model</AssemblyName>
            <RootNamespace>Engine.Generated</RootNamespace>
            <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
            <Nullable>disable</Nullable>
            <ImplicitUsings>disable</ImplicitUsings>
            <Optimize>true</Optimize>
            <TieredPGO>true</TieredPGO>
            <SatelliteResourceLanguages>en</SatelliteResourceLanguages>
            <NoWarn>$(NoWarn);CS0162;CS0168;CS0219;CS8321</NoWarn>
          </PropertyGroup>
          <ItemGroup>
        {string.Concat(references.Select(r => $"    <Reference Include=\"{r}\"><HintPath>lib/{r}.dll</HintPath></Reference>\n"))}    <None Include="Model.weights" CopyToOutputDirectory="PreserveNewest" CopyToPublishDirectory="PreserveNewest" />
          </ItemGroup>
        </Project>

        """;

    private static void Dotnet(string workingDirectory, TextWriter? log, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A fresh build: no inherited MSBuild node reuse or telemetry from the calling process.
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        log?.WriteLine($"  dotnet {string.Join(' ', args)}");
        using var p = Process.Start(psi) ?? throw new EngineException("artifact: cannot start dotnet");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            var all = stdout + "\n" + stderr.Result;
            var first = all.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? all.Trim().Split('\n').LastOrDefault() ?? "";
            throw new EngineException($"artifact: dotnet {args[0]} failed (exit {p.ExitCode}): {first}");
        }
    }

    private static string? FindOnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, exe)).FirstOrDefault(File.Exists);

    private static void Swap(string temp, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(temp, target);
            return;
        }
        var old = target + ".old-" + Guid.NewGuid().ToString("N");
        Directory.Move(target, old);
        Directory.Move(temp, target);
        DeleteIfExists(old);
    }

    private static void DeleteIfExists(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
