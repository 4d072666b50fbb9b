namespace Engine.Graph;

/// <summary>An input or output slot of an op. Written "X", "B?" (optional) or "inputs*" (variadic).</summary>
public sealed record ParamSpec(string Name, bool Optional, bool Variadic)
{
    public static ParamSpec Parse(string spec)
    {
        if (spec.EndsWith('?')) return new ParamSpec(spec[..^1], true, false);
        if (spec.EndsWith('*')) return new ParamSpec(spec[..^1], true, true);
        if (spec.EndsWith('+')) return new ParamSpec(spec[..^1], false, true);
        return new ParamSpec(spec, false, false);
    }

    public override string ToString() => Name + (Variadic ? (Optional ? "*" : "+") : Optional ? "?" : "");
}
