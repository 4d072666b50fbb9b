namespace Engine.Runtime.Kernels;

/// <summary>
/// The reduction attribute shared by the loss ops: "none" keeps per-element losses, "sum" adds them,
/// "mean" divides the sum by a denominator the loss chooses (element count, or the sum of class
/// weights for the class-indexed losses), "batchmean" (KL divergence) divides by the batch size.
/// </summary>
public static class LossReduction
{
    public static string Mode(KernelContext ctx, params string[] allowed)
    {
        string r = ctx.Attributes.GetString("reduction");
        if (Array.IndexOf(allowed, r) < 0)
            throw ctx.Fail($"reduction must be {string.Join(", ", allowed.Select(a => "'" + a + "'"))}, got '{r}'");
        return r;
    }

    /// <summary>Per-element losses reduced to a tensor of <paramref name="type"/> (a scalar unless "none").</summary>
    public static Tensor Apply(string mode, DataType type, int[] shape, double[] loss, double meanDenominator)
    {
        if (mode == "none") return DoubleBridge.FromDoubles(type, (int[])shape.Clone(), loss);
        double s = 0;
        foreach (var v in loss) s += v;
        return DoubleBridge.FromDoubles(type, [], [mode == "sum" ? s : s / meanDenominator]);
    }

    /// <summary>
    /// The upstream gradient of each per-element loss: dY itself for "none", dY divided by the
    /// mean's denominator otherwise (dY is then a scalar).
    /// </summary>
    public static double[] Upstream(KernelContext ctx, string mode, Tensor dY, int count, double meanDenominator)
    {
        var d = dY.ToDoubleArray();
        if (mode == "none")
        {
            if (d.Length != count) throw ctx.Fail($"gradient has {d.Length} elements, the per-element loss {count}");
            return d;
        }
        if (d.Length != 1) throw ctx.Fail($"gradient of a reduced loss must be a scalar, got shape {Tensor.ShapeString(dY.Shape)}");
        double g = mode == "sum" ? d[0] : d[0] / meanDenominator;
        var r = new double[count];
        Array.Fill(r, g);
        return r;
    }

    public static Tensor Required(KernelContext ctx, Tensor?[] inputs, int i, string name)
    {
        var t = (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input '{name}' is required");
        return t;
    }

    public static Tensor RequiredFloat(KernelContext ctx, Tensor?[] inputs, int i, string name)
    {
        var t = Required(ctx, inputs, i, name);
        if (!DataTypes.IsFloat(t.Type)) throw ctx.Fail($"input '{name}' must be a float tensor, got {t.Type}");
        return t;
    }

    /// <summary><paramref name="t"/>'s elements broadcast (one-directionally) to <paramref name="shape"/>, as doubles.</summary>
    public static double[] BroadcastTo(KernelContext ctx, Tensor t, int[] shape, string name)
    {
        var full = Broadcasting.Shape(ctx.NodeName, t.Shape, shape);
        if (!full.AsSpan().SequenceEqual(shape))
            throw ctx.Fail($"input '{name}' of shape {Tensor.ShapeString(t.Shape)} does not broadcast to {Tensor.ShapeString(shape)}");
        var src = t.ToDoubleArray();
        if (t.Shape.AsSpan().SequenceEqual(shape)) return src;
        var off = Broadcasting.Offsets(t.Shape, shape);
        var r = new double[off.Length];
        for (int i = 0; i < r.Length; i++) r[i] = src[off[i]];
        return r;
    }
}
