using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>Lookup table [vocab, dim]: integer ids of any shape → [..., dim] (Gather on axis 0).</summary>
public sealed class Embedding(int vocabulary, int dimension, IInitializer? initializer = null, string? name = null) : Layer(name)
{
    private Parameter _table = null!;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (vocabulary <= 0 || dimension <= 0) throw BuildException.For(this, $"vocabulary and dimension must be positive, got {vocabulary}×{dimension}");
        if (inputs[0].Elem is not (DataType.Int64 or DataType.Int32))
            throw BuildException.For(this, $"expects int64/int32 ids, got {inputs[0]}");
        _table = AddWeight("embeddings", [vocabulary, dimension], initializer ?? Init.Normal(1f), vocabulary, dimension);
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) =>
        [e.Op("Gather", [e.Param(_table), inputs[0]], ("axis", 0L))];
}
