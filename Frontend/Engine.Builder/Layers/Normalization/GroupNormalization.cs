using Engine.Graph;

namespace Engine.Builder;

/// <summary>Normalizes each group of C/groups channels per sample (batch-size independent), per-channel scale and shift.</summary>
public sealed class GroupNormalization(int groups, float epsilon = 1e-5f, string? name = null) : Layer(name)
{
    private Parameter _gamma = null!, _beta = null!;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (x.Rank < 3 || !x.Dims![1].IsKnown) throw BuildException.For(this, $"expects [N, C, spatial…] with known C, got {x}");
        int c = (int)x.Dims[1].Value;
        if (groups <= 0 || c % groups != 0) throw BuildException.For(this, $"groups {groups} must divide the {c} channels");
        _gamma = AddWeight("gamma", [c], Init.Ones, c, c);
        _beta = AddWeight("beta", [c], Init.Zeros, c, c);
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) =>
        [e.Op("GroupNormalization", [inputs[0], e.Param(_gamma), e.Param(_beta)], ("num_groups", (long)groups), ("epsilon", epsilon))];
}
