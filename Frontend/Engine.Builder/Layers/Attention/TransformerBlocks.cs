using Engine.Graph;

namespace Engine.Builder;

/// <summary>
/// Transformer encoder block: self-attention and a position-wise feed-forward network, each with a
/// residual connection and LayerNorm — after the residual (post-norm, Vaswani et al./BERT) or before
/// the sub-layer (pre-norm, GPT-2). Call(x) or Call(x, keyMask).
/// </summary>
public sealed class TransformerEncoderBlock : Layer
{
    private readonly bool _preNorm;
    private readonly MultiHeadAttention _attention;
    private readonly LayerNormalization _norm1, _norm2;
    private readonly Dense _ff1, _ff2;
    private readonly Dropout _drop;

    public TransformerEncoderBlock(int modelDim, int heads, int feedForwardDim, float dropout = 0.1f, bool preNorm = false,
        bool causal = false, string activation = "gelu", string? name = null) : base(name)
    {
        if (modelDim % heads != 0) throw new BuildException($"TransformerEncoderBlock: model dim {modelDim} is not divisible by {heads} heads");
        _preNorm = preNorm;
        _attention = Sub(new MultiHeadAttention(heads, modelDim / heads, causal: causal, dropout: dropout), "attention");
        _norm1 = Sub(new LayerNormalization(), "norm1");
        _norm2 = Sub(new LayerNormalization(), "norm2");
        _ff1 = Sub(new Dense(feedForwardDim, activation), "ff1");
        _ff2 = Sub(new Dense(modelDim), "ff2");
        _drop = Sub(new Dropout(dropout), "dropout");
    }

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (inputs[0].Rank != 3) throw BuildException.For(this, $"expects [N, T, E], got {inputs[0]}");
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var x = inputs[0];
        Value[] AttnArgs(Value h) => inputs.Length > 1 ? [h, h, inputs[1]] : [h];
        if (_preNorm)
        {
            var h = Apply1(e, _norm1, x);
            x = e.Op("Add", x, Apply1(e, _drop, Apply1(e, _attention, AttnArgs(h))));
            h = Apply1(e, _norm2, x);
            x = e.Op("Add", x, Apply1(e, _drop, Apply1(e, _ff2, Apply1(e, _ff1, h))));
            return [x];
        }
        x = Apply1(e, _norm1, e.Op("Add", x, Apply1(e, _drop, Apply1(e, _attention, AttnArgs(x)))));
        x = Apply1(e, _norm2, e.Op("Add", x, Apply1(e, _drop, Apply1(e, _ff2, Apply1(e, _ff1, x)))));
        return [x];
    }
}

/// <summary>
/// Transformer decoder block: causal self-attention, cross-attention over the encoder output, and a
/// feed-forward network, each with residual + LayerNorm (pre- or post-norm). Call(x, memory[, memoryMask]).
/// </summary>
public sealed class TransformerDecoderBlock : Layer
{
    private readonly bool _preNorm;
    private readonly MultiHeadAttention _self, _cross;
    private readonly LayerNormalization _norm1, _norm2, _norm3;
    private readonly Dense _ff1, _ff2;
    private readonly Dropout _drop;

    public TransformerDecoderBlock(int modelDim, int heads, int feedForwardDim, float dropout = 0.1f, bool preNorm = false,
        string activation = "gelu", string? name = null) : base(name)
    {
        if (modelDim % heads != 0) throw new BuildException($"TransformerDecoderBlock: model dim {modelDim} is not divisible by {heads} heads");
        _preNorm = preNorm;
        _self = Sub(new MultiHeadAttention(heads, modelDim / heads, causal: true, dropout: dropout), "self_attention");
        _cross = Sub(new MultiHeadAttention(heads, modelDim / heads, dropout: dropout), "cross_attention");
        _norm1 = Sub(new LayerNormalization(), "norm1");
        _norm2 = Sub(new LayerNormalization(), "norm2");
        _norm3 = Sub(new LayerNormalization(), "norm3");
        _ff1 = Sub(new Dense(feedForwardDim, activation), "ff1");
        _ff2 = Sub(new Dense(modelDim), "ff2");
        _drop = Sub(new Dropout(dropout), "dropout");
    }

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (inputs.Count < 2) throw BuildException.For(this, "takes (x, encoder output[, encoder mask])");
        if (inputs[0].Rank != 3 || inputs[1].Rank != 3) throw BuildException.For(this, $"expects [N, T, E] inputs, got {inputs[0]} and {inputs[1]}");
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var (x, memory) = (inputs[0], inputs[1]);
        Value[] Cross(Value h) => inputs.Length > 2 ? [h, memory, inputs[2]] : [h, memory];
        if (_preNorm)
        {
            x = e.Op("Add", x, Apply1(e, _drop, Apply1(e, _self, Apply1(e, _norm1, x))));
            x = e.Op("Add", x, Apply1(e, _drop, Apply1(e, _cross, Cross(Apply1(e, _norm2, x)))));
            x = e.Op("Add", x, Apply1(e, _drop, Apply1(e, _ff2, Apply1(e, _ff1, Apply1(e, _norm3, x)))));
            return [x];
        }
        x = Apply1(e, _norm1, e.Op("Add", x, Apply1(e, _drop, Apply1(e, _self, x))));
        x = Apply1(e, _norm2, e.Op("Add", x, Apply1(e, _drop, Apply1(e, _cross, Cross(x)))));
        x = Apply1(e, _norm3, e.Op("Add", x, Apply1(e, _drop, Apply1(e, _ff2, Apply1(e, _ff1, x)))));
        return [x];
    }
}
