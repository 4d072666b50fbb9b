namespace Engine.Runtime.Compute;

/// <summary>How an attention mask is given.</summary>
public enum AttentionMaskKind
{
    None,
    /// <summary>float values added to the scaled scores.</summary>
    Additive,
    /// <summary>bool values: false masks the key out.</summary>
    Boolean,
}

/// <summary>
/// Scaled dot-product attention over Q [batch, q_heads, seq_q, head], K [batch, kv_heads, seq_kv, head],
/// V [batch, kv_heads, seq_kv, value] → Y [batch, q_heads, seq_q, value] (ONNX Attention without a KV cache).
/// With <see cref="HeadsInRows"/> the tensors are the 3-D form [batch, seq, heads·head] instead, read in place.
/// q_heads is a multiple of kv_heads (grouped-query attention). The mask, when given, broadcasts to
/// [batch, q_heads, seq_q, seq_kv] with the element strides <see cref="MaskStrideB"/>, <see cref="MaskStrideH"/>,
/// <see cref="MaskStrideI"/> (0 = broadcast) and unit stride along keys; keys at or past <see cref="MaskWidth"/>
/// are masked out (the ONNX rule for a short mask). Causal masking hides key j from query i when
/// j &gt; i + <see cref="CausalOffset"/>. A query that sees no key yields zeros.
/// </summary>
public readonly record struct AttentionShape(
    int Batch, int QHeads, int KvHeads, int SeqQ, int SeqKv, int HeadDim, int ValueDim,
    float Scale, bool HeadsInRows = false, bool Causal = false, int CausalOffset = 0, float Softcap = 0,
    AttentionMaskKind Mask = AttentionMaskKind.None, long MaskStrideB = 0, long MaskStrideH = 0, long MaskStrideI = 0, int MaskWidth = 0)
{
    public long QBatchStride => (long)QHeads * SeqQ * HeadDim;
    public long QHeadStride => HeadsInRows ? HeadDim : (long)SeqQ * HeadDim;
    public long QRowStride => HeadsInRows ? (long)QHeads * HeadDim : HeadDim;
    public long KBatchStride => (long)KvHeads * SeqKv * HeadDim;
    public long KHeadStride => HeadsInRows ? HeadDim : (long)SeqKv * HeadDim;
    public long KRowStride => HeadsInRows ? (long)KvHeads * HeadDim : HeadDim;
    public long VBatchStride => (long)KvHeads * SeqKv * ValueDim;
    public long VHeadStride => HeadsInRows ? ValueDim : (long)SeqKv * ValueDim;
    public long VRowStride => HeadsInRows ? (long)KvHeads * ValueDim : ValueDim;
    public long YBatchStride => (long)QHeads * SeqQ * ValueDim;
    public long YHeadStride => HeadsInRows ? ValueDim : (long)SeqQ * ValueDim;
    public long YRowStride => HeadsInRows ? (long)QHeads * ValueDim : ValueDim;

    public long OutputLength => (long)Batch * QHeads * SeqQ * ValueDim;

    internal void Validate()
    {
        if (Batch < 0 || SeqQ < 0 || SeqKv < 0 || QHeads < 1 || KvHeads < 1 || HeadDim < 1 || ValueDim < 0)
            throw new EngineException($"attention: invalid sizes {this}");
        if (QHeads % KvHeads != 0) throw new EngineException($"attention: {QHeads} query heads are not a multiple of {KvHeads} kv heads");
        if (Mask != AttentionMaskKind.None && (MaskWidth < 0 || MaskStrideB < 0 || MaskStrideH < 0 || MaskStrideI < 0))
            throw new EngineException($"attention: invalid mask strides in {this}");
        if (Softcap < 0) throw new EngineException($"attention: negative softcap {Softcap}");
    }
}
