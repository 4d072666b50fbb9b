namespace Engine.Runtime.Kernels;

/// <summary>
/// Copies a strided view of a tensor into a new contiguous tensor. Transpose, Slice, Expand, Tile,
/// DepthToSpace and friends are all "a view with some strides", so they share this one loop; it
/// merges contiguous dims first so the innermost run is as long as possible and becomes a block copy.
/// </summary>
public static class StridedCopy
{
    /// <summary>A new tensor of <paramref name="shape"/> whose element at index i is src[offset + Σ i_d·strides_d].</summary>
    public static Tensor Gather(Tensor src, int offset, int[] shape, int[] strides)
    {
        var data = ElementDispatch.Run<Array, Func>(src.Data, new Func(offset, shape, strides));
        return new Tensor(src.Type, shape, data);
    }

    private readonly struct Func(int offset, int[] shape, int[] strides) : IArrayFunc<Array>
    {
        public Array Invoke<T>(T[] data)
        {
            var dst = ElementDispatch.NewLike<T>((int)Tensor.ElementCount(shape));
            if (dst.Length > 0) Copy(data, offset, shape, strides, dst, 0);
            return dst;
        }
    }

    /// <summary>Writes the view into dst[dstOffset..] in row-major order.</summary>
    public static void Copy<T>(T[] src, int srcOffset, int[] shape, int[] strides, T[] dst, int dstOffset)
    {
        var (dims, st) = Coalesce(shape, strides);
        int rank = dims.Length;
        if (rank == 0)
        {
            dst[dstOffset] = src[srcOffset];
            return;
        }
        int inner = dims[rank - 1];
        int innerStride = st[rank - 1];
        if (rank >= 2 && st[rank - 2] == 1 && innerStride > 1)
        {
            TiledTranspose(src, srcOffset, dims, st, dst, dstOffset);
            return;
        }
        long outer = 1;
        for (int d = 0; d < rank - 1; d++) outer *= dims[d];
        var idx = new int[rank];
        int s = srcOffset;
        int o = dstOffset;
        for (long k = 0; k < outer; k++)
        {
            if (innerStride == 1) src.AsSpan(s, inner).CopyTo(dst.AsSpan(o, inner));
            else if (innerStride == 0) dst.AsSpan(o, inner).Fill(src[s]);
            else
            {
                int p = s;
                for (int i = 0; i < inner; i++, p += innerStride) dst[o + i] = src[p];
            }
            o += inner;
            for (int d = rank - 2; d >= 0; d--)
            {
                s += st[d];
                if (++idx[d] < dims[d]) break;
                s -= st[d] * idx[d];
                idx[d] = 0;
            }
        }
    }

    /// <summary>
    /// The last two dims form a 2-D transpose (the source is contiguous along the second-to-last):
    /// NCHW↔NHWC and every matrix transpose. Tiles keep both the strided reads and the writes in cache.
    /// </summary>
    private static void TiledTranspose<T>(T[] src, int srcOffset, int[] dims, int[] st, T[] dst, int dstOffset)
    {
        const int Tile = 32;
        int rank = dims.Length;
        int rows = dims[rank - 2], cols = dims[rank - 1], colStride = st[rank - 1];
        long outer = 1;
        for (int d = 0; d < rank - 2; d++) outer *= dims[d];
        var idx = new int[Math.Max(rank - 2, 0)];
        int s = srcOffset;
        int o = dstOffset;
        for (long k = 0; k < outer; k++)
        {
            for (int r0 = 0; r0 < rows; r0 += Tile)
            {
                int r1 = Math.Min(r0 + Tile, rows);
                for (int c0 = 0; c0 < cols; c0 += Tile)
                {
                    int c1 = Math.Min(c0 + Tile, cols);
                    for (int r = r0; r < r1; r++)
                    {
                        int dRow = o + r * cols;
                        int sp = s + r + c0 * colStride;
                        for (int c = c0; c < c1; c++, sp += colStride) dst[dRow + c] = src[sp];
                    }
                }
            }
            o += rows * cols;
            for (int d = rank - 3; d >= 0; d--)
            {
                s += st[d];
                if (++idx[d] < dims[d]) break;
                s -= st[d] * idx[d];
                idx[d] = 0;
            }
        }
    }

    /// <summary>Drops size-1 dims and merges neighbours that are contiguous in the source.</summary>
    private static (int[] Dims, int[] Strides) Coalesce(int[] shape, int[] strides)
    {
        var dims = new List<int>(shape.Length);
        var st = new List<int>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (dims.Count > 0 && st[^1] == strides[i] * shape[i])
            {
                dims[^1] *= shape[i];
                st[^1] = strides[i];
            }
            else
            {
                dims.Add(shape[i]);
                st.Add(strides[i]);
            }
        }
        return (dims.ToArray(), st.ToArray());
    }
}
