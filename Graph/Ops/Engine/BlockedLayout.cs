using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>Data conversions between NCHW/OIHW and the blocked layouts of <see cref="BlockedLayoutOps"/>.</summary>
public static class BlockedLayout
{
    /// <summary>[N, C, H, W] → [N, C/c, H, W, c]; C must be a multiple of c.</summary>
    public static Tensor ToBlocked(Tensor x, int c)
    {
        int n = x.Shape[0], ch = x.Shape[1];
        if (ch % c != 0) throw new EngineException($"{ch} channels are not a multiple of the block {c}");
        var y = Tensor.Zeros(x.Type, [n, ch / c, x.Shape[2], x.Shape[3], c]);
        Move(x.Data, y.Data, ActivationMap(n, ch, x.Shape[2] * x.Shape[3], c), scatter: true);
        return y;
    }

    /// <summary>[N, C/c, H, W, c] → [N, C, H, W].</summary>
    public static Tensor ToNchw(Tensor x)
    {
        int n = x.Shape[0], c = x.Shape[4], ch = x.Shape[1] * c;
        var y = Tensor.Zeros(x.Type, [n, ch, x.Shape[2], x.Shape[3]]);
        Move(x.Data, y.Data, ActivationMap(n, ch, x.Shape[2] * x.Shape[3], c), scatter: false);
        return y;
    }

    /// <summary>OIHW [M, C, kH, kW] → [M/c, C/c, kH, kW, c_in, c_out].</summary>
    public static Tensor WeightsToBlocked(Tensor w, int c)
    {
        int m = w.Shape[0], ch = w.Shape[1];
        if (m % c != 0 || ch % c != 0) throw new EngineException($"weights {Tensor.ShapeString(w.Shape)} are not a multiple of the block {c}");
        var y = Tensor.Zeros(w.Type, [m / c, ch / c, w.Shape[2], w.Shape[3], c, c]);
        Move(w.Data, y.Data, WeightMap(m, ch, w.Shape[2] * w.Shape[3], c), scatter: true);
        return y;
    }

    /// <summary>[M/c, C/c, kH, kW, c_in, c_out] → OIHW [M, C, kH, kW].</summary>
    public static Tensor WeightsToOihw(Tensor w)
    {
        int c = w.Shape[4], m = w.Shape[0] * c, ch = w.Shape[1] * c;
        var y = Tensor.Zeros(w.Type, [m, ch, w.Shape[2], w.Shape[3]]);
        Move(w.Data, y.Data, WeightMap(m, ch, w.Shape[2] * w.Shape[3], c), scatter: false);
        return y;
    }

    /// <summary>For each NCHW index, its index in the blocked tensor.</summary>
    private static int[] ActivationMap(int n, int ch, int hw, int c)
    {
        var map = new int[checked(n * ch * hw)];
        int cb = ch / c;
        for (int b = 0; b < n; b++)
            for (int ci = 0; ci < ch; ci++)
                for (int p = 0; p < hw; p++)
                    map[(b * ch + ci) * hw + p] = ((b * cb + ci / c) * hw + p) * c + ci % c;
        return map;
    }

    /// <summary>For each OIHW index, its index in the blocked weights.</summary>
    private static int[] WeightMap(int m, int ch, int kk, int c)
    {
        var map = new int[checked(m * ch * kk)];
        for (int o = 0; o < m; o++)
            for (int i = 0; i < ch; i++)
                for (int k = 0; k < kk; k++)
                    map[(o * ch + i) * kk + k] = (((o / c) * (ch / c) + i / c) * kk + k) * c * c + (i % c) * c + o % c;
        return map;
    }

    /// <summary>scatter: dst[map[i]] = src[i]; else gather: dst[i] = src[map[i]].</summary>
    private static void Move(Array src, Array dst, int[] map, bool scatter)
    {
        if (src is float[] fs && dst is float[] fd)
        {
            if (scatter) for (int i = 0; i < map.Length; i++) fd[map[i]] = fs[i];
            else for (int i = 0; i < map.Length; i++) fd[i] = fs[map[i]];
            return;
        }
        for (int i = 0; i < map.Length; i++)
        {
            if (scatter) dst.SetValue(src.GetValue(i), map[i]);
            else dst.SetValue(src.GetValue(map[i]), i);
        }
    }
}
