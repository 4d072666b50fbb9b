using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Attention (scaled dot-product attention with KV cache and GQA), opset 24.</summary>
public sealed class AttentionOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Attention").Since(24)
            .In("Q", "K", "V", "attn_mask?", "past_key?", "past_value?", "nonpad_kv_seqlen?")
            .Out("Y", "present_key?", "present_value?", "qk_matmul_output?")
            .Attr("is_causal", 0L)
            .OptionalAttr("kv_num_heads", AttrType.Int)
            .OptionalAttr("q_num_heads", AttrType.Int)
            .Attr("qk_matmul_output_mode", 0L)
            .OptionalAttr("scale", AttrType.Float)
            .Attr("softcap", 0f)
            .OptionalAttr("softmax_precision", AttrType.Int)
            .Infer(Infer)
            .WithKernel(AttentionKernels.Attention)
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(4, 5, 6)
            .Gradient(AttentionGradients.Rule);
    }

    private static void Infer(InferenceContext ctx)
    {
        var q = ctx.Required(0);
        var k = ctx.Required(1);
        var v = ctx.Required(2);
        var elem = q.Elem;
        var a = ctx.Attributes;
        if (q.HasRank && q.Rank is not (3 or 4)) throw ctx.Fail($"Q must be rank 3 or 4, got {q}");
        int rank = q.HasRank ? q.Rank : k.HasRank ? k.Rank : v.Rank;
        if (rank is not (3 or 4))
        {
            ctx.SetOutput(0, elem, null);
            for (int i = 1; i < 4; i++) ctx.SetOutput(i, elem, Shapes.UnknownOfRank(4));
            return;
        }
        Dim batch = First(q, 0), sq, skv, hq, hkv, d, dv;
        if (rank == 4)
        {
            (hq, sq, d) = (At(q, 1), At(q, 2), At(q, 3));
            (hkv, skv) = (First(k, 1, v), First(k, 2, v));
            if (!d.IsKnown) d = At(k, 3);
            dv = At(v, 3);
        }
        else
        {
            if (!a.Has("q_num_heads") || !a.Has("kv_num_heads")) throw ctx.Fail("3-D inputs need q_num_heads and kv_num_heads");
            hq = a.GetInt("q_num_heads");
            hkv = a.GetInt("kv_num_heads");
            sq = At(q, 1);
            skv = First(k, 1, v);
            d = Div(At(q, 2), hq);
            dv = Div(At(v, 2), hkv);
        }
        Dim past = ctx.Input(4) is { Dims: { Length: 4 } pd } ? pd[2] : ctx.HasInput(4) ? Dim.Unknown : 0;
        Dim total = past.IsKnown && skv.IsKnown ? past.Value + skv.Value : Dim.Unknown;
        ctx.SetOutput(0, elem, rank == 4 ? [batch, hq, sq, dv] : [batch, sq, Mul(hq, dv)]);
        ctx.SetOutput(1, elem, [batch, hkv, total, d]);
        ctx.SetOutput(2, elem, [batch, hkv, total, dv]);
        ctx.SetOutput(3, elem, [batch, hq, sq, total]);
    }

    private static Dim At(TensorType t, int i) => t.Dims is { } d && i < d.Length ? d[i] : Dim.Unknown;

    /// <summary>Dim i of the first of the types that knows it.</summary>
    private static Dim First(TensorType t, int i, TensorType? other = null)
    {
        var x = At(t, i);
        return x.IsKnown || other is null ? x : At(other, i).IsKnown ? At(other, i) : x;
    }

    private static Dim Div(Dim a, Dim b) => a.IsKnown && b.IsKnown && b.Value > 0 ? a.Value / b.Value : Dim.Unknown;

    private static Dim Mul(Dim a, Dim b) => a.IsKnown && b.IsKnown ? a.Value * b.Value : Dim.Unknown;
}
