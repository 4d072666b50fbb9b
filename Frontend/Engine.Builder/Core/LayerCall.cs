namespace Engine.Builder;

/// <summary>One application of a layer to symbolic inputs; a layer called twice shares its parameters.</summary>
internal sealed class LayerCall(Layer layer, SymbolicTensor[] inputs, int ordinal)
{
    public Layer Layer { get; } = layer;

    public SymbolicTensor[] Inputs { get; } = inputs;

    /// <summary>0 for the layer's first call, 1 for the second…: keeps node names unique.</summary>
    public int Ordinal { get; } = ordinal;

    public SymbolicTensor[] Outputs { get; set; } = [];
}
