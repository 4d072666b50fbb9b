using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using Engine.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Engine.Codegen;

/// <summary>
/// Compiles generated C# in memory (Release, unsafe allowed) and caches the assembly image by a
/// SHA-256 key, so compiling the same optimized model again in this process skips Roslyn. Only the
/// image is cached: every <see cref="CompiledModel"/> loads it into its own collectible context and
/// unloads it on Dispose.
/// </summary>
public static class RoslynCompiler
{
    private const int MaxCachedImages = 64;

    private static readonly ConcurrentDictionary<string, Lazy<byte[]>> Cache = new(StringComparer.Ordinal);
    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);
    private static int _compilations;

    /// <summary>How many times Roslyn actually ran in this process (cache misses).</summary>
    public static int CompilationCount => Volatile.Read(ref _compilations);

    /// <summary>The image cache key of a generated source: its SHA-256 (models differing only in weights share it).</summary>
    public static string SourceKey(string source) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(source)));

    /// <summary>The assembly image for <paramref name="key"/>, compiling <paramref name="source"/> only on a miss.</summary>
    public static byte[] GetOrCompile(string key, Func<string> source, out bool fromCache)
    {
        bool hit = true;
        var lazy = Cache.GetOrAdd(key, k => new Lazy<byte[]>(() =>
        {
            hit = false;
            return Compile(source(), "Engine.Generated." + k[..16]);
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        byte[] image;
        try
        {
            image = lazy.Value;
        }
        catch
        {
            Cache.TryRemove(key, out _);
            throw;
        }
        if (Cache.Count > MaxCachedImages)
        {
            foreach (var k in Cache.Keys.Where(k => k != key).Take(Cache.Count - MaxCachedImages)) Cache.TryRemove(k, out _);
        }
        fromCache = hit;
        return image;
    }

    /// <summary>Compiles one source file to an assembly image; errors become an EngineException with the first diagnostic.</summary>
    public static byte[] Compile(string source, string assemblyName)
    {
        Interlocked.Increment(ref _compilations);
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create(assemblyName, [tree], References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Disable));
        using var ms = new MemoryStream();
        var result = compilation.Emit(ms);
        if (!result.Success)
        {
            var first = result.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) ?? result.Diagnostics.First();
            throw new EngineException($"cpu backend: generated C# does not compile: {first.ToString().Split('\n')[0]}");
        }
        return ms.ToArray();
    }

    /// <summary>Loads an image into a new collectible context; Engine.Runtime and the framework resolve to the host's copies.</summary>
    public static (AssemblyLoadContext Context, Assembly Assembly) Load(byte[] image)
    {
        var alc = new AssemblyLoadContext("Engine.Generated", isCollectible: true);
        using var ms = new MemoryStream(image, writable: false);
        return (alc, alc.LoadFromStream(ms));
    }

    private static MetadataReference[] LoadReferences()
    {
        // The framework's implementation assemblies (the TPA list) compile fine against; we take the
        // few the generated code touches plus Engine.Runtime.
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "System.Private.CoreLib", "System.Runtime", "System.Runtime.Intrinsics", "System.Memory",
            "System.Numerics.Vectors", "System.Runtime.InteropServices", "System.Collections", "netstandard",
        };
        var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator);
        var refs = tpa.Where(p => wanted.Contains(Path.GetFileNameWithoutExtension(p)))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
        refs.Add(MetadataReference.CreateFromFile(typeof(Tensor).Assembly.Location));
        return refs.ToArray();
    }
}
