using System.Runtime.CompilerServices;

namespace Engine.Runtime.Compute;

/// <summary>
/// Type-agnostic data movement (elements of 1, 2, 4 or 8 bytes, given by <c>elemSize</c>) for Transpose,
/// Slice, Expand, Tile, Concat, Split, Gather and Pad. Every output is dense row-major.
/// </summary>
/// <remarks>
/// <see cref="StridedCopy"/> is the workhorse: dst[i…] = src[Σ i_d·stride_d] with arbitrary (also 0 or negative)
/// source strides, which expresses Slice (steps), Expand (stride 0), Tile (each dim split in [repeat, dim] with
/// stride 0 on the repeat) and Transpose (permuted strides). Size-1 dims are dropped and dims that are contiguous
/// in both tensors merged first, so most calls become a few long memcpy runs. When the source's unit-stride dim is
/// not the output's last (a real transpose), the copy goes through 32×32 tiles so both sides stay in cache.
/// </remarks>
public static unsafe class TensorCopy
{
    /// <summary>Largest rank after merging dims.</summary>
    public const int MaxRank = 16;

    private const int Tile = 32;

    /// <summary>Transpose: y = x.transpose(perm) for x of <paramref name="shape"/>.</summary>
    public static void Transpose(void* x, void* y, ReadOnlySpan<int> shape, ReadOnlySpan<int> perm, int elemSize, int threads)
    {
        int r = shape.Length;
        if (perm.Length != r || r > MaxRank) throw new EngineException($"transpose: perm of {perm.Length} for rank {r}");
        Span<long> inStride = stackalloc long[r];
        Span<int> outShape = stackalloc int[r];
        Span<long> srcStride = stackalloc long[r];
        long acc = 1;
        for (int d = r - 1; d >= 0; d--)
        {
            inStride[d] = acc;
            acc *= shape[d];
        }
        for (int i = 0; i < r; i++)
        {
            if ((uint)perm[i] >= (uint)r) throw new EngineException($"transpose: perm value {perm[i]} out of range");
            outShape[i] = shape[perm[i]];
            srcStride[i] = inStride[perm[i]];
        }
        StridedCopy(x, y, outShape, srcStride, elemSize, threads);
    }

    /// <summary>
    /// y (dense, <paramref name="shape"/>) [i0, …] = x[Σ i_d·srcStrides[d]] (strides in elements, any sign).
    /// </summary>
    public static void StridedCopy(void* x, void* y, ReadOnlySpan<int> shape, ReadOnlySpan<long> srcStrides, int elemSize, int threads)
    {
        if (shape.Length != srcStrides.Length) throw new EngineException("strided copy: shape and strides differ in rank");
        if (elemSize is not (1 or 2 or 4 or 8)) throw new EngineException($"strided copy: element size {elemSize} is not 1, 2, 4 or 8");
        var body = new CopyBody { X = (byte*)x, Y = (byte*)y, Es = elemSize };
        long total = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new EngineException("strided copy: negative dim");
            total *= d;
        }
        if (total == 0) return;
        // Normalize: drop size-1 dims, merge (d-1, d) when the source is contiguous across them.
        int r = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            if (r > 0 && body.Stride[r - 1] == srcStrides[d] * shape[d])
            {
                body.Shape[r - 1] *= shape[d];
                body.Stride[r - 1] = srcStrides[d];
                continue;
            }
            if (r == MaxRank) throw new EngineException($"strided copy: more than {MaxRank} dims");
            body.Shape[r] = shape[d];
            body.Stride[r] = srcStrides[d];
            r++;
        }
        if (r == 0)
        {
            body.Shape[0] = 1;
            body.Stride[0] = 1;
            r = 1;
        }
        body.Rank = r;
        long acc = 1;
        for (int d = r - 1; d >= 0; d--)
        {
            body.DstStride[d] = acc;
            acc *= body.Shape[d];
        }
        // A transpose: some outer dim has unit source stride while the inner one does not.
        body.TileDim = -1;
        if (r >= 2 && body.Stride[r - 1] != 1 && body.Stride[r - 1] != 0 && body.Shape[r - 1] >= 4)
        {
            for (int d = r - 2; d >= 0; d--)
                if (body.Stride[d] == 1 && body.Shape[d] >= 4) { body.TileDim = d; break; }
        }
        long units;
        if (body.TileDim >= 0)
        {
            // Tasks: every combination of the other outer dims × tile rows of dims TileDim.
            body.TileBlocks = (body.Shape[body.TileDim] + Tile - 1) / Tile;
            units = total / body.Shape[r - 1] / body.Shape[body.TileDim] * body.TileBlocks;
        }
        else units = total / body.Shape[r - 1];
        int tasks = (int)Math.Min(units, Math.Max(1, (long)threads * 4));
        if (total * elemSize < 1 << 16) tasks = 1;
        body.Units = units;
        body.Tasks = tasks;
        ParallelFor.Run(tasks, threads, ref body);
    }

    private struct CopyBody : IParallelBody
    {
        public byte* X, Y;
        public int Es, Rank, TileDim, TileBlocks, Tasks;
        public long Units;
        public fixed int Shape[MaxRank];
        public fixed long Stride[MaxRank];
        public fixed long DstStride[MaxRank];

        public void Execute(int index, int worker)
        {
            long u0 = Units * index / Tasks, u1 = Units * (index + 1) / Tasks;
            if (TileDim >= 0) Tiles(u0, u1);
            else Rows(u0, u1);
        }

        /// <summary>Output rows [u0, u1) (a row = the last dim).</summary>
        private void Rows(long u0, long u1)
        {
            int r = Rank, len = Shape[r - 1];
            long s = Stride[r - 1];
            int* idx = stackalloc int[MaxRank];
            long rem = u0, src = 0;
            for (int d = r - 2; d >= 0; d--)
            {
                idx[d] = (int)(rem % Shape[d]);
                rem /= Shape[d];
                src += idx[d] * Stride[d];
            }
            for (long u = u0; u < u1; u++)
            {
                Run(X + src * Es, Y + u * len * Es, len, s, Es);
                for (int d = r - 2; d >= 0; d--)
                {
                    src += Stride[d];
                    if (++idx[d] < Shape[d]) break;
                    src -= Stride[d] * Shape[d];
                    idx[d] = 0;
                }
            }
        }

        /// <summary>Units [u0, u1) of (other dims × tile row blocks of TileDim), each a strip of 32×(last dim) tiles.</summary>
        private void Tiles(long u0, long u1)
        {
            int r = Rank, t = TileDim, last = Shape[r - 1], tdim = Shape[t];
            long sLast = Stride[r - 1], dT = DstStride[t];
            int* idx = stackalloc int[MaxRank];
            for (long u = u0; u < u1; u++)
            {
                long rem = u / TileBlocks;
                int blk = (int)(u % TileBlocks);
                long src = 0, dst = 0;
                for (int d = r - 2; d >= 0; d--)
                {
                    if (d == t) continue;
                    idx[d] = (int)(rem % Shape[d]);
                    rem /= Shape[d];
                    src += idx[d] * Stride[d];
                    dst += idx[d] * DstStride[d];
                }
                int j0 = blk * Tile, jn = Math.Min(Tile, tdim - j0);
                src += j0;
                dst += j0 * dT;
                for (int i0 = 0; i0 < last; i0 += Tile)
                {
                    int inn = Math.Min(Tile, last - i0);
                    switch (Es)
                    {
                        case 4: TileCopy((int*)X + src + i0 * sLast, (int*)Y + dst + i0, jn, inn, sLast, dT); break;
                        case 8: TileCopy((long*)X + src + i0 * sLast, (long*)Y + dst + i0, jn, inn, sLast, dT); break;
                        case 2: TileCopy((short*)X + src + i0 * sLast, (short*)Y + dst + i0, jn, inn, sLast, dT); break;
                        default: TileCopy(X + src + i0 * sLast, Y + dst + i0, jn, inn, sLast, dT); break;
                    }
                }
            }
        }
    }

    /// <summary>dst[j·ldd + i] = src[j + i·lds] for j &lt; rows, i &lt; cols.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileCopy<T>(T* src, T* dst, int rows, int cols, long lds, long ldd) where T : unmanaged
    {
        for (int j = 0; j < rows; j++)
        {
            T* s = src + j;
            T* d = dst + j * ldd;
            for (int i = 0; i < cols; i++) d[i] = s[i * lds];
        }
    }

    /// <summary>One output row of n elements from a source run with element stride s (1: memcpy, 0: broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(byte* src, byte* dst, int n, long s, int es)
    {
        if (s == 1)
        {
            Buffer.MemoryCopy(src, dst, (long)n * es, (long)n * es);
            return;
        }
        switch (es)
        {
            case 4:
                if (s == 0) new Span<int>(dst, n).Fill(*(int*)src);
                else Gather((int*)src, (int*)dst, n, s);
                break;
            case 8:
                if (s == 0) new Span<long>(dst, n).Fill(*(long*)src);
                else Gather((long*)src, (long*)dst, n, s);
                break;
            case 2:
                if (s == 0) new Span<short>(dst, n).Fill(*(short*)src);
                else Gather((short*)src, (short*)dst, n, s);
                break;
            default:
                if (s == 0) new Span<byte>(dst, n).Fill(*src);
                else Gather(src, dst, n, s);
                break;
        }
    }

    private static void Gather<T>(T* src, T* dst, int n, long s) where T : unmanaged
    {
        for (int i = 0; i < n; i++) dst[i] = src[i * s];
    }

    /// <summary>
    /// <paramref name="rows"/> rows of <paramref name="rowBytes"/> bytes from src (row stride <paramref name="srcStride"/>
    /// bytes) to dst (row stride <paramref name="dstStride"/>): one input of a Concat, or one output of a Split.
    /// </summary>
    public static void CopyRows(void* src, long srcStride, void* dst, long dstStride, int rows, long rowBytes, int threads)
    {
        if (rows <= 0 || rowBytes <= 0) return;
        var body = new RowsBody { Src = (byte*)src, Dst = (byte*)dst, SrcStride = srcStride, DstStride = dstStride, Rows = rows, RowBytes = rowBytes };
        int tasks = rows * rowBytes < 1 << 16 ? 1 : Math.Min(rows, Math.Max(1, threads) * 4);
        body.Tasks = tasks;
        ParallelFor.Run(tasks, threads, ref body);
    }

    private struct RowsBody : IParallelBody
    {
        public byte* Src, Dst;
        public long SrcStride, DstStride, RowBytes;
        public int Rows, Tasks;

        public readonly void Execute(int index, int worker)
        {
            int r0 = (int)((long)Rows * index / Tasks), r1 = (int)((long)Rows * (index + 1) / Tasks);
            for (int r = r0; r < r1; r++) Buffer.MemoryCopy(Src + r * SrcStride, Dst + r * DstStride, RowBytes, RowBytes);
        }
    }

    /// <summary>
    /// Gather along an axis: x viewed as [outer, axisLen, inner] (inner in bytes), y as [outer, count, inner];
    /// y[o, i] = x[o, idx[i]] with negative indices counted from the end. An index outside [-axisLen, axisLen)
    /// throws. <paramref name="indices"/> are int64 when <paramref name="indices64"/>, else int32.
    /// </summary>
    public static void Gather(void* x, void* indices, bool indices64, int count, void* y, int outer, int axisLen, long innerBytes, int threads)
    {
        if (outer <= 0 || count <= 0) return;
        // Indices are checked up front, so a bad one fails before anything is written.
        for (int i = 0; i < count; i++)
        {
            long v = indices64 ? ((long*)indices)[i] : ((int*)indices)[i];
            if (v < -axisLen || v >= axisLen) throw new EngineException($"gather: index {v} is out of range for an axis of {axisLen}");
        }
        var body = new GatherBody { X = (byte*)x, Y = (byte*)y, Idx = indices, I64 = indices64, Count = count, AxisLen = axisLen, Inner = innerBytes };
        long rows = (long)outer * count;
        int tasks = rows * innerBytes < 1 << 15 ? 1 : (int)Math.Min(rows, Math.Max(1, threads) * 4L);
        body.Rows = rows;
        body.Tasks = tasks;
        ParallelFor.Run(tasks, threads, ref body);
    }

    private struct GatherBody : IParallelBody
    {
        public byte* X, Y;
        public void* Idx;
        public bool I64;
        public int Count, AxisLen, Tasks;
        public long Inner, Rows;

        public readonly void Execute(int index, int worker)
        {
            long r0 = Rows * index / Tasks, r1 = Rows * (index + 1) / Tasks;
            for (long r = r0; r < r1; r++)
            {
                long o = r / Count;
                int i = (int)(r % Count);
                long v = I64 ? ((long*)Idx)[i] : ((int*)Idx)[i];
                if (v < 0) v += AxisLen;
                Buffer.MemoryCopy(X + (o * AxisLen + v) * Inner, Y + r * Inner, Inner, Inner);
            }
        }
    }

    /// <summary>How <see cref="Pad"/> fills positions outside the input.</summary>
    public enum PadMode
    {
        Constant,
        Reflect,
        Edge,
        Wrap,
    }

    /// <summary>
    /// Pad: y (shape in[d] + begin[d] + end[d]) from x (shape <paramref name="shape"/>); pads may be negative (crop).
    /// Constant mode writes the low <paramref name="elemSize"/> bytes of <paramref name="valueBits"/>.
    /// </summary>
    public static void Pad(void* x, void* y, ReadOnlySpan<int> shape, ReadOnlySpan<int> begin, ReadOnlySpan<int> end, PadMode mode, ulong valueBits,
        int elemSize, int threads)
    {
        int r = shape.Length;
        if (begin.Length != r || end.Length != r || r > MaxRank || r == 0) throw new EngineException($"pad: pads do not match rank {r}");
        if (elemSize is not (1 or 2 or 4 or 8)) throw new EngineException($"pad: element size {elemSize} is not 1, 2, 4 or 8");
        var body = new PadBody { X = (byte*)x, Y = (byte*)y, Rank = r, Es = elemSize, Mode = mode, Value = valueBits };
        long rows = 1;
        for (int d = 0; d < r; d++)
        {
            int o = shape[d] + begin[d] + end[d];
            if (o < 0) throw new EngineException($"pad: dim {d} would be negative");
            if (shape[d] == 0 && o > 0 && mode != PadMode.Constant) throw new EngineException($"pad: {mode} padding of an empty dim {d}");
            body.In[d] = shape[d];
            body.Out[d] = o;
            body.Begin[d] = begin[d];
            if (d < r - 1) rows *= o;
        }
        long acc = 1;
        for (int d = r - 1; d >= 0; d--)
        {
            body.InStride[d] = acc;
            acc *= shape[d];
        }
        if (rows == 0 || body.Out[r - 1] == 0) return;
        int tasks = rows * body.Out[r - 1] * elemSize < 1 << 16 ? 1 : (int)Math.Min(rows, Math.Max(1, threads) * 4L);
        body.Rows = rows;
        body.Tasks = tasks;
        ParallelFor.Run(tasks, threads, ref body);
    }

    private struct PadBody : IParallelBody
    {
        public byte* X, Y;
        public int Rank, Es, Tasks;
        public PadMode Mode;
        public ulong Value;
        public long Rows;
        public fixed int In[MaxRank];
        public fixed int Out[MaxRank];
        public fixed int Begin[MaxRank];
        public fixed long InStride[MaxRank];

        /// <summary>The source coordinate of output coordinate o along dim d, or -1 for the constant.</summary>
        private readonly long Source(int d, long o)
        {
            long n = In[d], c = o - Begin[d];
            if (c >= 0 && c < n) return c;
            switch (Mode)
            {
                case PadMode.Constant: return -1;
                case PadMode.Edge: return c < 0 ? 0 : n - 1;
                case PadMode.Wrap: return ((c % n) + n) % n;
                default:
                    {
                        if (n == 1) return 0;
                        long period = 2 * (n - 1);
                        c = Math.Abs(c) % period;
                        return c >= n ? period - c : c;
                    }
            }
        }

        public readonly void Execute(int index, int worker)
        {
            long r0 = Rows * index / Tasks, r1 = Rows * (index + 1) / Tasks;
            int r = Rank, outLast = Out[r - 1], inLast = In[r - 1], es = Es;
            long rowBytes = (long)outLast * es;
            // Output columns whose source is inside the row, as one memcpy.
            long c0 = Math.Clamp((long)Begin[r - 1], 0, outLast), c1 = Math.Clamp((long)Begin[r - 1] + inLast, 0, outLast);
            for (long row = r0; row < r1; row++)
            {
                byte* dst = Y + row * rowBytes;
                long rem = row, src = 0;
                bool constant = false;
                for (int d = r - 2; d >= 0; d--)
                {
                    long o = rem % Out[d];
                    rem /= Out[d];
                    long c = Source(d, o);
                    if (c < 0) { constant = true; break; }
                    src += c * InStride[d];
                }
                if (constant)
                {
                    Fill(dst, 0, outLast);
                    continue;
                }
                byte* srow = X + src * es;
                if (c1 > c0) Buffer.MemoryCopy(srow + (c0 - Begin[r - 1]) * es, dst + c0 * es, (c1 - c0) * es, (c1 - c0) * es);
                for (long o = 0; o < outLast; o++)
                {
                    if (o == c0 && c1 > c0) { o = c1 - 1; continue; }
                    long c = Source(r - 1, o);
                    if (c < 0) Fill(dst, o, 1);
                    else Buffer.MemoryCopy(srow + c * es, dst + o * es, es, es);
                }
            }
        }

        private readonly void Fill(byte* dst, long from, long n)
        {
            switch (Es)
            {
                case 4: new Span<uint>((uint*)dst + from, (int)n).Fill((uint)Value); break;
                case 8: new Span<ulong>((ulong*)dst + from, (int)n).Fill(Value); break;
                case 2: new Span<ushort>((ushort*)dst + from, (int)n).Fill((ushort)Value); break;
                default: new Span<byte>(dst + from, (int)n).Fill((byte)Value); break;
            }
        }
    }
}
