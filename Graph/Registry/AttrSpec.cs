namespace Engine.Graph;

/// <summary>A declared attribute: name, kind, and default (null = optional with no default, or required).</summary>
public sealed record AttrSpec(string Name, AttrType Type, object? Default, bool Required);
