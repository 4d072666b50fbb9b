using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// The two layout conversions of NCHW{c}c written with standard ops, so every executor runs them:
/// ToBlocked = Reshape [N, C/c, c, H, W] → Transpose [0,1,3,4,2];
/// FromBlocked = Transpose [0,1,4,2,3] → Reshape [N, C, H, W]. Matchers recognize them structurally.
/// </summary>
public static class BlockedConversions
{
    private static readonly long[] ToPerm = [0, 1, 3, 4, 2];
    private static readonly long[] FromPerm = [0, 1, 4, 2, 3];

    /// <summary>Inserts ToBlocked(x) before <paramref name="anchor"/>; x is [N,C,H,W] static with C % c == 0.</summary>
    public static Value ToBlocked(RewriteContext c, Node anchor, Value x, int block)
    {
        // Reuse a conversion of x that already comes before the anchor (several convs often read one value).
        foreach (var r0 in x.Users)
        {
            if (r0.Owner != c.Graph || r0.OpType != "Reshape" || r0.Domain != "" || r0.Outputs[0] is not { } rv) continue;
            foreach (var t0 in rv.Users)
            {
                if (t0.Outputs[0] is { } tv && tv.Type.Rank == 5 && tv.Type.Dims![4].Value == block && MatchToBlocked(tv) == x
                    && c.Graph.IndexOf(t0) >= 0 && c.Graph.IndexOf(t0) < c.Graph.IndexOf(anchor)) return tv;
            }
        }
        var s = x.Type.StaticShape();
        var shape = c.Constant(Tensor.FromArray(new long[] { s[0], s[1] / block, block, s[2], s[3] }, 5), "to_blocked_shape");
        var r = c.InsertBefore(anchor, "Reshape", [x, shape]);
        return c.InsertBefore(anchor, "Transpose", [r.Outputs[0]], 1, ("perm", ToPerm)).Outputs[0]!;
    }

    /// <summary>Inserts FromBlocked(y) before <paramref name="anchor"/>; y is [N, C/c, H, W, c] static.</summary>
    public static Value FromBlocked(RewriteContext c, Node anchor, Value y)
    {
        var s = y.Type.StaticShape();
        var t = c.InsertBefore(anchor, "Transpose", [y], 1, ("perm", FromPerm));
        var shape = c.Constant(Tensor.FromArray(new long[] { s[0], (long)s[1] * s[4], s[2], s[3] }, 4), "from_blocked_shape");
        return c.InsertBefore(anchor, "Reshape", [t.Outputs[0], shape]).Outputs[0]!;
    }

    /// <summary>The blocked value a when <paramref name="v"/> = FromBlocked(a), else null.</summary>
    public static Value? MatchFromBlocked(Value? v)
    {
        if (RewriteContext.Producer(v, "Reshape") is not { } r || RewriteContext.Producer(r.Inputs[0], "Transpose") is not { } t) return null;
        var a = t.Inputs[0]!;
        if (!IsPerm(t, FromPerm) || !a.Type.IsStatic || a.Type.Rank != 5 || !v!.Type.IsStatic) return null;
        var s = a.Type.StaticShape();
        return v.Type.StaticShape().SequenceEqual([s[0], s[1] * s[4], s[2], s[3]]) ? a : null;
    }

    /// <summary>The NCHW value x when <paramref name="v"/> = ToBlocked(x), else null.</summary>
    public static Value? MatchToBlocked(Value? v)
    {
        if (RewriteContext.Producer(v, "Transpose") is not { } t || RewriteContext.Producer(t.Inputs[0], "Reshape") is not { } r) return null;
        var x = r.Inputs[0]!;
        if (!IsPerm(t, ToPerm) || !x.Type.IsStatic || x.Type.Rank != 4 || !v!.Type.IsStatic || v.Type.Rank != 5) return null;
        var s = v.Type.StaticShape();
        return x.Type.StaticShape().SequenceEqual([s[0], s[1] * s[4], s[2], s[3]]) ? x : null;
    }

    /// <summary>True when <paramref name="v"/> is produced by either conversion (for counting what remains).</summary>
    public static bool IsConversion(Value? v) => MatchFromBlocked(v) is not null || MatchToBlocked(v) is not null;

    private static bool IsPerm(Node t, long[] perm) => t.Attributes.GetIntsOrNull("perm") is { } p && p.SequenceEqual(perm);
}
