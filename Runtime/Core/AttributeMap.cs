namespace Engine.Runtime;

/// <summary>
/// Named attribute values of one op instance. Values are: long, float, string, long[], float[],
/// string[], Tensor, Tensor[], or an opaque object (a subgraph, owned by the IR layer).
/// A map can fall back to <see cref="Defaults"/> (the op schema's defaults), so a kernel reads
/// <c>attrs.GetInt("group")</c> and the default lives in exactly one place: the op definition.
/// </summary>
public sealed class AttributeMap
{
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);

    public AttributeMap(AttributeMap? defaults = null) => Defaults = defaults;

    public AttributeMap? Defaults { get; }

    /// <summary>Name used in error messages (usually the node's name).</summary>
    public string Owner { get; set; } = "node";

    /// <summary>Explicitly set attributes, in insertion order of names.</summary>
    public IEnumerable<KeyValuePair<string, object>> Explicit => _values;

    public int Count => _values.Count;

    public void Set(string name, object value) => _values[name] = Normalize(name, value);

    public bool Remove(string name) => _values.Remove(name);

    /// <summary>True when set explicitly or defaulted.</summary>
    public bool Has(string name) => _values.ContainsKey(name) || (Defaults?.Has(name) ?? false);

    public bool HasExplicit(string name) => _values.ContainsKey(name);

    public object? Get(string name)
    {
        if (_values.TryGetValue(name, out var v)) return v;
        return Defaults?.Get(name);
    }

    /// <summary>A copy of the explicit values with another fallback.</summary>
    public AttributeMap WithDefaults(AttributeMap? defaults)
    {
        var m = new AttributeMap(defaults) { Owner = Owner };
        foreach (var kv in _values) m._values[kv.Key] = kv.Value;
        return m;
    }

    public long GetInt(string name) => Get(name) switch
    {
        long l => l,
        null => throw Missing(name),
        var o => throw WrongType(name, "int", o),
    };

    public long GetInt(string name, long fallback) => Get(name) is { } o ? (o is long l ? l : throw WrongType(name, "int", o)) : fallback;

    public float GetFloat(string name) => Get(name) switch
    {
        float f => f,
        long l => l,
        null => throw Missing(name),
        var o => throw WrongType(name, "float", o),
    };

    public float GetFloat(string name, float fallback) => Has(name) ? GetFloat(name) : fallback;

    public string GetString(string name) => Get(name) switch
    {
        string s => s,
        null => throw Missing(name),
        var o => throw WrongType(name, "string", o),
    };

    public string GetString(string name, string fallback) => Has(name) ? GetString(name) : fallback;

    public long[] GetInts(string name) => GetIntsOrNull(name) ?? throw Missing(name);

    public long[]? GetIntsOrNull(string name) => Get(name) switch
    {
        long[] a => a,
        null => null,
        var o => throw WrongType(name, "ints", o),
    };

    public float[] GetFloats(string name) => GetFloatsOrNull(name) ?? throw Missing(name);

    public float[]? GetFloatsOrNull(string name) => Get(name) switch
    {
        float[] a => a,
        long[] l => l.Select(x => (float)x).ToArray(),
        null => null,
        var o => throw WrongType(name, "floats", o),
    };

    public string[] GetStrings(string name) => GetStringsOrNull(name) ?? throw Missing(name);

    public string[]? GetStringsOrNull(string name) => Get(name) switch
    {
        string[] a => a,
        null => null,
        var o => throw WrongType(name, "strings", o),
    };

    public Tensor GetTensor(string name) => GetTensorOrNull(name) ?? throw Missing(name);

    public Tensor? GetTensorOrNull(string name) => Get(name) switch
    {
        Tensor t => t,
        null => null,
        var o => throw WrongType(name, "tensor", o),
    };

    private static object Normalize(string name, object value) => value switch
    {
        int i => (long)i,
        double d => (float)d,
        int[] a => a.Select(x => (long)x).ToArray(),
        double[] a => a.Select(x => (float)x).ToArray(),
        _ => value,
    };

    private EngineException Missing(string name) => new($"{Owner}: required attribute '{name}' is missing");

    private EngineException WrongType(string name, string want, object got) =>
        new($"{Owner}: attribute '{name}' should be {want} but is {got.GetType().Name}");
}
