using Engine.Graph;

namespace Engine.Passes.Memory;

/// <summary>
/// The planner's record of one value. Values that share bytes form trees: a view or a concat slice
/// points at its <see cref="Parent"/> (the value whose bytes it sits in, at <see cref="OffsetInParent"/>);
/// a tree's root owns storage of kind <see cref="Kind"/>. Arena roots that follow one another in place
/// share an <see cref="ArenaBuffer"/>.
/// </summary>
internal sealed class PlannedValue
{
    public PlannedValue(Value value, long bytes, int definedAt)
    {
        Value = value;
        Bytes = bytes;
        DefinedAt = definedAt;
        LastReadAt = definedAt;
    }

    public Value Value { get; }

    public long Bytes { get; }

    /// <summary>Index of the producing node in the top-level order; -1 for graph inputs and initializers.</summary>
    public int DefinedAt { get; }

    /// <summary>Index of the last node that reads it (the node count for a graph output); DefinedAt when never read.</summary>
    public int LastReadAt { get; set; }

    public PlannedValue? Parent { get; private set; }

    public long OffsetInParent { get; private set; }

    public List<PlannedValue> Children { get; } = new();

    /// <summary>Storage of a root; meaningless for a value with a parent.</summary>
    public BufferKind Kind { get; set; } = BufferKind.Arena;

    /// <summary>Graph input/output/initializer index of a root of that kind.</summary>
    public int Index { get; set; }

    public ArenaBuffer? Buffer { get; set; }

    public void AttachTo(PlannedValue parent, long offset)
    {
        Detach();
        Parent = parent;
        OffsetInParent = offset;
        parent.Children.Add(this);
    }

    public void Detach()
    {
        Parent?.Children.Remove(this);
        Parent = null;
        OffsetInParent = 0;
    }

    /// <summary>The root of this value's tree and this value's byte offset in it.</summary>
    public (PlannedValue Root, long Offset) Resolve()
    {
        var v = this;
        long offset = 0;
        while (v.Parent is { } p)
        {
            offset += v.OffsetInParent;
            v = p;
        }
        return (v, offset);
    }

    /// <summary>This value and every value whose bytes sit inside it.</summary>
    public IEnumerable<PlannedValue> Tree()
    {
        yield return this;
        foreach (var c in Children) foreach (var d in c.Tree()) yield return d;
    }

    public override string ToString() => Value.Name;
}

/// <summary>Arena bytes used by one root, or by a chain of roots each written in place over the previous one.</summary>
internal sealed class ArenaBuffer
{
    public List<PlannedValue> Roots { get; } = new();

    public long Bytes { get; set; }

    /// <summary>First node index at which the bytes are in use (the earliest producer writing into them).</summary>
    public int Start { get; set; }

    /// <summary>Last node index at which the bytes are read.</summary>
    public int End { get; set; }

    public long Offset { get; set; }
}
