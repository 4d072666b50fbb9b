namespace Engine.Runtime.Kernels;

/// <summary>
/// A pooling window laid over one (image, channel) plane: the kernel taps as flat offsets and as
/// coordinates, and a cursor over the output positions giving each window's start coordinates.
/// </summary>
internal sealed class PoolWindow
{
    /// <summary>Largest kernel (in taps) a pool accepts; bigger ones are rejected before any allocation.</summary>
    public const long MaxTaps = 1 << 24;

    public PoolWindow(int[] xShape, WindowGeometry g)
    {
        Geometry = g;
        Planes = xShape[0] * xShape[1];
        InSize = (int)Tensor.ElementCount(g.Input);
        OutShape = new[] { xShape[0], xShape[1] }.Concat(g.Output).ToArray();
        OutSize = (int)Tensor.ElementCount(g.Output);
        OutTotal = (int)Tensor.ElementCount(OutShape);
        InStride = Tensor.StridesOf(g.Input);
        int r = g.Rank;
        long taps = g.KernelSize;
        Taps = (int)taps;
        TapOffset = new int[Taps];
        TapCoord = new int[Taps][];
        for (int t = 0; t < Taps; t++)
        {
            var c = new int[r];
            int off = 0;
            for (int i = r - 1, rem = t; i >= 0; i--)
            {
                c[i] = rem % g.Kernel[i];
                rem /= g.Kernel[i];
                off += c[i] * g.Dilations[i] * InStride[i];
            }
            TapCoord[t] = c;
            TapOffset[t] = off;
        }
    }

    public WindowGeometry Geometry { get; }

    /// <summary>N·C planes.</summary>
    public int Planes { get; }

    public int InSize { get; }

    public int OutSize { get; }

    public int OutTotal { get; }

    public int[] OutShape { get; }

    public int[] InStride { get; }

    public int Taps { get; }

    /// <summary>Flat offset of each tap from the window start.</summary>
    public int[] TapOffset { get; }

    /// <summary>Kernel index of each tap, per spatial dim.</summary>
    public int[][] TapCoord { get; }

    /// <summary>True when tap t of the window starting at <paramref name="start"/> reads an input element.</summary>
    public bool TapInside(int[] start, int t)
    {
        var c = TapCoord[t];
        for (int i = 0; i < c.Length; i++)
        {
            int p = start[i] + c[i] * Geometry.Dilations[i];
            if ((uint)p >= (uint)Geometry.Input[i]) return false;
        }
        return true;
    }

    /// <summary>True when tap t lies inside the explicitly padded input (not in the ceil_mode overhang).</summary>
    public bool TapInPadding(int[] start, int t)
    {
        var c = TapCoord[t];
        for (int i = 0; i < c.Length; i++)
        {
            int p = start[i] + c[i] * Geometry.Dilations[i];
            if (p < -Geometry.PadBegin[i] || p >= Geometry.Input[i] + Geometry.PadEnd[i]) return false;
        }
        return true;
    }

    /// <summary>
    /// Window start coordinates of output position <paramref name="o"/> (into <paramref name="start"/>);
    /// returns the flat offset of the start (negative parts included) and whether every tap is inside.
    /// </summary>
    public int Start(int[] o, int[] start, out bool inside)
    {
        var g = Geometry;
        int inBase = 0;
        inside = true;
        for (int i = 0; i < o.Length; i++)
        {
            int s = o[i] * g.Strides[i] - g.PadBegin[i];
            start[i] = s;
            inBase += s * InStride[i];
            if (s < 0 || s + g.Span(i) > g.Input[i]) inside = false;
        }
        return inBase;
    }

    /// <summary>Advances output coordinates <paramref name="o"/> in row-major order.</summary>
    public void Next(int[] o)
    {
        for (int i = o.Length - 1; i >= 0; i--)
        {
            if (++o[i] < Geometry.Output[i]) return;
            o[i] = 0;
        }
    }
}
