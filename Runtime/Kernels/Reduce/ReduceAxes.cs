namespace Engine.Runtime.Kernels;

/// <summary>
/// The axis rules shared by every Reduce* op (kernels and shape inference): an absent or empty
/// axes list means "all axes" unless noop_with_empty_axes asks for no reduction at all.
/// </summary>
public static class ReduceAxes
{
    /// <summary>
    /// A mask of reduced axes for an input of <paramref name="rank"/>; all false means "reduce nothing".
    /// Throws an <see cref="EngineException"/> (with <paramref name="fail"/>'s message) on bad axes.
    /// </summary>
    public static bool[] Mask(int rank, long[]? axes, bool noopWithEmptyAxes, Func<string, EngineException> fail)
    {
        var mask = new bool[rank];
        if (axes is null || axes.Length == 0)
        {
            if (!noopWithEmptyAxes) Array.Fill(mask, true);
            return mask;
        }
        foreach (long a in axes)
        {
            long n = a < 0 ? a + rank : a;
            if (n < 0 || n >= rank) throw fail($"axis {a} is out of range for rank {rank}");
            if (mask[n]) throw fail($"axis {a} appears twice in axes");
            mask[n] = true;
        }
        return mask;
    }

    /// <summary>The output shape for a mask: reduced dims become 1 (keepdims) or disappear.</summary>
    public static int[] OutputShape(int[] shape, bool[] mask, bool keepDims)
    {
        var r = new List<int>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
        {
            if (!mask[i]) r.Add(shape[i]);
            else if (keepDims) r.Add(1);
        }
        return r.ToArray();
    }
}
