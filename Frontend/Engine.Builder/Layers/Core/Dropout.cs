using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// Inverted dropout: in training, zeroes each element with probability <c>rate</c> and scales the rest
/// by 1/(1−rate) (ONNX Dropout with training_mode, seeded per layer for reproducibility); identity in inference.
/// </summary>
public sealed class Dropout(float rate, string? name = null) : Layer(name)
{
    public float Rate { get; } = rate is >= 0 and < 1 ? rate : throw new BuildException($"Dropout: rate must be in [0, 1), got {rate}");

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        if (!e.Training || Rate == 0) return [inputs[0]];
        var training = e.Const(Tensor.Scalar(true));
        int seed = HashCode.Combine(e.Seed, Name) & 0x7fffffff;
        return [e.OpN("Dropout", 2, [inputs[0], e.Scalar(Rate), training], ("seed", (long)seed))[0]];
    }
}
