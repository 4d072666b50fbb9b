namespace Engine.Runtime.Kernels;

/// <summary>Reads by index: Gather, GatherElements, GatherND, Compress.</summary>
public static class GatherKernels
{
    public static Tensor?[] Gather(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var indicesT = KernelArgs.Input(ctx, inputs, 1);
        if (x.Rank == 0) throw ctx.Fail("cannot gather from a scalar");
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), x.Rank);
        int dim = x.Shape[axis];
        var raw = KernelArgs.Ints(ctx, indicesT, "indices");
        var idx = new int[raw.Length];
        for (int i = 0; i < raw.Length; i++) idx[i] = KernelArgs.Index(ctx, raw[i], dim);
        var shape = x.Shape[..axis].Concat(indicesT.Shape).Concat(x.Shape[(axis + 1)..]).ToArray();
        KernelArgs.Count(ctx, shape);
        return [Take(x, axis, idx, shape)];
    }

    /// <summary>Blocks x[.., idx[j], ..] along <paramref name="axis"/>, laid out as <paramref name="shape"/>.</summary>
    public static Tensor Take(Tensor x, int axis, int[] idx, int[] shape)
    {
        int outer = 1;
        for (int d = 0; d < axis; d++) outer *= x.Shape[d];
        int inner = 1;
        for (int d = axis + 1; d < x.Rank; d++) inner *= x.Shape[d];
        var data = ElementDispatch.Run<Array, TakeFunc>(x.Data, new TakeFunc(outer, x.Shape[axis], inner, idx));
        return new Tensor(x.Type, shape, data);
    }

    private readonly struct TakeFunc(int outer, int dim, int inner, int[] idx) : IArrayFunc<Array>
    {
        public Array Invoke<T>(T[] src)
        {
            var dst = ElementDispatch.NewLike<T>(outer * idx.Length * inner);
            int o = 0;
            for (int b = 0; b < outer; b++)
            {
                int baseOff = b * dim;
                if (inner == 1)
                {
                    for (int j = 0; j < idx.Length; j++) dst[o++] = src[baseOff + idx[j]];
                }
                else
                {
                    for (int j = 0; j < idx.Length; j++, o += inner)
                        src.AsSpan((baseOff + idx[j]) * inner, inner).CopyTo(dst.AsSpan(o, inner));
                }
            }
            return dst;
        }
    }

    public static Tensor?[] GatherElements(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var indicesT = KernelArgs.Input(ctx, inputs, 1);
        int rank = x.Rank;
        if (rank == 0) throw ctx.Fail("cannot gather from a scalar");
        if (indicesT.Rank != rank) throw ctx.Fail($"indices rank {indicesT.Rank} differs from data rank {rank}");
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), rank);
        var offsets = ElementOffsets(ctx, x.Shape, indicesT, axis);
        var data = ElementDispatch.Run<Array, OffsetFunc>(x.Data, new OffsetFunc(offsets));
        return [new Tensor(x.Type, (int[])indicesT.Shape.Clone(), data)];
    }

    /// <summary>
    /// For each element of an index tensor of the data's rank, the flat data offset it names: its own
    /// coordinates with the one along <paramref name="axis"/> replaced by the index (GatherElements, ScatterElements).
    /// </summary>
    public static int[] ElementOffsets(KernelContext ctx, int[] dataShape, Tensor indicesT, int axis)
    {
        int rank = dataShape.Length;
        for (int d = 0; d < rank; d++)
        {
            if (d != axis && indicesT.Shape[d] > dataShape[d])
                throw ctx.Fail($"indices shape {Tensor.ShapeString(indicesT.Shape)} exceeds data shape {Tensor.ShapeString(dataShape)} on axis {d}");
        }
        var raw = KernelArgs.Ints(ctx, indicesT, "indices");
        var strides = Tensor.StridesOf(dataShape);
        var offsets = new int[raw.Length];
        var coord = new int[rank];
        int dim = dataShape[axis];
        int baseOff = 0;
        for (int k = 0; k < raw.Length; k++)
        {
            offsets[k] = baseOff + KernelArgs.Index(ctx, raw[k], dim) * strides[axis];
            for (int d = rank - 1; d >= 0; d--)
            {
                if (d != axis) baseOff += strides[d];
                if (++coord[d] < indicesT.Shape[d]) break;
                if (d != axis) baseOff -= strides[d] * coord[d];
                coord[d] = 0;
            }
        }
        return offsets;
    }

    private readonly struct OffsetFunc(int[] offsets) : IArrayFunc<Array>
    {
        public Array Invoke<T>(T[] src)
        {
            var dst = ElementDispatch.NewLike<T>(offsets.Length);
            for (int i = 0; i < offsets.Length; i++) dst[i] = src[offsets[i]];
            return dst;
        }
    }

    public static Tensor?[] GatherND(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var indicesT = KernelArgs.Input(ctx, inputs, 1);
        var (blockOffsets, block, shape) = NdBlocks(ctx, x.Shape, indicesT, (int)ctx.Attributes.GetInt("batch_dims"));
        var data = ElementDispatch.Run<Array, BlockFunc>(x.Data, new BlockFunc(blockOffsets, block));
        return [new Tensor(x.Type, shape, data)];
    }

    /// <summary>
    /// GatherND/ScatterND addressing: for each index tuple, the flat data offset of the block it names,
    /// the block size, and the shape indices[:-1] + data[b+k:].
    /// </summary>
    public static (int[] Offsets, int Block, int[] Shape) NdBlocks(KernelContext ctx, int[] dataShape, Tensor indicesT, int batchDims)
    {
        int r = dataShape.Length, q = indicesT.Rank;
        if (r < 1 || q < 1) throw ctx.Fail("data and indices must have rank >= 1");
        if (batchDims < 0 || batchDims >= Math.Min(r, q)) throw ctx.Fail($"batch_dims {batchDims} is out of range");
        int k = indicesT.Shape[q - 1];
        if (k > r - batchDims) throw ctx.Fail($"index tuples of length {k} exceed data rank {r} minus batch_dims {batchDims}");
        for (int d = 0; d < batchDims; d++)
        {
            if (indicesT.Shape[d] != dataShape[d])
                throw ctx.Fail($"batch dim {d} differs: data {Tensor.ShapeString(dataShape)}, indices {Tensor.ShapeString(indicesT.Shape)}");
        }
        var raw = KernelArgs.Ints(ctx, indicesT, "indices");
        var strides = Tensor.StridesOf(dataShape);
        int block = 1;
        for (int d = batchDims + k; d < r; d++) block *= dataShape[d];
        int batchCount = 1;
        for (int d = 0; d < batchDims; d++) batchCount *= dataShape[d];
        int batchStride = batchDims == 0 ? 0 : strides[batchDims - 1];
        int tuples = k == 0 ? (int)Tensor.ElementCount(indicesT.Shape[..^1]) : raw.Length / k;
        int perBatch = batchCount == 0 ? 0 : tuples / batchCount;
        var offsets = new int[tuples];
        for (int t = 0; t < tuples; t++)
        {
            int off = perBatch == 0 ? 0 : (t / perBatch) * batchStride;
            for (int j = 0; j < k; j++)
                off += KernelArgs.Index(ctx, raw[t * k + j], dataShape[batchDims + j]) * strides[batchDims + j];
            offsets[t] = off;
        }
        var shape = indicesT.Shape[..^1].Concat(dataShape[(batchDims + k)..]).ToArray();
        KernelArgs.Count(ctx, shape);
        return (offsets, block, shape);
    }

    private readonly struct BlockFunc(int[] offsets, int block) : IArrayFunc<Array>
    {
        public Array Invoke<T>(T[] src)
        {
            var dst = ElementDispatch.NewLike<T>(offsets.Length * block);
            for (int t = 0; t < offsets.Length; t++) src.AsSpan(offsets[t], block).CopyTo(dst.AsSpan(t * block, block));
            return dst;
        }
    }

    public static Tensor?[] Compress(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var condT = KernelArgs.Input(ctx, inputs, 1);
        if (condT.Rank != 1) throw ctx.Fail($"condition must be 1-D, got {Tensor.ShapeString(condT.Shape)}");
        var cond = condT.Type == DataType.Bool ? condT.As<bool>() : condT.ToDoubleArray().Select(v => v != 0).ToArray();
        int axis;
        if (ctx.Attributes.Get("axis") is long a)
        {
            if (x.Rank == 0) throw ctx.Fail("cannot compress a scalar along an axis");
            axis = KernelArgs.Axis(ctx, a, x.Rank);
        }
        else
        {
            x = x.Reshape(x.Length);
            axis = 0;
        }
        int dim = x.Shape[axis];
        var idx = new List<int>();
        for (int i = 0; i < cond.Length; i++)
        {
            if (!cond[i]) continue;
            if (i >= dim) throw ctx.Fail($"condition selects index {i} but the axis has size {dim}");
            idx.Add(i);
        }
        var shape = (int[])x.Shape.Clone();
        shape[axis] = idx.Count;
        return [Take(x, axis, idx.ToArray(), shape)];
    }
}
