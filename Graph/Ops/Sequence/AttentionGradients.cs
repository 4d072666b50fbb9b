namespace Engine.Graph.Ops;

/// <summary>
/// Gradient rule of Attention (opset 24) in registered ops. The attention probabilities P come from
/// the Attention op itself (qk_matmul_output_mode 3: after scale, softcap, masks, causal masking and
/// softmax), so every masking rule is the forward's own. With S the scores:
/// dV = Pᵀ·dY, dP = dY·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)) (times 1 − (capped/c)² under softcap),
/// dQ = scale·dS·K, dK = scale·dSᵀ·Q; grouped-query heads sum their K/V gradients per KV head; a
/// float attn_mask (an additive bias) gets dS reduced to its shape. Supported for training graphs:
/// no KV cache (past_key/past_value) and no nonpad_kv_seqlen; gradients flow from Y only.
/// </summary>
internal static class AttentionGradients
{
    public static void Rule(GradientContext g)
    {
        for (int i = 4; i < 7; i++)
        {
            if (g.HasX(i)) throw g.Fail("the gradient of Attention with a KV cache or nonpad_kv_seqlen is not supported");
        }
        for (int o = 1; o < 4; o++)
        {
            if (g.dY(o) is not null) throw g.Fail($"gradients flow from output Y only, not from output {o}");
        }
        var q = g.X(0);
        var k = g.X(1);
        var v = g.X(2);
        var dy = g.dY(0)!;
        bool threeD = q.Type.Rank == 3;
        var a = g.Attributes;
        long hq, hkv, d;
        if (threeD)
        {
            hq = a.GetInt("q_num_heads");
            hkv = a.GetInt("kv_num_heads");
            d = Known(g, q, 2) / hq;
        }
        else
        {
            hq = Known(g, q, 1);
            hkv = Known(g, k, 1);
            d = Known(g, q, 3);
        }
        long dv = threeD ? Known(g, v, 2) / hkv : Known(g, v, 3);
        long group = hq / hkv;
        double scale = a.Has("scale") ? a.GetFloat("scale") : 1 / Math.Sqrt(d);
        double softcap = a.GetFloat("softcap");

        // Probabilities (and the capped scores) from the forward op, without the inputs' gradients.
        var attrs = a.Explicit.Where(kv => kv.Key != "qk_matmul_output_mode").Select(kv => (kv.Key, kv.Value)).ToList();
        Value?[] fwdInputs = [q, k, v, g.HasX(3) ? g.X(3) : null];
        var p = g.OpN("Attention", 4, fwdInputs, [.. attrs, ("qk_matmul_output_mode", 3L)])[3];

        Value Heads(Value x, long heads, long size) => threeD
            ? g.Op("Transpose", [g.Op("Reshape", x, g.Ints(0, 0, heads, size))], ("perm", new long[] { 0, 2, 1, 3 }))
            : x;
        Value Merge(Value x, long heads, long size) => threeD
            ? g.Op("Reshape", g.Op("Transpose", [x], ("perm", new long[] { 0, 2, 1, 3 })), g.Ints(0, 0, heads * size))
            : x;
        // [B, Hkv, S, E] → [B, Hq, S, E] (query head h reads KV head h / group) and the adjoint sum.
        Value Repeat(Value x, long size)
        {
            if (group == 1) return x;
            var x5 = g.Op("Unsqueeze", x, g.Ints(2));
            var shape = g.Op("Concat", [g.Op("Slice", g.ShapeOf(x5), g.Ints(0), g.Ints(2)), g.Ints(group), g.Op("Slice", g.ShapeOf(x5), g.Ints(3), g.Ints(5))], ("axis", 0L));
            return g.Op("Reshape", g.Op("Expand", x5, shape), g.Ints(0, hq, -1, size));
        }
        Value SumGroups(Value x, long size)
        {
            if (group == 1) return x;
            var x5 = g.Op("Reshape", x, g.Ints(0, hkv, group, -1, size));
            return g.Op("ReduceSum", [x5, g.Ints(2)], ("keepdims", 0L));
        }
        Value T(Value x) => g.Op("Transpose", [x], ("perm", new long[] { 0, 1, 3, 2 }));

        var q4 = Heads(q, hq, d);
        var k4 = Repeat(Heads(k, hkv, d), d);
        var v4 = Repeat(Heads(v, hkv, dv), dv);
        var dy4 = Heads(dy, hq, dv);
        if (g.NeedsGrad(2)) g.SetGrad(2, Merge(SumGroups(g.Op("MatMul", T(p), dy4), dv), hkv, dv));
        if (!g.NeedsGrad(0) && !g.NeedsGrad(1) && !g.NeedsGrad(3)) return;
        var dp = g.Op("MatMul", dy4, T(v4));
        var rowDot = g.Op("ReduceSum", [g.Op("Mul", dp, p), g.Ints(-1)], ("keepdims", 1L));
        var ds = g.Op("Mul", p, g.Op("Sub", dp, rowDot));
        if (g.HasX(3) && g.NeedsGrad(3)) g.SetGrad(3, g.ReduceToShape(ds, g.X(3)));
        if (softcap > 0)
        {
            var capped = g.OpN("Attention", 4, fwdInputs, [.. attrs, ("qk_matmul_output_mode", 1L)])[3];
            var ratio = g.Op("Div", capped, g.ConstLike(softcap, q));
            ds = g.Op("Mul", ds, g.Op("Sub", g.ConstLike(1, q), g.Op("Mul", ratio, ratio)));
        }
        var scaled = g.Op("Mul", ds, g.ConstLike(scale, q));
        if (g.NeedsGrad(0)) g.SetGrad(0, Merge(g.Op("MatMul", scaled, k4), hq, d));
        if (g.NeedsGrad(1)) g.SetGrad(1, Merge(SumGroups(g.Op("MatMul", T(scaled), q4), d), hkv, d));
    }

    private static long Known(GradientContext g, Value v, int axis) =>
        v.Type.Dims is { } dims && dims.Length > axis && dims[axis].IsKnown ? dims[axis].Value
            : throw g.Fail($"the gradient needs a static dim {axis} of '{v.Name}' {v.Type.ShapeText}");
}
