using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// A tensor of a model under construction (Keras' KerasTensor): the output of a layer call or a model
/// input, with its type known at build time. Dimension 0 is the batch (symbolic "N").
/// </summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(LayerCall? call, int index, TensorType type, string? name)
    {
        Call = call;
        Index = index;
        Type = type;
        Name = name;
    }

    /// <summary>The layer call that produced it; null for a model input.</summary>
    internal LayerCall? Call { get; }

    internal int Index { get; }

    /// <summary>The user's name for a model input (or output when set).</summary>
    public string? Name { get; set; }

    public TensorType Type { get; }

    public DataType ElementType => Type.Elem;

    public int Rank => Type.Rank;

    /// <summary>Static dims, -1 where symbolic (the batch).</summary>
    public long[] Shape => Type.Dims!.Select(d => d.IsKnown ? d.Value : -1).ToArray();

    /// <summary>Dimension i (negative counts from the end), -1 when symbolic.</summary>
    public long Dim(int i) => Shape[i < 0 ? Rank + i : i];

    public override string ToString() => $"{Name ?? Call?.Layer.Name ?? "input"}: {Type}";
}
