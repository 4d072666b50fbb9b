namespace Engine.Runtime.Kernels;

/// <summary>The channel/group bookkeeping of a Conv node plus its window geometry, validated once.</summary>
internal sealed class ConvShape
{
    public int N { get; private init; }

    public int C { get; private init; }

    public int M { get; private init; }

    public int Group { get; private init; }

    /// <summary>Input channels per group.</summary>
    public int Cg { get; private init; }

    /// <summary>Output channels per group.</summary>
    public int Mg { get; private init; }

    public int InSize { get; private init; }

    public WindowGeometry Geometry { get; private init; } = null!;

    /// <summary>X is [N, C, D1..Dk]; W is [M, C/group, k1..kk].</summary>
    public static ConvShape Resolve(KernelContext ctx, int[] x, int[] w)
    {
        if (x.Length < 3) throw ctx.Fail($"X must have rank >= 3, got {Tensor.ShapeString(x)}");
        if (w.Length != x.Length) throw ctx.Fail($"W has shape {Tensor.ShapeString(w)} but X has rank {x.Length}");
        long group = ctx.Attributes.GetInt("group");
        if (group < 1 || group > int.MaxValue) throw ctx.Fail($"group must be >= 1, got {group}");
        int grp = (int)group;
        int c = x[1], m = w[0];
        if (w[1] * (long)grp != c) throw ctx.Fail($"W has {w[1]} input channels per group but X has {c} channels and group is {grp}");
        if (m % grp != 0) throw ctx.Fail($"{m} output channels are not divisible by group {grp}");
        var kernel = w[2..];
        if (ctx.Attributes.GetIntsOrNull("kernel_shape") is { Length: > 0 } ks && !ks.SequenceEqual(kernel.Select(k => (long)k)))
            throw ctx.Fail($"kernel_shape [{string.Join(",", ks)}] does not match W {Tensor.ShapeString(w)}");
        var geom = WindowGeometry.Resolve(x[2..], kernel, ctx.Attributes, false, ctx.Fail);
        return new ConvShape
        {
            N = x[0],
            C = c,
            M = m,
            Group = grp,
            Cg = c / grp,
            Mg = m / grp,
            InSize = (int)Tensor.ElementCount(x[2..]),
            Geometry = geom,
        };
    }
}
