using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// The type of an SSA value: element type plus shape. <see cref="Dims"/> is null when even the
/// rank is unknown. Element type Undefined means "not inferred yet".
/// </summary>
public sealed record TensorType(DataType Elem, Dim[]? Dims)
{
    public static TensorType Unknown(DataType elem = DataType.Undefined) => new(elem, null);

    public static TensorType Of(DataType elem, params long[] dims) => new(elem, dims.Select(Dim.Of).ToArray());

    public static TensorType Of(Tensor t) => new(t.Type, t.Shape.Select(d => Dim.Of(d)).ToArray());

    public int Rank => Dims?.Length ?? -1;

    public bool HasRank => Dims is not null;

    /// <summary>True when every dim is a known constant.</summary>
    public bool IsStatic => Dims is not null && Dims.All(d => d.IsKnown);

    /// <summary>Constant dims as ints; throws when not static.</summary>
    public int[] StaticShape() => IsStatic ? Dims!.Select(d => checked((int)d.Value)).ToArray()
        : throw new EngineException($"shape {ShapeText} is not static");

    public string ShapeText => Dims is null ? "[*]" : "[" + string.Join(",", Dims.Select(d => d.ToString())) + "]";

    public override string ToString() => DataTypes.ShortName(Elem) + ShapeText;

    public bool Equals(TensorType? other) =>
        other is not null && Elem == other.Elem &&
        (Dims is null ? other.Dims is null : other.Dims is not null && Dims.AsSpan().SequenceEqual(other.Dims));

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Elem);
        if (Dims is not null) foreach (var d in Dims) h.Add(d);
        return h.ToHashCode();
    }
}
