using Engine.Runtime;

namespace Engine.Codegen.Lowerings.Elementwise;

/// <summary>
/// How a broadcasting loop walks its operands: the output shape with size-1 dims dropped and
/// adjacent dims merged wherever every operand's strides allow, so the innermost dim of each
/// operand is either contiguous (stride 1) or constant (stride 0). Row broadcast ([M,N] + [N])
/// gives an inner contiguous run; column broadcast ([M,N] + [M,1]) an inner constant.
/// </summary>
internal sealed class BroadcastPlan
{
    private BroadcastPlan(int[] sizes, int[][] strides)
    {
        Sizes = sizes;
        Strides = strides;
    }

    /// <summary>Loop sizes, outermost first; at least one entry (a scalar output is one element).</summary>
    public int[] Sizes { get; }

    /// <summary>Per operand, its element stride along each loop dim (0 = broadcast).</summary>
    public int[][] Strides { get; }

    public int Inner => Sizes[^1];

    public static BroadcastPlan Create(int[] output, IReadOnlyList<int[]> operands)
    {
        int r = output.Length;
        var dims = new List<int>();
        var strides = operands.Select(_ => new List<int>()).ToArray();
        for (int k = 0; k < operands.Count; k++)
        {
            var s = operands[k];
            if (s.Length > r) throw new EngineException($"cpu backend: operand of rank {s.Length} cannot broadcast to rank {r}");
        }
        var full = operands.Select(s => Tensor.StridesOf(s)).ToArray();
        for (int d = 0; d < r; d++)
        {
            if (output[d] == 1) continue;
            dims.Add(output[d]);
            for (int k = 0; k < operands.Count; k++)
            {
                var s = operands[k];
                int od = d - (r - s.Length);
                int size = od < 0 ? 1 : s[od];
                if (size != 1 && size != output[d])
                    throw new EngineException($"cpu backend: shape {Tensor.ShapeString(s)} does not broadcast to {Tensor.ShapeString(output)}");
                strides[k].Add(size == 1 ? 0 : full[k][od]);
            }
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            foreach (var s in strides) s.Add(0);
        }
        // Merge dim d into d+1 (from the inside out) when every operand walks both as one run.
        for (int d = dims.Count - 2; d >= 0; d--)
        {
            bool merge = strides.All(s => s[d] == s[d + 1] * dims[d + 1]);
            if (!merge) continue;
            dims[d + 1] *= dims[d];
            dims.RemoveAt(d);
            foreach (var s in strides) s.RemoveAt(d);
        }
        return new BroadcastPlan(dims.ToArray(), strides.Select(s => s.ToArray()).ToArray());
    }
}
