namespace Engine.Graph.Ops;

/// <summary>Gradient rules of the pooling ops (registered next to each op in <see cref="PoolOps"/>).</summary>
internal static class PoolGradients
{
    /// <summary>MaxPool: the backward op re-finds each window's maximum (the Indices output is not needed).</summary>
    public static void Max(GradientContext g) =>
        g.SetGrad(0, g.Op("ai.engine::MaxPoolGrad", [g.dY(0)!, g.X(0)], Attrs(g)));

    public static void Average(GradientContext g) =>
        g.SetGrad(0, g.Op("ai.engine::AveragePoolGrad", [g.dY(0)!, g.X(0)], Attrs(g)));

    /// <summary>GlobalAveragePool: dY broadcast over the spatial dims, divided by their count.</summary>
    public static void GlobalAverage(GradientContext g)
    {
        var x = g.X(0);
        var spread = g.ExpandTo(g.dY(0)!, x);
        g.SetGrad(0, g.Op("Div", spread, SpatialCount(g, x)));
    }

    /// <summary>GlobalMaxPool: dY to the maximum of each plane, shared equally between tied maxima.</summary>
    public static void GlobalMax(GradientContext g)
    {
        var x = g.X(0);
        var mask = g.Mask(g.Op("Equal", x, g.Y(0)), x);
        var ties = g.Op("ReduceSum", [mask, g.Ints(SpatialAxes(x))], ("keepdims", 1L));
        g.SetGrad(0, g.Op("Mul", mask, g.Op("Div", g.dY(0), ties)));
    }

    private static long[] SpatialAxes(Value x) => Enumerable.Range(2, x.Type.Rank - 2).Select(i => (long)i).ToArray();

    private static Value SpatialCount(GradientContext g, Value x)
    {
        var dims = x.Type.Dims ?? throw g.Fail("the input's rank must be known");
        if (dims.Skip(2).All(d => d.IsKnown)) return g.ConstLike(dims.Skip(2).Aggregate(1L, (a, d) => a * d.Value), x);
        var spatial = g.Op("Slice", g.ShapeOf(x), g.Ints(2), g.Ints(long.MaxValue));
        return g.Cast(g.Op("ReduceProd", [spatial], ("keepdims", 0L)), x.Type.Elem);
    }

    private static (string, object)[] Attrs(GradientContext g) =>
        g.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).ToArray();
}
