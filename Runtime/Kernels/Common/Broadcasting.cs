namespace Engine.Runtime.Kernels;

/// <summary>Numpy-style multidirectional broadcasting for reference kernels.</summary>
public static class Broadcasting
{
    /// <summary>The broadcast shape of several shapes; throws a one-line error when incompatible.</summary>
    public static int[] Shape(string node, params int[][] shapes)
    {
        int rank = 0;
        foreach (var s in shapes) rank = Math.Max(rank, s.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int d = 1;
            foreach (var s in shapes)
            {
                int j = i - (rank - s.Length);
                if (j < 0) continue;
                int v = s[j];
                if (v == 1) continue;
                if (d == 1) d = v;
                else if (d != v)
                    throw new EngineException($"node '{node}': cannot broadcast shapes {string.Join(" and ", shapes.Select(x => Tensor.ShapeString(x)))}");
            }
            // A zero-sized dim broadcasts against 1 only; d stays 0 if any input has 0 there.
            r[i] = shapes.Any(s => i - (rank - s.Length) >= 0 && s[i - (rank - s.Length)] == 0) ? 0 : d;
        }
        return r;
    }

    /// <summary>Strides of <paramref name="inShape"/> viewed in <paramref name="outShape"/>: 0 on broadcast dims.</summary>
    public static int[] Strides(int[] inShape, int[] outShape)
    {
        var strides = new int[outShape.Length];
        int acc = 1;
        for (int i = inShape.Length - 1; i >= 0; i--)
        {
            int o = i + outShape.Length - inShape.Length;
            strides[o] = inShape[i] == 1 ? 0 : acc;
            acc *= inShape[i];
        }
        return strides;
    }

    /// <summary>
    /// For every element of <paramref name="outShape"/> (row-major), the flat index of the element of
    /// <paramref name="inShape"/> it reads. Simple and general; fast paths belong in the kernels.
    /// </summary>
    public static int[] Offsets(int[] inShape, int[] outShape)
    {
        int n = (int)Tensor.ElementCount(outShape);
        var result = new int[n];
        if (n == 0) return result;
        var strides = Strides(inShape, outShape);
        int rank = outShape.Length;
        var idx = new int[rank];
        int off = 0;
        for (int k = 0; k < n; k++)
        {
            result[k] = off;
            for (int d = rank - 1; d >= 0; d--)
            {
                idx[d]++;
                off += strides[d];
                if (idx[d] < outShape[d]) break;
                off -= strides[d] * idx[d];
                idx[d] = 0;
            }
        }
        return result;
    }
}
