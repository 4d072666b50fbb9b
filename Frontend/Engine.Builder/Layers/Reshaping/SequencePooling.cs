using Engine.Graph;

namespace Engine.Builder;

/// <summary>Pools a sequence [N, T, E] to [N, E]: the mean over time, the max, or the first token (BERT's [CLS]).</summary>
public sealed class SequencePooling(string mode = "mean", string? name = null) : Layer(name)
{
    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (inputs[0].Rank != 3) throw BuildException.For(this, $"expects [N, T, E], got {inputs[0]}");
        if (mode is not ("mean" or "max" or "first")) throw BuildException.For(this, $"mode must be mean, max or first, got '{mode}'");
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) => mode switch
    {
        "mean" => [e.Op("ReduceMean", [inputs[0], e.Int64s(1)], ("keepdims", 0L))],
        "max" => [e.Op("ReduceMax", [inputs[0], e.Int64s(1)], ("keepdims", 0L))],
        _ => [e.Op("Gather", [inputs[0], e.Const(Engine.Runtime.Tensor.Scalar(0L))], ("axis", 1L))],
    };
}
