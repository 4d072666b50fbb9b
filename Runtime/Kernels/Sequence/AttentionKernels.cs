using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// ONNX Attention (opset 24): scaled dot-product attention with GQA/MQA head sharing, a KV cache
/// (past_key/past_value → present_*), boolean or additive masks, causal masking aligned to the end
/// of the cache, per-batch valid KV lengths, softcap, and the optional QK diagnostic output.
/// Order per score: scale → softcap → + bias (mask, causal, padding) → softmax → ·V; the QK output
/// mode picks the stage: 0 scaled QKᵀ, 1 after softcap, 2 after the bias, 3 after softmax.
/// A row with no admissible key yields zeros (not NaN), as the opset-23/24 function body guards.
/// Scores and softmax are float32 for every input type, so softmax_precision (float or wider for
/// half inputs) is always met except for double inputs, which are rounded to float32 here.
/// </summary>
public static class AttentionKernels
{
    public static Tensor?[] Attention(KernelContext ctx, Tensor?[] inputs)
    {
        var a = ctx.Attributes;
        var q = Input(inputs, 0) ?? throw ctx.Fail("input Q is required");
        var k = Input(inputs, 1) ?? throw ctx.Fail("input K is required");
        var v = Input(inputs, 2) ?? throw ctx.Fail("input V is required");
        var mask = Input(inputs, 3);
        var pastK = Input(inputs, 4);
        var pastV = Input(inputs, 5);
        var nonpad = Input(inputs, 6);
        if (!FloatData.Supports(q.Type)) throw ctx.Fail($"Q must be floating-point, got {q}");
        if (k.Type != q.Type || v.Type != q.Type) throw ctx.Fail($"Q, K and V must share a type, got {q}, {k}, {v}");
        if (q.Rank != k.Rank || q.Rank != v.Rank || q.Rank is not (3 or 4))
            throw ctx.Fail($"Q, K and V must all be rank 3 or all rank 4, got {q}, {k}, {v}");
        if ((pastK is null) != (pastV is null)) throw ctx.Fail("past_key and past_value must be given together");

        int batch = q.Shape[0];
        if (k.Shape[0] != batch || v.Shape[0] != batch) throw ctx.Fail($"batch sizes differ: {q}, {k}, {v}");
        int hq, hkv, sq, skv, d, dv;
        float[] qd, kd, vd;
        if (q.Rank == 4)
        {
            (hq, sq, d) = (q.Shape[1], q.Shape[2], q.Shape[3]);
            (hkv, skv) = (k.Shape[1], k.Shape[2]);
            dv = v.Shape[3];
            if (k.Shape[3] != d || v.Shape[1] != hkv || v.Shape[2] != skv)
                throw ctx.Fail($"K and V must be [batch, kv_heads, kv_seq, head]: Q {q}, K {k}, V {v}");
            qd = FloatData.Read(q);
            kd = FloatData.Read(k);
            vd = FloatData.Read(v);
        }
        else
        {
            if (!a.Has("q_num_heads") || !a.Has("kv_num_heads"))
                throw ctx.Fail("3-D inputs need the q_num_heads and kv_num_heads attributes");
            long qh = a.GetInt("q_num_heads"), kh = a.GetInt("kv_num_heads");
            if (qh <= 0 || kh <= 0) throw ctx.Fail($"q_num_heads ({qh}) and kv_num_heads ({kh}) must be positive");
            (hq, hkv) = ((int)qh, (int)kh);
            sq = q.Shape[1];
            skv = k.Shape[1];
            if (v.Shape[1] != skv) throw ctx.Fail($"K and V sequence lengths differ: {k}, {v}");
            if (q.Shape[2] % hq != 0 || k.Shape[2] % hkv != 0 || v.Shape[2] % hkv != 0)
                throw ctx.Fail($"hidden sizes of Q {q}, K {k}, V {v} are not multiples of the head counts {hq}, {hkv}");
            d = q.Shape[2] / hq;
            dv = v.Shape[2] / hkv;
            if (k.Shape[2] / hkv != d) throw ctx.Fail($"Q and K head sizes differ: {q}, {k}");
            qd = SplitHeads(FloatData.Read(q), batch, sq, hq, d);
            kd = SplitHeads(FloatData.Read(k), batch, skv, hkv, d);
            vd = SplitHeads(FloatData.Read(v), batch, skv, hkv, dv);
        }
        if (a.Has("q_num_heads") && a.GetInt("q_num_heads") != hq) throw ctx.Fail($"q_num_heads is {a.GetInt("q_num_heads")} but Q has {hq} heads");
        if (a.Has("kv_num_heads") && a.GetInt("kv_num_heads") != hkv) throw ctx.Fail($"kv_num_heads is {a.GetInt("kv_num_heads")} but K has {hkv} heads");
        if (hkv == 0 || hq % hkv != 0) throw ctx.Fail($"q heads ({hq}) must be a multiple of kv heads ({hkv})");

        // KV cache: present = concat(past, new) along the sequence axis.
        int past = 0;
        if (pastK is not null)
        {
            past = pastK.Rank == 4 ? pastK.Shape[2] : -1;
            if (pastK.Type != q.Type || pastV!.Type != q.Type || pastK.Rank != 4 || pastV.Rank != 4
                || pastK.Shape[0] != batch || pastK.Shape[1] != hkv || pastK.Shape[3] != d
                || pastV.Shape[0] != batch || pastV.Shape[1] != hkv || pastV.Shape[2] != past || pastV.Shape[3] != dv)
                throw ctx.Fail($"past_key {pastK} / past_value {pastV} do not match [batch={batch}, kv_heads={hkv}, past, head]");
            kd = ConcatSeq(FloatData.Read(pastK), kd, batch * hkv, past, skv, d);
            vd = ConcatSeq(FloatData.Read(pastV), vd, batch * hkv, past, skv, dv);
        }
        int total = past + skv;

        long[]? valid = null;
        if (nonpad is not null)
        {
            if (nonpad.Rank != 1 || nonpad.Shape[0] != batch || !DataTypes.IsInteger(nonpad.Type))
                throw ctx.Fail($"nonpad_kv_seqlen is {nonpad}, expected an integer tensor of shape [{batch}]");
            valid = nonpad.ToInt64Array();
        }

        MaskView? maskView = mask is null ? null : MaskView.Create(ctx, mask, q.Type, batch, hq, sq, total);
        bool causal = a.GetInt("is_causal") != 0;
        float scale = a.Has("scale") ? a.GetFloat("scale") : 1f / MathF.Sqrt(d);
        float softcap = a.GetFloat("softcap");
        long mode = a.GetInt("qk_matmul_output_mode");
        if (mode is < 0 or > 3) throw ctx.Fail($"qk_matmul_output_mode must be 0..3, got {mode}");
        bool wantQk = ctx.OutputCount > 3;

        if ((long)batch * hq * sq * Math.Max(total, dv) > Tensor.MaxElements)
            throw ctx.Fail($"attention of {batch}x{hq} heads over {sq}x{total} scores is too large");
        var y = new float[batch * hq * sq * dv];
        var qkOut = wantQk ? new float[batch * hq * sq * total] : null;
        var scores = new float[sq * total];
        var bias = new float[sq * total];
        int group = hq / hkv;
        for (int b = 0; b < batch; b++)
        {
            long causalOffset = past;
            if (pastK is null && valid is not null) causalOffset = valid[b] - sq;
            for (int h = 0; h < hq; h++)
            {
                int kvh = h / group;
                var qs = qd.AsSpan((b * hq + h) * sq * d, sq * d);
                var ks = kd.AsSpan((b * hkv + kvh) * total * d, total * d);
                var vs = vd.AsSpan((b * hkv + kvh) * total * dv, total * dv);
                Sgemm.Gemm(false, true, sq, total, d, scale, qs, d, ks, d, 0f, scores, total, ctx.Threads);
                Span<float> qkRow = qkOut is null ? default : qkOut.AsSpan((b * hq + h) * sq * total, sq * total);
                if (qkOut is not null && mode == 0) scores.CopyTo(qkRow);
                if (softcap > 0)
                {
                    for (int i = 0; i < scores.Length; i++) scores[i] = softcap * MathF.Tanh(scores[i] / softcap);
                }
                if (qkOut is not null && mode == 1) scores.CopyTo(qkRow);
                for (int i = 0; i < sq; i++)
                {
                    for (int j = 0; j < total; j++)
                    {
                        float bv = maskView?.At(b, h, i, j) ?? 0f;
                        if (causal && j > i + causalOffset) bv = float.NegativeInfinity;
                        if (valid is not null && j >= valid[b]) bv = float.NegativeInfinity;
                        bias[i * total + j] = bv;
                    }
                }
                TensorPrimitives.Add(scores, bias, scores);
                if (qkOut is not null && mode == 2) scores.CopyTo(qkRow);
                for (int i = 0; i < sq; i++) SafeSoftmax(scores.AsSpan(i * total, total));
                if (qkOut is not null && mode == 3) scores.CopyTo(qkRow);
                Sgemm.Gemm(false, false, sq, dv, total, 1f, scores, total, vs, dv, 0f, y.AsSpan((b * hq + h) * sq * dv, sq * dv), dv, ctx.Threads);
            }
        }

        var outs = new Tensor?[Math.Max(ctx.OutputCount, 1)];
        outs[0] = q.Rank == 4
            ? FloatData.Write(q.Type, y, [batch, hq, sq, dv])
            : FloatData.Write(q.Type, MergeHeads(y, batch, hq, sq, dv), [batch, sq, hq * dv]);
        if (outs.Length > 1) outs[1] = FloatData.Write(q.Type, kd, [batch, hkv, total, d]);
        if (outs.Length > 2) outs[2] = FloatData.Write(q.Type, vd, [batch, hkv, total, dv]);
        if (outs.Length > 3) outs[3] = FloatData.Write(q.Type, qkOut!, [batch, hq, sq, total]);
        return outs;
    }

    /// <summary>Softmax of one row; a row whose every score is -inf becomes all zeros.</summary>
    private static void SafeSoftmax(Span<float> row)
    {
        if (row.Length == 0) return;
        float max = TensorPrimitives.Max(row);
        if (float.IsNegativeInfinity(max))
        {
            row.Clear();
            return;
        }
        float sum = 0;
        for (int j = 0; j < row.Length; j++)
        {
            float e = MathF.Exp(row[j] - max);
            row[j] = e;
            sum += e;
        }
        TensorPrimitives.Divide(row, sum, row);
    }

    private static Tensor? Input(Tensor?[] inputs, int i) => i < inputs.Length ? inputs[i] : null;

    /// <summary>[batch, seq, heads·head] → [batch, heads, seq, head].</summary>
    private static float[] SplitHeads(float[] src, int batch, int seq, int heads, int head)
    {
        var dst = new float[src.Length];
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < seq; s++)
                for (int h = 0; h < heads; h++)
                    Array.Copy(src, ((b * seq + s) * heads + h) * head, dst, ((b * heads + h) * seq + s) * head, head);
        return dst;
    }

    /// <summary>[batch, heads, seq, head] → [batch, seq, heads·head].</summary>
    private static float[] MergeHeads(float[] src, int batch, int heads, int seq, int head)
    {
        var dst = new float[src.Length];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int s = 0; s < seq; s++)
                    Array.Copy(src, ((b * heads + h) * seq + s) * head, dst, ((b * seq + s) * heads + h) * head, head);
        return dst;
    }

    /// <summary>Per (batch·head): past rows then new rows.</summary>
    private static float[] ConcatSeq(float[] past, float[] cur, int groups, int pastLen, int curLen, int head)
    {
        var dst = new float[groups * (pastLen + curLen) * head];
        for (int g = 0; g < groups; g++)
        {
            Array.Copy(past, g * pastLen * head, dst, g * (pastLen + curLen) * head, pastLen * head);
            Array.Copy(cur, g * curLen * head, dst, (g * (pastLen + curLen) + pastLen) * head, curLen * head);
        }
        return dst;
    }

    /// <summary>
    /// attn_mask broadcast (numpy rules, right-aligned) to [batch, q_heads, q_seq, total_kv] as an
    /// additive bias. A mask shorter than total_kv in its last axis is padded with "masked out"
    /// (even when that axis is 1: the spec pads rather than broadcasts it).
    /// </summary>
    private sealed class MaskView
    {
        private readonly float[]? _float;
        private readonly bool[]? _bool;
        private readonly int[] _strides = new int[4];
        private readonly int _width;

        private MaskView(float[]? f, bool[]? b, int[] shape4)
        {
            _float = f;
            _bool = b;
            _width = shape4[3];
            int acc = 1;
            for (int i = 3; i >= 0; i--)
            {
                _strides[i] = shape4[i] == 1 ? 0 : acc;
                acc *= shape4[i];
            }
        }

        public static MaskView Create(KernelContext ctx, Tensor m, DataType qType, int batch, int heads, int sq, int total)
        {
            if (m.Rank is < 1 or > 4) throw ctx.Fail($"attn_mask must have rank 1..4, got {m}");
            if (m.Type != DataType.Bool && m.Type != qType) throw ctx.Fail($"attn_mask must be bool or {DataTypes.ShortName(qType)}, got {m}");
            var shape4 = new int[4];
            for (int i = 0; i < 4; i++) shape4[i] = 1;
            for (int i = 0; i < m.Rank; i++) shape4[4 - m.Rank + i] = m.Shape[i];
            int[] want = [batch, heads, sq, total];
            for (int i = 0; i < 3; i++)
            {
                if (shape4[i] != 1 && shape4[i] != want[i])
                    throw ctx.Fail($"attn_mask {m} does not broadcast to {Tensor.ShapeString(want)}");
            }
            if (shape4[3] > total) throw ctx.Fail($"attn_mask {m} is longer than the {total} keys");
            return m.Type == DataType.Bool ? new MaskView(null, m.As<bool>(), shape4) : new MaskView(FloatData.Read(m), null, shape4);
        }

        public float At(int b, int h, int i, int j)
        {
            if (j >= _width) return float.NegativeInfinity;
            int off = b * _strides[0] + h * _strides[1] + i * _strides[2] + j * _strides[3];
            if (_bool is not null) return _bool[off] ? 0f : float.NegativeInfinity;
            return _float![off];
        }
    }
}
