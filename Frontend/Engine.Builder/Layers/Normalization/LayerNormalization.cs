using Engine.Graph;

namespace Engine.Builder;

/// <summary>Normalizes over the last <c>normalizedRank</c> dims with learned scale and shift (transformers).</summary>
public sealed class LayerNormalization(float epsilon = 1e-5f, int normalizedRank = 1, string? name = null) : Layer(name)
{
    private Parameter _gamma = null!, _beta = null!;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (normalizedRank < 1 || x.Rank <= normalizedRank) throw BuildException.For(this, $"cannot normalize the last {normalizedRank} dims of {x}");
        var dims = x.Dims!.Skip(x.Rank - normalizedRank).ToArray();
        if (dims.Any(d => !d.IsKnown)) throw BuildException.For(this, $"normalized dims must be known, got {x}");
        int[] shape = dims.Select(d => (int)d.Value).ToArray();
        _gamma = AddWeight("gamma", shape, Init.Ones, 1, 1);
        _beta = AddWeight("beta", shape, Init.Zeros, 1, 1);
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) =>
        [e.Op("LayerNormalization", [inputs[0], e.Param(_gamma), e.Param(_beta)], ("axis", (long)-normalizedRank), ("epsilon", epsilon))];
}
