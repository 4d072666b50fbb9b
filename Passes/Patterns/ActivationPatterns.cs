using Engine.Graph;
using static Engine.Passes.PatternUtil;

namespace Engine.Passes;

/// <summary>
/// Activations exporters spell out elementwise, replaced by the single standard op:
/// Gelu (erf form → approximate="none", tanh form → "tanh"), x·Sigmoid(α·x) → Swish,
/// x·HardSigmoid(x; 1/6, ½) and x·Clip(x+3, 0, 6)/6 → HardSwish.
/// </summary>
public static class ActivationPatterns
{
    private const double Sqrt2 = 1.4142135623730951;
    private const double InvSqrt2 = 0.70710678118654752;
    private const double Sqrt2OverPi = 0.79788456080286536;
    private const double GeluCubic = 0.044715;

    public static RuleSet Create() => new("fuse-activations", 2,
    [
        new("gelu-erf", GeluErf),
        new("gelu-tanh", GeluTanh),
        new("swish", Swish),
        new("hardswish-hardsigmoid", HardSwishFromHardSigmoid),
        new("hardswish-clip", HardSwishFromClip),
    ]);

    /// <summary>Erf(x/√2) (or Erf(x·(1/√2))) → +1 → ·x·0.5 in any association.</summary>
    private static bool GeluErf(Node erf, RewriteContext c)
    {
        if (!Is(erf, "Erf")) return false;
        var m = new PatternMatch(c);
        m.Add(erf);
        var scaled = erf.Inputs[0]?.Producer;
        Value? x = null;
        if (DivByScalar(scaled, c) is { } d && Near(d.K, Sqrt2)) x = d.X;
        else if (MulByScalar(scaled, c) is { } mu && Near(mu.K, InvSqrt2)) x = mu.X;
        if (x is null || !IsFloat(x.Type.Elem)) return false;
        m.Add(scaled);
        return FinishGelu(erf, x, m, c, "none");
    }

    /// <summary>Tanh(√(2/π)·(x + 0.044715·x³)) → +1 → ·x·0.5 in any association; x³ as Pow(x, 3) or a product of x's.</summary>
    private static bool GeluTanh(Node tanh, RewriteContext c)
    {
        if (!Is(tanh, "Tanh")) return false;
        var m = new PatternMatch(c);
        m.Add(tanh);
        var outer = tanh.Inputs[0]?.Producer;
        if (MulByScalar(outer, c) is not { } o || !Near(o.K, Sqrt2OverPi)) return false;
        m.Add(outer);
        var sum = m.Add(AddProducer(o.X));
        if (sum is null || sum.Inputs.Count != 2) return false;
        for (int side = 0; side < 2; side++)
        {
            var x = sum.Inputs[side];
            var cubicTerm = sum.Inputs[1 - side]?.Producer;
            if (x is null || !IsFloat(x.Type.Elem)) continue;
            if (MulByScalar(cubicTerm, c) is not { } ct || !Near(ct.K, GeluCubic)) continue;
            var trial = new PatternMatch(c);
            foreach (var n in m.Nodes) trial.Add(n);
            trial.Add(cubicTerm);
            if (!IsCube(ct.X, x, trial, c)) continue;
            return FinishGelu(tanh, x, trial, c, "tanh");
        }
        return false;
    }

    /// <summary>v = x³ as Pow(x, 3), Mul(x, Mul(x, x)) or Mul(Mul(x, x), x).</summary>
    private static bool IsCube(Value v, Value x, PatternMatch m, RewriteContext c)
    {
        var n = v.Producer;
        if (Is(n, "Pow") && n!.Inputs[0] == x && Exponent(c, n.Inputs[1]) == 3) return m.Add(n) is not null;
        if (!Is(n, "Mul") || Other(n!, x) is not { } sq || sq == x) return false;
        var s = sq.Producer;
        if (!Is(s, "Mul") || s!.Inputs[0] != x || s.Inputs[1] != x) return false;
        m.Add(n);
        m.Add(s);
        return true;
    }

    /// <summary>From f = Erf/Tanh(…): f + 1, then the product with x and 0.5, replaced by Gelu.</summary>
    private static bool FinishGelu(Node f, Value x, PatternMatch m, RewriteContext c, string approximate)
    {
        var fOut = f.Outputs[0]!;
        var plus = AddUser(fOut);
        if (plus is null || !IsScalar(c, Other(plus, fOut), fOut, 1.0)) return false;
        m.Add(plus);
        if (HalfTimesX(plus.Outputs[0]!, x, m, c) is not { } root) return false;
        var y = root.Outputs[0]!;
        if (!SameKnownType(x.Type, y.Type)) return false;
        return m.Commit(y, () => c.InsertBefore(root, "Gelu", [x], 1, ("approximate", approximate)).Outputs[0]!);
    }

    /// <summary>
    /// The node computing a·x·0.5 from <paramref name="a"/>: (a·x)·0.5, (a·0.5)·x or a·(x·0.5);
    /// ·0.5 may also be written /2.
    /// </summary>
    private static Node? HalfTimesX(Value a, Value x, PatternMatch m, RewriteContext c)
    {
        var u = SoleUser(a, "Mul");
        if (u is null || Other(u, a) is not { } other) return null;
        m.Add(u);
        var uOut = u.Outputs[0]!;
        if (other == x)
        {
            return IsHalving(uOut.Users.Count == 1 ? uOut.Users[0] : null, uOut, c) ? m.Add(uOut.Users[0]) : null;
        }
        if (IsScalar(c, other, a, 0.5))
        {
            var next = SoleUser(uOut, "Mul");
            return next is not null && Other(next, uOut) == x ? m.Add(next) : null;
        }
        var half = other.Producer;
        if (IsHalving(half, x, c))
        {
            m.Add(half);
            return u;
        }
        return null;
    }

    /// <summary>True when <paramref name="n"/> computes v·0.5, 0.5·v or v/2.</summary>
    private static bool IsHalving(Node? n, Value v, RewriteContext c)
    {
        if (MulByScalar(n, c) is { } mu) return mu.X == v && Near(mu.K, 0.5);
        if (DivByScalar(n, c) is { } d) return d.X == v && Near(d.K, 2.0);
        return false;
    }

    /// <summary>x·Sigmoid(x) → Swish(alpha=1); x·Sigmoid(α·x) → Swish(alpha=α).</summary>
    private static bool Swish(Node sig, RewriteContext c)
    {
        if (!Is(sig, "Sigmoid") || sig.Inputs[0] is not { } t) return false;
        var sOut = sig.Outputs[0]!;
        var mul = SoleUser(sOut, "Mul");
        if (mul is null || Other(mul, sOut) is not { } x || !IsFloat(x.Type.Elem)) return false;
        var m = new PatternMatch(c);
        m.Add(sig);
        m.Add(mul);
        double alpha = 1;
        if (x != t)
        {
            // x·Sigmoid(α·x): the Sigmoid's input must be x scaled by a constant.
            if (MulByScalar(t.Producer, c) is not { } mu || mu.X != x) return false;
            alpha = mu.K;
            m.Add(t.Producer);
        }
        var y = mul.Outputs[0]!;
        if (!SameKnownType(x.Type, y.Type)) return false;
        return m.Commit(y, () => c.InsertBefore(mul, "Swish", [x], 1, ("alpha", (float)alpha)).Outputs[0]!);
    }

    /// <summary>x·HardSigmoid(x; alpha=1/6, beta=0.5) → HardSwish(x).</summary>
    private static bool HardSwishFromHardSigmoid(Node hs, RewriteContext c)
    {
        if (!Is(hs, "HardSigmoid") || hs.Inputs[0] is not { } x || !IsFloat(x.Type.Elem)) return false;
        if (!Near(hs.Attributes.GetFloat("alpha"), 1.0 / 6) || !Near(hs.Attributes.GetFloat("beta"), 0.5)) return false;
        var m = new PatternMatch(c);
        m.Add(hs);
        var hOut = hs.Outputs[0]!;
        var mul = SoleUser(hOut, "Mul");
        if (mul is null || Other(mul, hOut) != x) return false;
        m.Add(mul);
        return CommitHardSwish(mul, x, m, c);
    }

    /// <summary>Clip(x + 3, 0, 6) (Relu6) times x divided by 6 (or ·1/6), in either order.</summary>
    private static bool HardSwishFromClip(Node clip, RewriteContext c)
    {
        if (!Is(clip, "Clip") || clip.Inputs.Count != 3) return false;
        var m = new PatternMatch(c);
        m.Add(clip);
        var add = m.Add(AddProducer(clip.Inputs[0]));
        if (add is null) return false;
        Value? x = null;
        foreach (var operand in add.Inputs)
        {
            if (operand is not null && Other(add, operand) is { } k && IsScalar(c, k, operand, 3.0)) x = operand;
        }
        if (x is null || !IsFloat(x.Type.Elem)) return false;
        var cOut = clip.Outputs[0]!;
        if (!IsScalar(c, clip.Inputs[1], cOut, 0.0) || !IsScalar(c, clip.Inputs[2], cOut, 6.0)) return false;
        var u = cOut.Users.Count == 1 ? cOut.Users[0] : null;
        if (u is null) return false;
        m.Add(u);
        var uOut = u.Outputs[0]!;
        Node? root;
        if (Is(u, "Mul") && Other(u, cOut) == x)
        {
            root = uOut.Users.Count == 1 && IsSixth(uOut.Users[0], uOut, c) ? uOut.Users[0] : null;
        }
        else if (IsSixth(u, cOut, c))
        {
            var next = SoleUser(uOut, "Mul");
            root = next is not null && Other(next, uOut) == x ? next : null;
        }
        else return false;
        if (root is null) return false;
        m.Add(root);
        return CommitHardSwish(root, x, m, c);
    }

    /// <summary>True when <paramref name="n"/> computes v/6 or v·(1/6).</summary>
    private static bool IsSixth(Node? n, Value v, RewriteContext c)
    {
        if (DivByScalar(n, c) is { } d) return d.X == v && Near(d.K, 6.0);
        if (MulByScalar(n, c) is { } mu) return mu.X == v && Near(mu.K, 1.0 / 6);
        return false;
    }

    private static bool CommitHardSwish(Node root, Value x, PatternMatch m, RewriteContext c)
    {
        var y = root.Outputs[0]!;
        if (!SameKnownType(x.Type, y.Type)) return false;
        return m.Commit(y, () => c.InsertBefore(root, "HardSwish", [x]).Outputs[0]!);
    }
}
