using Engine.Graph;

namespace Engine.Builder;

/// <summary>Keeps the batch dim and flattens the rest: [N, d1, d2, …] → [N, d1·d2·…].</summary>
public sealed class Flatten(string? name = null) : Layer(name)
{
    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) => [e.Op("Flatten", [inputs[0]], ("axis", 1L))];
}

/// <summary>Reshapes everything but the batch to <c>targetShape</c> (one entry may be −1).</summary>
public sealed class Reshape(params long[] targetShape) : Layer(null)
{
    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (targetShape.Count(d => d == -1) > 1 || targetShape.Any(d => d == 0 || d < -1))
            throw BuildException.For(this, $"bad target shape [{string.Join(",", targetShape)}]");
        var x = inputs[0];
        if (x.Dims is not null && x.Dims.Skip(1).All(d => d.IsKnown) && !targetShape.Contains(-1))
        {
            long have = x.Dims.Skip(1).Aggregate(1L, (a, d) => a * d.Value), want = targetShape.Aggregate(1L, (a, b) => a * b);
            if (have != want) throw BuildException.For(this, $"cannot reshape {x} ({have} elements per sample) to [{string.Join(",", targetShape)}] ({want})");
        }
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) =>
        [e.Op("Reshape", inputs[0], e.Int64s([0, .. targetShape]))];
}

/// <summary>Permutes the non-batch dims; <c>dims</c> are 1-based like Keras' Permute((2, 1)).</summary>
public sealed class Permute(params int[] dims) : Layer(null)
{
    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        int r = inputs[0].Rank - 1;
        if (dims.Length != r || dims.OrderBy(d => d).Select((d, i) => d == i + 1).Any(ok => !ok))
            throw BuildException.For(this, $"dims ({string.Join(",", dims)}) are not a permutation of 1..{r} for input {inputs[0]}");
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) =>
        [e.Op("Transpose", [inputs[0]], ("perm", new long[] { 0 }.Concat(dims.Select(d => (long)d)).ToArray()))];
}
