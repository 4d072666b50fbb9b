using System.Reflection;
using Engine.Runtime;

namespace Engine.Graph;

/// <summary>All known ops, by (domain, name). "" and "ai.onnx" are the same domain.</summary>
public sealed class OpRegistry
{
    /// <summary>Our own domain for fused and internal ops (ORT uses com.microsoft the same way).</summary>
    public const string EngineDomain = "ai.engine";

    private readonly Dictionary<(string, string), OpSchema> _ops = new();

    private static readonly Lazy<OpRegistry> DefaultInstance = new(() =>
    {
        var r = new OpRegistry();
        r.RegisterLibraries(typeof(OpRegistry).Assembly);
        return r;
    });

    /// <summary>The registry with every op library in Engine.Graph.</summary>
    public static OpRegistry Default => DefaultInstance.Value;

    public IEnumerable<OpSchema> All => _ops.Values;

    public static string NormalizeDomain(string? domain) => domain is null or "" or "ai.onnx" ? "" : domain;

    public OpSchema Add(string name) => Add("", name);

    public OpSchema Add(string domain, string name)
    {
        var s = new OpSchema(NormalizeDomain(domain), name);
        if (!_ops.TryAdd((s.Domain, name), s))
            throw new InvalidOperationException($"op {s.QualifiedName} is defined twice");
        return s;
    }

    public bool TryGet(string domain, string name, out OpSchema schema) =>
        _ops.TryGetValue((NormalizeDomain(domain), name), out schema!);

    public OpSchema Get(string domain, string name) =>
        TryGet(domain, name, out var s) ? s : throw new EngineException($"unknown op {(NormalizeDomain(domain) is "" ? "" : domain + "::")}{name}");

    public OpSchema Get(string name) => Get("", name);

    /// <summary>Registers every <see cref="IOpLibrary"/> with a public parameterless constructor in the assembly.</summary>
    public void RegisterLibraries(Assembly assembly)
    {
        var libs = assembly.GetTypes()
            .Where(t => typeof(IOpLibrary).IsAssignableFrom(t) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var t in libs) ((IOpLibrary)Activator.CreateInstance(t)!).Register(this);
    }
}
