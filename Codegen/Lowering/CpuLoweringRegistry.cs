using System.Reflection;
using Engine.Graph;

namespace Engine.Codegen.Lowering;

/// <summary>Lowerings by (domain, op type). "" and "ai.onnx" are the same domain.</summary>
public sealed class CpuLoweringRegistry
{
    private readonly Dictionary<(string, string), ICpuLowering> _lowerings = new();

    /// <summary>Identifies this registry in compile-cache keys (a custom registry never shares the default's entries).</summary>
    internal Guid Id { get; } = Guid.NewGuid();

    private static readonly Lazy<CpuLoweringRegistry> DefaultInstance = new(() =>
    {
        var r = new CpuLoweringRegistry();
        r.RegisterLibraries(typeof(CpuLoweringRegistry).Assembly);
        return r;
    });

    /// <summary>Every <see cref="ICpuLoweringLibrary"/> of Engine.Codegen.</summary>
    public static CpuLoweringRegistry Default => DefaultInstance.Value;

    public IEnumerable<KeyValuePair<(string Domain, string OpType), ICpuLowering>> All =>
        _lowerings.Select(kv => new KeyValuePair<(string, string), ICpuLowering>(kv.Key, kv.Value));

    public void Add(string opType, ICpuLowering l) => Add("", opType, l);

    public void Add(string domain, string opType, ICpuLowering l)
    {
        if (!_lowerings.TryAdd((OpRegistry.NormalizeDomain(domain), opType), l))
            throw new InvalidOperationException($"cpu lowering for {domain}::{opType} is registered twice");
    }

    public ICpuLowering? Find(string domain, string opType) =>
        _lowerings.GetValueOrDefault((OpRegistry.NormalizeDomain(domain), opType));

    /// <summary>Registers every public <see cref="ICpuLoweringLibrary"/> with a parameterless constructor, in name order.</summary>
    public void RegisterLibraries(Assembly assembly)
    {
        var libs = assembly.GetTypes()
            .Where(t => typeof(ICpuLoweringLibrary).IsAssignableFrom(t) && !t.IsAbstract && t.IsPublic && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var t in libs) ((ICpuLoweringLibrary)Activator.CreateInstance(t)!).Register(this);
    }
}
