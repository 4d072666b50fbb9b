using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>Building blocks of the gradient rules of index-moving ops (Slice, Pad, Gather).</summary>
internal static class AxisGradients
{
    /// <summary>
    /// Writes <paramref name="v"/>'s slices along <paramref name="axis"/> into a zero tensor whose extent on that axis
    /// is <paramref name="dim"/>: slice j lands at index <paramref name="positions"/>[j] (summed when positions repeat,
    /// with <paramref name="add"/>). Other dims are taken from <paramref name="v"/> and may be symbolic.
    /// </summary>
    public static Value ScatterAlong(GradientContext g, Value v, int axis, long dim, long[] positions, bool add)
    {
        int rank = v.Type.Rank;
        Value zerosShape;
        if (v.Type.IsStatic)
        {
            var s = v.Type.StaticShape().Select(d => (long)d).ToArray();
            s[axis] = dim;
            zerosShape = g.Ints(s);
        }
        else
        {
            zerosShape = g.Op("Concat", [
                g.Op("Shape", [v], ("start", 0L), ("end", (long)axis)),
                g.Ints(dim),
                g.Op("Shape", [v], ("start", (long)axis + 1))], ("axis", 0L));
        }
        var zeros = g.Op("ConstantOfShape", [zerosShape], ("value", Tensor.Zeros(v.Type.Elem, 1)));
        var idxShape = Enumerable.Repeat(1, rank).ToArray();
        idxShape[axis] = positions.Length;
        var idx = g.Op("Expand", g.Const(Tensor.FromArray(positions, idxShape)), g.ShapeOf(v));
        return g.Op("ScatterElements", [zeros, idx, v], ("axis", (long)axis), ("reduction", add ? "add" : "none"));
    }

    /// <summary>ONNX Slice's clamping: the first index and the element count for one axis of extent <paramref name="dim"/>.</summary>
    public static (long First, long Count) SliceRange(long start, long end, long step, long dim)
    {
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            return (start, Math.Max(0, (end - start + step - 1) / step));
        }
        start = Math.Clamp(start, 0, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        return (start, Math.Max(0, (start - end - step - 1) / -step));
    }

    /// <summary>Normalizes a possibly negative axis against <paramref name="rank"/>.</summary>
    public static int Axis(GradientContext g, long axis, int rank) =>
        axis >= -rank && axis < rank ? (int)(axis < 0 ? axis + rank : axis) : throw g.Fail($"axis {axis} is out of range for rank {rank}");

    public static long[] ConstInts(GradientContext g, int input, string what) =>
        g.ConstantOf(g.X(input))?.ToInt64Array() ?? throw g.Fail($"the {what} must be constant to differentiate {g.Node.OpType}");

    public static long KnownDim(GradientContext g, Value x, int axis) =>
        x.Type.Dims![axis] is { IsKnown: true } d ? d.Value : throw g.Fail($"dim {axis} of '{x.Name}' must be known to differentiate {g.Node.OpType}");
}
