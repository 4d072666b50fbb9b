using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Compute;

namespace Engine.Codegen.Lowerings.Attention;

/// <summary>
/// float32 ONNX Attention (what the optimizer's attention fusion produces for transformer blocks) as one
/// <see cref="FusedAttention"/> call: Q·Kᵀ, scale, softcap, additive or boolean mask, causal mask, softmax and
/// ·V fused per block of queries with an online softmax, so the [seq_q, seq_kv] score matrix never exists.
/// The 3-D form [batch, seq, heads·head] is read and written in place (no head split/merge copies).
/// Declines the KV cache (past_key/past_value/nonpad_kv_seqlen), the present_* and qk outputs.
/// </summary>
public sealed class AttentionLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        for (int i = 0; i < 3; i++)
            if (ctx.InType(i) != DataType.Float) return "only float32 is lowered";
        if (ctx.OutType(0) != DataType.Float) return "only float32 is lowered";
        for (int i = 4; i < ctx.InputCount; i++)
            if (ctx.HasInput(i)) return "KV cache inputs (past_key/past_value/nonpad_kv_seqlen) are not lowered";
        for (int i = 1; i < ctx.OutputCount; i++)
            if (ctx.HasOutput(i)) return "present_key/present_value/qk outputs are not lowered";
        var a = ctx.Attributes;
        var q = ctx.InShape(0);
        var k = ctx.InShape(1);
        var v = ctx.InShape(2);
        if (q.Length != k.Length || q.Length != v.Length || q.Length is not (3 or 4)) return "Q, K, V are not all rank 3 or all rank 4";
        int batch = q[0], hq, hkv, sq, skv, d, dv;
        bool threeD = q.Length == 3;
        if (!threeD)
        {
            (hq, sq, d, hkv, skv, dv) = (q[1], q[2], q[3], k[1], k[2], v[3]);
            if (k[3] != d || v[1] != hkv || v[2] != skv) return "K/V shapes do not match Q";
        }
        else
        {
            if (!a.Has("q_num_heads") || !a.Has("kv_num_heads")) return "3-D form without head counts";
            hq = (int)a.GetInt("q_num_heads");
            hkv = (int)a.GetInt("kv_num_heads");
            if (hq <= 0 || hkv <= 0 || q[2] % hq != 0 || k[2] % hkv != 0 || v[2] % hkv != 0) return "hidden sizes are not multiples of the head counts";
            (sq, skv, d, dv) = (q[1], k[1], q[2] / hq, v[2] / hkv);
            if (k[2] / hkv != d || v[1] != skv) return "K/V shapes do not match Q";
        }
        if (k[0] != batch || v[0] != batch) return "batch sizes differ";
        if (hkv == 0 || hq % hkv != 0) return "q heads are not a multiple of kv heads";
        if (d == 0) return "empty head dimension";
        float scale = a.Has("scale") ? a.GetFloat("scale") : 1f / MathF.Sqrt(d);
        float softcap = a.GetFloat("softcap");
        if (softcap < 0) return "negative softcap";
        bool causal = a.GetInt("is_causal") != 0;

        var s = new AttentionShape(batch, hq, hkv, sq, skv, d, dv, scale, threeD, causal, 0, softcap);
        string maskF = "null", maskB = "null";
        if (ctx.InputCount > 3 && ctx.HasInput(3))
        {
            var mt = ctx.InType(3);
            if (mt != DataType.Float && mt != DataType.Bool) return "mask is neither float32 nor bool";
            var ms = ctx.InShape(3);
            if (ms.Length is < 1 or > 4) return "mask rank is not 1..4";
            var m4 = new int[4];
            for (int i = 0; i < 4; i++) m4[i] = i < 4 - ms.Length ? 1 : ms[i - (4 - ms.Length)];
            int[] want = [batch, hq, sq, skv];
            for (int i = 0; i < 3; i++)
                if (m4[i] != 1 && m4[i] != want[i]) return "mask does not broadcast";
            if (m4[3] > skv) return "mask is longer than the keys";
            long Stride(int i)
            {
                if (m4[i] == 1) return 0;
                long st = 1;
                for (int j = i + 1; j < 4; j++) st *= m4[j];
                return st;
            }
            s = s with
            {
                Mask = mt == DataType.Bool ? AttentionMaskKind.Boolean : AttentionMaskKind.Additive,
                MaskStrideB = Stride(0),
                MaskStrideH = Stride(1),
                MaskStrideI = Stride(2),
                MaskWidth = m4[3],
            };
            if (mt == DataType.Bool) maskB = ctx.In(3);
            else maskF = ctx.In(3);
        }
        if (s.OutputLength != ctx.OutLength(0)) return "output shape does not match";

        int threads = Math.Max(1, ctx.Options.Threads);
        string scratch = ctx.Scratch(Math.Max(1L, FusedAttention.ScratchLength(s, threads)) * sizeof(float));
        string I(long x) => LoweringContext.IntLiteral(x);
        string F(float f) => LoweringContext.FloatLiteral(f);
        string sv = ctx.Fresh("attn");
        ctx.Comment($"Attention {batch}x{hq} heads ({hkv} kv), {sq}x{skv}, head {d}/{dv}{(causal ? ", causal" : "")}{(s.Mask == AttentionMaskKind.None ? "" : $", {s.Mask} mask")}: FusedAttention (online softmax)");
        ctx.Line("{");
        ctx.Line($"var {sv} = new AttentionShape({I(batch)}, {I(hq)}, {I(hkv)}, {I(sq)}, {I(skv)}, {I(d)}, {I(dv)}, {F(scale)}, "
            + $"{(threeD ? "true" : "false")}, {(causal ? "true" : "false")}, 0, {F(softcap)}, AttentionMaskKind.{Enum.GetName(s.Mask)}, "
            + $"{I(s.MaskStrideB)}, {I(s.MaskStrideH)}, {I(s.MaskStrideI)}, {I(s.MaskWidth)});");
        ctx.Line($"FusedAttention.Run({sv}, {ctx.In(0)}, {ctx.In(1)}, {ctx.In(2)}, {maskF}, {maskB}, {ctx.Out(0)}, (float*){scratch}, {ctx.Threads}, {ComputeIsaChoice.Expression(ctx.Vector)});");
        ctx.Line("}");
        return null;
    }
}

/// <summary>Registers the attention lowering.</summary>
public sealed class AttentionLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r) => r.Add("Attention", new AttentionLowering());
}
