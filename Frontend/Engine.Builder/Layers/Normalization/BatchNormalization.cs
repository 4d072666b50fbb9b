using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// Batch normalization over dim 1 (channels): learned scale γ and shift β; running mean/variance as
/// buffers. Training: batch statistics, and the running ones move by
/// running = running·momentum + batch·(1 − momentum) (ONNX convention: PyTorch's momentum 0.1 is 0.9 here).
/// </summary>
public sealed class BatchNormalization(float momentum = 0.9f, float epsilon = 1e-5f, string? name = null) : Layer(name)
{
    private Parameter _gamma = null!, _beta = null!, _mean = null!, _var = null!;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (momentum is < 0 or > 1) throw BuildException.For(this, $"momentum must be in [0, 1], got {momentum}");
        if (x.Rank < 2 || !x.Dims![1].IsKnown) throw BuildException.For(this, $"expects [N, C, …] with known C, got {x}");
        int c = (int)x.Dims[1].Value;
        _gamma = AddWeight("gamma", [c], Init.Ones, c, c);
        _beta = AddWeight("beta", [c], Init.Zeros, c, c);
        _mean = AddBuffer("running_mean", [c], Init.Zeros);
        _var = AddBuffer("running_var", [c], Init.Ones);
    }

    protected override void CheckInputs(IReadOnlyList<TensorType> inputs)
    {
        if (inputs[0].Rank < 2 || inputs[0].Dims![1] is not { IsKnown: true } d || d.Value != _gamma.Shape[0])
            throw BuildException.For(this, $"built for {_gamma.Shape[0]} channels, got {inputs[0]}");
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        Value?[] args = [inputs[0], e.Param(_gamma), e.Param(_beta), e.Param(_mean), e.Param(_var)];
        if (!e.Training)
            return [e.Op("BatchNormalization", args, ("epsilon", epsilon), ("momentum", momentum))];
        var outs = e.OpN("BatchNormalization", 3, args, ("epsilon", epsilon), ("momentum", momentum), ("training_mode", 1L));
        e.UpdateState(_mean, outs[1]);
        e.UpdateState(_var, outs[2]);
        return [outs[0]];
    }
}
