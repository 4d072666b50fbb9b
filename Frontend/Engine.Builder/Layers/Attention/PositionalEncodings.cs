using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>Adds the fixed sinusoidal encoding PE(t, 2i) = sin(t / 10000^(2i/E)), PE(t, 2i+1) = cos(…) to [N, T, E].</summary>
public sealed class SinusoidalPositionalEncoding(string? name = null) : Layer(name)
{
    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (x.Rank != 3 || !x.Dims![1].IsKnown || !x.Dims[2].IsKnown) throw BuildException.For(this, $"expects [N, T, E] with known T and E, got {x}");
    }

    public static float[] Table(int t, int d)
    {
        var pe = new float[t * d];
        for (int p = 0; p < t; p++)
            for (int i = 0; i < d; i++)
            {
                double angle = p / Math.Pow(10000, 2.0 * (i / 2) / d);
                pe[p * d + i] = (float)(i % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        return pe;
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        int t = (int)inputs[0].Type.Dims![1].Value, d = (int)inputs[0].Type.Dims![2].Value;
        return [e.Op("Add", inputs[0], e.Const(Tensor.FromArray(Table(t, d), t, d)))];
    }
}

/// <summary>Adds a learned embedding per position (BERT/GPT-2): a [maxLength, E] table, the first T rows.</summary>
public sealed class LearnedPositionalEmbedding(int maxLength, string? name = null) : Layer(name)
{
    private Parameter _table = null!;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (x.Rank != 3 || !x.Dims![1].IsKnown || !x.Dims[2].IsKnown) throw BuildException.For(this, $"expects [N, T, E] with known T and E, got {x}");
        if (x.Dims[1].Value > maxLength) throw BuildException.For(this, $"sequence length {x.Dims[1].Value} exceeds maxLength {maxLength}");
        int d = (int)x.Dims[2].Value;
        _table = AddWeight("position_embeddings", [maxLength, d], Init.Normal(0.02f), maxLength, d);
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        long t = inputs[0].Type.Dims![1].Value;
        var rows = e.Op("Slice", e.Param(_table), e.Int64s(0), e.Int64s(t), e.Int64s(0));
        return [e.Op("Add", inputs[0], rows)];
    }
}
