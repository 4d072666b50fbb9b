using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// In-process cache of emitted models keyed by SHA-256 of (options, printed optimized IR with large
/// tensors as fingerprints, SHA-256 of every top-level initializer's bytes), so compiling the same model
/// twice runs neither the emitter (and its weight packing) nor Roslyn.
/// </summary>
internal static class CompileCache
{
    private const int MaxEntries = 64;
    private static readonly ConcurrentDictionary<string, Lazy<EmittedModel>> Cache = new(StringComparer.Ordinal);

    public static string Key(Graph.Graph graph, CodegenOptions options)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(options.KeyText + "\n"));
        sha.AppendData(Encoding.UTF8.GetBytes(IrPrinter.Print(graph, elideTensorsAbove: 64)));
        foreach (var v in graph.InitializerValues)
        {
            var t = graph.InitializerData(v)!;
            if (t.Length <= 64) continue;
            sha.AppendData(t.Type == DataType.String ? Encoding.UTF8.GetBytes(string.Join("\0", t.As<string>())) : t.ToRawBytes());
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    public static EmittedModel GetOrEmit(string key, Func<EmittedModel> emit, out bool hit)
    {
        bool missed = false;
        var lazy = Cache.GetOrAdd(key, _ => new Lazy<EmittedModel>(() =>
        {
            missed = true;
            return emit();
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        EmittedModel model;
        try
        {
            model = lazy.Value;
        }
        catch
        {
            Cache.TryRemove(key, out _);
            throw;
        }
        if (Cache.Count > MaxEntries)
            foreach (var k in Cache.Keys.Where(k => k != key).Take(Cache.Count - MaxEntries)) Cache.TryRemove(k, out _);
        hit = !missed;
        return model;
    }
}
