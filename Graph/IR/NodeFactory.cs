namespace Engine.Graph;

/// <summary>Creates nodes with fresh output values; used by importers, rewrites and tests.</summary>
public static class NodeFactory
{
    private static long _counter;

    public static string FreshName(string hint) => $"{hint}__{Interlocked.Increment(ref _counter)}";

    /// <summary>A node of <paramref name="schema"/> reading <paramref name="inputs"/> with
    /// <paramref name="outputCount"/> new output values of unknown type.</summary>
    public static Node Create(OpSchema schema, string name, IEnumerable<Value?> inputs, int outputCount = 1, params (string Name, object Value)[] attributes)
    {
        var n = new Node(schema, name);
        foreach (var v in inputs) n.AddInput(v);
        for (int i = 0; i < outputCount; i++) n.AddOutput(new Value(outputCount == 1 ? name : $"{name}_{i}", TensorType.Unknown()));
        foreach (var (k, v) in attributes) n.Attributes.Set(k, v);
        return n;
    }
}
