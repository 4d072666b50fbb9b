using Engine.Graph;
using Engine.Runtime;
using static Engine.Passes.PatternUtil;

namespace Engine.Passes;

/// <summary>
/// Scaled dot-product attention spelled out: MatMul(Q, Kᵀ), scaled by constants (on Q, on Kᵀ or on
/// the scores, as Mul or Div), optionally + an additive mask, Softmax over the last axis, MatMul with
/// V. The core becomes one ONNX Attention with an explicit scale (the product of every constant
/// factor found). Q/K/V of rank 4 ([batch, heads, seq, head_dim]) map to the 4-D form; rank 3
/// ([batch·heads, seq, head_dim], PyTorch's bmm form) to the 3-D form with one head.
/// The key operand is usually a Transpose of the keys: it is composed with the swap of the last two
/// axes, so K's own layout transposes (PyTorch's Transpose(0,2,3,1)) fold into one.
/// Two layout rules then absorb the head split/merge around the core: the [B, S, H, D] ↔ [B, H, S, D]
/// transposes (PyTorch 2, Hugging Face) and torch 1.x's sequence-first [S, B·H, D] bmm layout, both
/// into the H-head 3-D form on [batch, seq, hidden].
/// </summary>
public static class AttentionPatterns
{
    public static RuleSet Create() => new("fuse-attention", 2,
    [
        new("sdpa", ScaledDotProductAttention),
        new("attention-head-layout", HeadLayout),
        new("attention-seq-first-heads", SeqFirstHeads),
    ]);

    private static readonly long[] SwapFirst = [1, 0, 2];

    /// <summary>
    /// PyTorch 1.x's multi-head attention works sequence-first: x [S, B, E] → Reshape [S, B·H, D] →
    /// Transpose(1,0,2) → [B·H, S, D] per head, the single-head 3-D Attention, then Transpose(1,0,2)
    /// → [S, B·H, Dv] (usually followed by a Reshape to [S·B, E]). That is the H-head 3-D Attention on
    /// Transpose(x, (1,0,2)) = [B, S, E], transposed back. The mask must not vary per batch·head.
    /// </summary>
    private static bool SeqFirstHeads(Node tOut, RewriteContext c)
    {
        if (!Is(tOut, "Transpose") || tOut.Attributes.GetIntsOrNull("perm") is not { } perm || !perm.SequenceEqual(SwapFirst)) return false;
        var m = new PatternMatch(c);
        m.Add(tOut);
        var att = m.Take(tOut.Inputs[0], "Attention");
        if (att is null || att.Inputs.Count is < 3 or > 4 || att.Outputs.Skip(1).Any(o => o is not null && o.Users.Count > 0)) return false;
        if (att.Attributes.GetInt("q_num_heads", 0) != 1 || att.Attributes.GetInt("kv_num_heads", 0) != 1) return false;
        var sources = new Value[3];
        long heads = -1, batch = -1;
        for (int i = 0; i < 3; i++)
        {
            var split = m.Take(att.Inputs[i], "Transpose");
            if (split?.Attributes.GetIntsOrNull("perm") is not { } p || !p.SequenceEqual(SwapFirst)) return false;
            var r = m.Take(split.Inputs[0], "Reshape");
            if (r?.Inputs[0] is not { } x || x.Type.Rank != 3) return false;
            var xd = x.Type.Dims!;
            var rd = r.Outputs[0]!.Type.Dims;
            // [S, B, E] → [S, B·H, D]; E may be unknown before shape inference reruns (exporters slice the
            // packed projection with computed bounds), but the Reshape keeping S and splitting B fixes it to H·D.
            if (rd is not { Length: 3 } || !Same(rd[0], xd[0]) || !xd[1].IsKnown || !rd[1].IsKnown || !rd[2].IsKnown) return false;
            if (xd[1].Value == 0 || rd[1].Value % xd[1].Value != 0) return false;
            long h = rd[1].Value / xd[1].Value;
            if (xd[2].IsKnown ? xd[2].Value != h * rd[2].Value : xd[2].IsSymbolic) return false;
            if (heads >= 0 && (h != heads || xd[1].Value != batch)) return false;
            (heads, batch) = (h, xd[1].Value);
            sources[i] = x;
        }
        var mask = att.Input(3);
        if (mask is not null)
        {
            // Broadcast over [B·H, 1, Sq, Skv] before; over [B, H, Sq, Skv] after: only a mask shared by all of them survives.
            if (mask.Type.Dims is not { } md || md.Length > 4) return false;
            for (int i = 0; i < md.Length - 2; i++) if (!(md[i].IsKnown && md[i].Value == 1)) return false;
        }
        var o = tOut.Outputs[0]!;
        if (o.Type.Dims is not { Length: 3 } od || !od.All(d => d.IsKnown)) return false;
        // Prefer to replace the Reshape that usually merges the heads back, so no Reshape pair remains.
        var root = tOut;
        Value result = o;
        long[]? finalShape = null;
        if (SoleUser(o, "Reshape") is { } merge && c.ConstantOf(merge.Inputs[1])?.ToInt64Array() is { } shape && !shape.Contains(0))
        {
            (root, result, finalShape) = (merge, merge.Outputs[0]!, shape);
            m.Add(merge);
        }
        finalShape ??= od.Select(d => d.Value).ToArray();
        return m.Commit(result, () =>
        {
            var qkv = sources.Select(x => (Value?)c.InsertBefore(root, "Transpose", [x], 1, ("perm", SwapFirst)).Outputs[0]!).ToList();
            if (mask is not null) qkv.Add(mask);
            var attrs = att.Attributes.Explicit.Where(kv => kv.Key is not ("q_num_heads" or "kv_num_heads"))
                .Select(kv => (kv.Key, kv.Value)).Append(("q_num_heads", (object)heads)).Append(("kv_num_heads", heads)).ToArray();
            var a = c.InsertBefore(root, "Attention", qkv, 1, attrs).Outputs[0]!;
            var back = c.InsertBefore(root, "Transpose", [a], 1, ("perm", SwapFirst)).Outputs[0]!;
            var shapeValue = c.Constant(Tensor.FromArray(finalShape, finalShape.Length), "heads_merged");
            return c.InsertBefore(root, "Reshape", [back, shapeValue]).Outputs[0]!;
        });
    }

    private static readonly long[] HeadsToSeq = [0, 2, 1, 3];

    /// <summary>
    /// The head split/merge around a 4-D Attention — each of Q, K, V = Transpose(Reshape(x, [B, S, H, D]),
    /// (0,2,1,3)) and the output Transpose(·, (0,2,1,3)) → Reshape to [B, S, H·Dv] — is exactly what
    /// the 3-D form of Attention does internally with q_num_heads = kv_num_heads = H.
    /// </summary>
    private static bool HeadLayout(Node reshape, RewriteContext c)
    {
        if (!Is(reshape, "Reshape")) return false;
        var m = new PatternMatch(c);
        m.Add(reshape);
        var merge = m.Take(reshape.Inputs[0], "Transpose");
        if (merge is null || !IsHeadSwap(merge)) return false;
        var att = m.Take(merge.Inputs[0], "Attention");
        if (att is null || att.Inputs.Count is < 3 or > 4 || att.Outputs.Skip(1).Any(o => o is not null && o.Users.Count > 0)) return false;
        if (att.Attributes.HasExplicit("q_num_heads") || att.Attributes.HasExplicit("kv_num_heads")) return false;
        var a4 = att.Outputs[0]!.Type;
        if (a4.Rank != 4) return false;

        var sources = new Value[3];
        long heads = -1;
        for (int i = 0; i < 3; i++)
        {
            var split = m.Take(att.Inputs[i], "Transpose");
            if (split is null || !IsHeadSwap(split)) return false;
            var r = m.Take(split.Inputs[0], "Reshape");
            if (r?.Inputs[0] is not { } x || x.Type.Rank != 3) return false;
            var xd = x.Type.Dims!;
            var rd = r.Outputs[0]!.Type.Dims;
            // [B, S, H·D] → [B, S, H, D] with B and S carried over and H·D = the hidden size.
            if (rd is not { Length: 4 } || !Same(rd[0], xd[0]) || !Same(rd[1], xd[1])) return false;
            if (!rd[2].IsKnown || !rd[3].IsKnown || !xd[2].IsKnown || rd[2].Value * rd[3].Value != xd[2].Value) return false;
            if (heads >= 0 && rd[2].Value != heads) return false;
            heads = rd[2].Value;
            sources[i] = x;
        }
        // Output: [B, H, Sq, Dv] → [B, Sq, H, Dv] → [B, Sq, H·Dv].
        var y = reshape.Outputs[0]!;
        var yd = y.Type.Dims;
        var ad = a4.Dims!;
        if (yd is not { Length: 3 } || !Same(yd[0], ad[0]) || !Same(yd[1], ad[2])) return false;
        if (!ad[3].IsKnown || !yd[2].IsKnown || yd[2].Value != heads * ad[3].Value) return false;

        return m.Commit(y, () =>
        {
            var attrs = att.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).ToList();
            attrs.Add(("q_num_heads", heads));
            attrs.Add(("kv_num_heads", heads));
            var inputs = new List<Value?>(sources);
            if (att.Inputs.Count == 4) inputs.Add(att.Inputs[3]);
            return c.InsertBefore(reshape, "Attention", inputs, 1, attrs.ToArray()).Outputs[0]!;
        });
    }

    private static bool IsHeadSwap(Node transpose) =>
        transpose.Attributes.GetIntsOrNull("perm") is { } p && p.SequenceEqual(HeadsToSeq);

    private static bool ScaledDotProductAttention(Node mm2, RewriteContext c)
    {
        if (!Is(mm2, "MatMul") || mm2.Inputs[1] is not { } v) return false;
        var m = new PatternMatch(c);
        m.Add(mm2);
        var softmax = m.Take(mm2.Inputs[0], "Softmax");
        if (softmax is null || softmax.Inputs[0] is not { } s) return false;
        int rank = s.Type.Rank;
        if (rank is not (3 or 4) || !IsAttentionType(s.Type.Elem)) return false;
        long smAxis = softmax.Attributes.GetInt("axis");
        if (smAxis != -1 && smAxis != rank - 1) return false;

        // Softmax input: [scores + mask], scores = scale·MatMul(Q, Kᵀ).
        Value? mask = null;
        Node? mm1 = null;
        double scale = 1;
        var chain = new List<Node>();
        if (AddProducer(s) is { } add)
        {
            for (int side = 0; side < 2 && mm1 is null; side++)
            {
                chain.Clear();
                var (scores, k) = StripScales(add.Inputs[side]!, chain, c);
                if (RewriteContext.Producer(scores, "MatMul") is not { } found) continue;
                (mm1, scale, mask) = (found, k, add.Inputs[1 - side]);
                chain.Add(add);
            }
        }
        else
        {
            var (scores, k) = StripScales(s, chain, c);
            mm1 = RewriteContext.Producer(scores, "MatMul");
            scale = k;
        }
        if (mm1 is null) return false;
        foreach (var n in chain) m.Add(n);
        m.Add(mm1);

        var (q, qScale) = StripScales(mm1.Inputs[0]!, m, c);
        var (kt, kScale) = StripScales(mm1.Inputs[1]!, m, c);
        scale *= qScale * kScale;
        // Kᵀ = Transpose(X, P) ⇒ K = Transpose(X, P with its last two entries swapped).
        Value kSource = kt;
        long[] kPerm = SwapLast(Identity(rank));
        if (RewriteContext.Producer(kt, "Transpose") is { } tr && tr.Inputs[0] is { } trIn && trIn.Type.Rank == rank)
        {
            m.Add(tr);
            kPerm = SwapLast(tr.Attributes.GetIntsOrNull("perm") ?? Identity(rank).Reverse().ToArray());
            var (inner, innerScale) = StripScales(trIn, m, c);
            (kSource, scale) = (inner, scale * innerScale);
        }
        if (!(Math.Abs(scale) > 0) || double.IsInfinity(scale)) return false;

        // Shapes: Q [.., sq, d], K [.., skv, d], V [.., skv, dv], same leading dims everywhere.
        if (q.Type.Rank != rank || kSource.Type.Rank != rank || v.Type.Rank != rank) return false;
        if (q.Type.Elem != s.Type.Elem || kSource.Type.Elem != s.Type.Elem || v.Type.Elem != s.Type.Elem) return false;
        var qd = q.Type.Dims!;
        var kd = kPerm.Select(p => kSource.Type.Dims![p]).ToArray();
        var vd = v.Type.Dims!;
        var yd = mm2.Outputs[0]!.Type.Dims;
        for (int i = 0; i < rank - 2; i++)
        {
            if (!Same(qd[i], kd[i]) || !Same(qd[i], vd[i])) return false;
        }
        if (!Same(qd[rank - 1], kd[rank - 1]) || !Same(kd[rank - 2], vd[rank - 2]) || !Known(qd[rank - 2]) || !Known(vd[rank - 1])) return false;
        var expected = qd.Take(rank - 1).Append(vd[rank - 1]).ToArray();
        if (yd is null || !yd.SequenceEqual(expected)) return false;

        if (mask is not null)
        {
            // An additive mask that broadcasts into the scores without growing them; its key axis must be
            // full length (Attention pads a shorter key axis as masked out instead of broadcasting it).
            var scoresType = mm1.Outputs[0]!.Type;
            if (mask.Type.Elem != s.Type.Elem || !mask.Type.HasRank || mask.Type.Rank > rank || mask.Type.Rank < 1) return false;
            if (!SameKnownType(scoresType, s.Type) || !Same(mask.Type.Dims![^1], kd[rank - 2])) return false;
        }

        return m.Commit(mm2.Outputs[0]!, () =>
        {
            Value k = kPerm.SequenceEqual(Identity(rank)) ? kSource
                : c.InsertBefore(mm2, "Transpose", [kSource], 1, ("perm", kPerm)).Outputs[0]!;
            Value? maskIn = mask;
            if (mask is not null && rank == 3 && mask.Type.Rank == 3)
            {
                // The 3-D form broadcasts the mask against [batch, 1, sq, skv]: give it the heads axis.
                var axes = c.Constant(Tensor.FromArray(new long[] { 1 }, 1), "mask_axes");
                maskIn = c.InsertBefore(mm2, "Unsqueeze", [mask, axes]).Outputs[0]!;
            }
            var attrs = new List<(string, object)> { ("scale", (float)scale) };
            if (rank == 3) attrs.AddRange([("q_num_heads", 1L), ("kv_num_heads", 1L)]);
            var inputs = maskIn is null ? new[] { q, k, v } : new[] { q, k, v, maskIn };
            return c.InsertBefore(mm2, "Attention", inputs, 1, attrs.ToArray()).Outputs[0]!;
        });
    }

    private static bool IsAttentionType(DataType t) => t is DataType.Float or DataType.Float16;

    private static bool Known(Dim d) => d.IsKnown || d.IsSymbolic;

    private static bool Same(Dim a, Dim b) => Known(a) && a == b;

    private static long[] Identity(int rank) => Enumerable.Range(0, rank).Select(i => (long)i).ToArray();

    private static long[] SwapLast(long[] perm)
    {
        var p = (long[])perm.Clone();
        (p[^1], p[^2]) = (p[^2], p[^1]);
        return p;
    }

    /// <summary>Peels Mul/Div by scalar constants off <paramref name="v"/>; returns the unscaled value and the total factor.</summary>
    private static (Value Value, double Factor) StripScales(Value v, List<Node> taken, RewriteContext c)
    {
        double factor = 1;
        while (true)
        {
            var n = v.Producer;
            if (MulByScalar(n, c) is { } mu) (v, factor) = (mu.X, factor * mu.K);
            else if (DivByScalar(n, c) is { } d) (v, factor) = (d.X, factor / d.K);
            else return (v, factor);
            taken.Add(n!);
        }
    }

    private static (Value Value, double Factor) StripScales(Value v, PatternMatch m, RewriteContext c)
    {
        var taken = new List<Node>();
        var result = StripScales(v, taken, c);
        foreach (var n in taken) m.Add(n);
        return result;
    }
}
