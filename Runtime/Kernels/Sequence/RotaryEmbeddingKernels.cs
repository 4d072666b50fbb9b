namespace Engine.Runtime.Kernels;

/// <summary>
/// ONNX RotaryEmbedding (opset 23): rotates the first rotary_embedding_dim features of every head
/// by position-dependent angles, either pairing halves (x[i], x[i+d/2]) or neighbours (x[2i], x[2i+1]).
/// </summary>
public static class RotaryEmbeddingKernels
{
    public static Tensor?[] RotaryEmbedding(KernelContext ctx, Tensor?[] inputs)
    {
        var x = (inputs.Length > 0 ? inputs[0] : null) ?? throw ctx.Fail("input X is required");
        var cosT = (inputs.Length > 1 ? inputs[1] : null) ?? throw ctx.Fail("input cos_cache is required");
        var sinT = (inputs.Length > 2 ? inputs[2] : null) ?? throw ctx.Fail("input sin_cache is required");
        var posT = inputs.Length > 3 ? inputs[3] : null;
        if (!FloatData.Supports(x.Type)) throw ctx.Fail($"X must be floating-point, got {x}");
        if (cosT.Type != x.Type || sinT.Type != x.Type) throw ctx.Fail($"cos_cache/sin_cache must be {DataTypes.ShortName(x.Type)}");
        if (x.Rank is not (3 or 4)) throw ctx.Fail($"X must be rank 3 or 4, got {x}");
        bool interleaved = ctx.Attributes.GetInt("interleaved") != 0;
        long numHeadsAttr = ctx.Attributes.GetInt("num_heads");

        // Work in [batch, seq, heads, head] coordinates with strides into X's own layout.
        int batch = x.Shape[0], seq, heads, head;
        int sStride, hStride;
        if (x.Rank == 4)
        {
            (heads, seq, head) = (x.Shape[1], x.Shape[2], x.Shape[3]);
            (hStride, sStride) = (seq * head, head);
        }
        else
        {
            if (numHeadsAttr <= 0) throw ctx.Fail("3-D input needs a positive num_heads attribute");
            heads = (int)numHeadsAttr;
            seq = x.Shape[1];
            if (x.Shape[2] % heads != 0) throw ctx.Fail($"hidden size {x.Shape[2]} is not a multiple of num_heads {heads}");
            head = x.Shape[2] / heads;
            (hStride, sStride) = (head, heads * head);
        }
        int batchStride = heads * seq * head;
        long rotAttr = ctx.Attributes.GetInt("rotary_embedding_dim");
        int rot = rotAttr == 0 ? head : (int)Math.Min(rotAttr, int.MaxValue);
        if (rot <= 0 || rot > head || rot % 2 != 0)
            throw ctx.Fail($"rotary_embedding_dim {rotAttr} must be even and at most the head size {head}");
        int half = rot / 2;

        var cos = FloatData.Read(cosT);
        var sin = FloatData.Read(sinT);
        long[]? pos = null;
        if (posT is not null)
        {
            if (!DataTypes.IsInteger(posT.Type) || posT.Rank != 2 || posT.Shape[0] != batch || posT.Shape[1] != seq)
                throw ctx.Fail($"position_ids is {posT}, expected an integer tensor of shape [{batch},{seq}]");
            if (cosT.Rank != 2 || cosT.Shape[1] != half || !sinT.Shape.AsSpan().SequenceEqual(cosT.Shape))
                throw ctx.Fail($"with position_ids, cos_cache/sin_cache must be [max_position, {half}], got {cosT}, {sinT}");
            pos = posT.ToInt64Array();
            foreach (long p in pos)
            {
                if (p < 0 || p >= cosT.Shape[0]) throw ctx.Fail($"position id {p} is outside the cache of {cosT.Shape[0]} positions");
            }
        }
        else if (cosT.Rank != 3 || cosT.Shape[0] != batch || cosT.Shape[1] != seq || cosT.Shape[2] != half
                 || !sinT.Shape.AsSpan().SequenceEqual(cosT.Shape))
        {
            throw ctx.Fail($"without position_ids, cos_cache/sin_cache must be [{batch},{seq},{half}], got {cosT}, {sinT}");
        }

        var src = FloatData.Read(x);
        var dst = (float[])src.Clone();
        for (int b = 0; b < batch; b++)
        {
            for (int s = 0; s < seq; s++)
            {
                int c0 = (int)(pos is null ? (long)(b * seq + s) * half : pos[b * seq + s] * half);
                for (int h = 0; h < heads; h++)
                {
                    int o = b * batchStride + s * sStride + h * hStride;
                    for (int i = 0; i < half; i++)
                    {
                        int i1 = interleaved ? o + 2 * i : o + i;
                        int i2 = interleaved ? o + 2 * i + 1 : o + half + i;
                        float x1 = src[i1], x2 = src[i2], c = cos[c0 + i], sn = sin[c0 + i];
                        dst[i1] = c * x1 - sn * x2;
                        dst[i2] = sn * x1 + c * x2;
                    }
                }
            }
        }
        return [FloatData.Write(x.Type, dst, (int[])x.Shape.Clone())];
    }
}
