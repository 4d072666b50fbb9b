using Engine.Graph;
using Engine.Runtime;

namespace Engine.Onnx.Inspection;

/// <summary>
/// What a FLOP rule may look at: the node's attributes (with schema defaults) and the inferred
/// types of its inputs and outputs. Counts are doubles so absurd declared shapes cannot overflow.
/// </summary>
public sealed class FlopContext
{
    public FlopContext(Node node) => Node = node;

    public Node Node { get; }

    public AttributeMap Attributes => Node.Attributes;

    public int InputCount => Node.Inputs.Count;

    public bool HasInput(int i) => Node.Input(i) is not null;

    public TensorType? Input(int i) => Node.Input(i)?.Type;

    public TensorType? Output(int i) => Node.Output(i)?.Type;

    /// <summary>Element count of a statically shaped type, else null.</summary>
    public static double? Elements(TensorType? t)
    {
        if (t is null || !t.IsStatic) return null;
        double n = 1;
        foreach (var d in t.Dims!) n *= d.Value;
        return n;
    }

    public double? InputElements(int i) => Elements(Input(i));

    public double? OutputElements(int i = 0) => Elements(Output(i));

    /// <summary>Dim <paramref name="axis"/> (negative counts from the end) when it is a known constant.</summary>
    public static double? DimOf(TensorType? t, int axis)
    {
        if (t?.Dims is not { } dims) return null;
        if (axis < 0) axis += dims.Length;
        if (axis < 0 || axis >= dims.Length || !dims[axis].IsKnown) return null;
        return dims[axis].Value;
    }

    /// <summary>Product of dims [from, rank) of a static type, else null.</summary>
    public static double? ProductFrom(TensorType? t, int from)
    {
        if (t is null || !t.IsStatic || from > t.Rank) return null;
        double n = 1;
        for (int i = from; i < t.Rank; i++) n *= t.Dims![i].Value;
        return n;
    }
}
