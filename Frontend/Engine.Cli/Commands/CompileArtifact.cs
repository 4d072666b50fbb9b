using Engine.Codegen;

namespace Engine.Cli.Commands;

/// <summary>The -o/--native part of engine compile: writes and builds the AOT artifact, prints what it made.</summary>
internal static class CompileArtifact
{
    public static void Write(EmittedModel emitted, string directory, bool native)
    {
        Console.WriteLine($"artifact: writing {directory}{(native ? " (NativeAOT publish takes a minute or two)" : "")}");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = ArtifactWriter.Write(emitted, directory, native, log: Console.Out);
        Console.WriteLine($"artifact: {r.Directory}: Model.cs, Model.weights, Model.csproj, bin/Model.dll " +
                          $"(run: dotnet {Path.Combine(r.Directory, "bin", "Model.dll")} --input-dir DIR --output-dir DIR)");
        if (r.NativePath is not null)
            Console.WriteLine($"artifact: NativeAOT executable {r.NativePath}: {Units.Bytes(r.NativeBytes)} ({r.NativeBytes:N0} B)");
        Console.WriteLine($"artifact: built in {sw.Elapsed.TotalSeconds:F1} s");
    }
}
