using Engine.Graph;

namespace Engine.Builder;

/// <summary>Elementwise merge of same-shaped tensors (broadcasting allowed where ONNX allows it).</summary>
public abstract class MergeLayer(string op, string? name) : Layer(name)
{
    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (inputs.Count < 2) throw BuildException.For(this, $"needs at least two inputs, got {inputs.Count}");
        for (int i = 1; i < inputs.Count; i++)
            if (!Broadcastable(inputs[0], inputs[i]))
                throw BuildException.For(this, $"input shapes {inputs[0]} and {inputs[i]} do not match");
    }

    private static bool Broadcastable(TensorType a, TensorType b)
    {
        if (a.Dims is null || b.Dims is null) return true;
        for (int i = 1; i <= Math.Min(a.Rank, b.Rank); i++)
        {
            var x = a.Dims[^i];
            var y = b.Dims[^i];
            if (x.IsKnown && y.IsKnown && x.Value != y.Value && x.Value != 1 && y.Value != 1) return false;
        }
        return true;
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var acc = inputs[0];
        for (int i = 1; i < inputs.Length; i++) acc = e.Op(op, acc, inputs[i]);
        return [acc];
    }
}

public sealed class Add(string? name = null) : MergeLayer("Add", name);

public sealed class Multiply(string? name = null) : MergeLayer("Mul", name);

public sealed class Subtract(string? name = null) : MergeLayer("Sub", name);

/// <summary>Concatenates along <c>axis</c> (default 1: channels in NCHW, features for [N, F]).</summary>
public sealed class Concatenate(int axis = 1, string? name = null) : Layer(name)
{
    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (inputs.Count < 2) throw BuildException.For(this, $"needs at least two inputs, got {inputs.Count}");
        int r = inputs[0].Rank;
        int ax = axis < 0 ? axis + r : axis;
        if (ax <= 0 || ax >= r) throw BuildException.For(this, $"axis {axis} is out of range for rank {r} (axis 0 is the batch)");
        foreach (var t in inputs)
        {
            if (t.Rank != r) throw BuildException.For(this, $"inputs {inputs[0]} and {t} differ in rank");
            for (int d = 1; d < r; d++)
                if (d != ax && t.Dims![d].IsKnown && inputs[0].Dims![d].IsKnown && t.Dims[d].Value != inputs[0].Dims![d].Value)
                    throw BuildException.For(this, $"inputs {inputs[0]} and {t} differ outside axis {axis}");
        }
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) => [e.Op("Concat", inputs, ("axis", (long)axis))];
}
