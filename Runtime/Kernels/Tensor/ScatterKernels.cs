using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>Writes by index into a copy of the data: ScatterElements, ScatterND, TensorScatter.</summary>
public static class ScatterKernels
{
    public static Tensor?[] ScatterElements(KernelContext ctx, Tensor?[] inputs) =>
        ScatterElements(ctx, inputs, ctx.Attributes.GetString("reduction"));

    /// <summary>Scatter-9/11 (deprecated): ScatterElements without reduction.</summary>
    public static Tensor?[] Scatter(KernelContext ctx, Tensor?[] inputs) => ScatterElements(ctx, inputs, "none");

    private static Tensor?[] ScatterElements(KernelContext ctx, Tensor?[] inputs, string reduction)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var indicesT = KernelArgs.Input(ctx, inputs, 1);
        var updates = KernelArgs.Input(ctx, inputs, 2);
        if (x.Rank == 0) throw ctx.Fail("cannot scatter into a scalar");
        if (indicesT.Rank != x.Rank) throw ctx.Fail($"indices rank {indicesT.Rank} differs from data rank {x.Rank}");
        if (!updates.Shape.AsSpan().SequenceEqual(indicesT.Shape))
            throw ctx.Fail($"updates shape {Tensor.ShapeString(updates.Shape)} differs from indices shape {Tensor.ShapeString(indicesT.Shape)}");
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), x.Rank);
        var offsets = GatherKernels.ElementOffsets(ctx, x.Shape, indicesT, axis);
        return [Apply(ctx, x, updates, offsets, 1, reduction)];
    }

    public static Tensor?[] ScatterND(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var indicesT = KernelArgs.Input(ctx, inputs, 1);
        var updates = KernelArgs.Input(ctx, inputs, 2);
        var (offsets, block, shape) = GatherKernels.NdBlocks(ctx, x.Shape, indicesT, 0);
        if (!updates.Shape.AsSpan().SequenceEqual(shape))
            throw ctx.Fail($"updates shape {Tensor.ShapeString(updates.Shape)} should be {Tensor.ShapeString(shape)}");
        return [Apply(ctx, x, updates, offsets, block, ctx.Attributes.GetString("reduction"))];
    }

    /// <summary>out = copy of x; then block t of updates is written (or reduced) at offsets[t], in order.</summary>
    private static Tensor Apply(KernelContext ctx, Tensor x, Tensor updates, int[] offsets, int block, string reduction)
    {
        if (updates.Type != x.Type) throw ctx.Fail($"updates are {DataTypes.ShortName(updates.Type)} but data is {DataTypes.ShortName(x.Type)}");
        if (reduction == "none")
        {
            var y = x.Clone();
            for (int t = 0; t < offsets.Length; t++) Array.Copy(updates.Data, t * block, y.Data, offsets[t], block);
            return y;
        }
        if (reduction is not ("add" or "mul" or "max" or "min")) throw ctx.Fail($"reduction '{reduction}' is not supported");
        var data = ElementDispatch.RunNumeric<Array, ReduceFunc>(x, new ReduceFunc(updates, offsets, block, reduction, ctx.NodeName), ctx.NodeName);
        return ElementDispatch.Wrap(x.Type, (int[])x.Shape.Clone(), data);
    }

    private readonly struct ReduceFunc(Tensor updates, int[] offsets, int block, string reduction, string node) : INumericFunc<Array>
    {
        public Array Invoke<T>(T[] data) where T : unmanaged, INumber<T>
        {
            var y = (T[])data.Clone();
            var u = TypedData.As<T>(updates, node);
            for (int t = 0; t < offsets.Length; t++)
            {
                int o = offsets[t], s = t * block;
                for (int i = 0; i < block; i++)
                {
                    T a = y[o + i], b = u[s + i];
                    y[o + i] = reduction switch
                    {
                        "add" => a + b,
                        "mul" => a * b,
                        "max" => T.Max(a, b),
                        _ => T.Min(a, b),
                    };
                }
            }
            return y;
        }
    }

    public static Tensor?[] TensorScatter(KernelContext ctx, Tensor?[] inputs)
    {
        var cache = KernelArgs.Input(ctx, inputs, 0);
        var update = KernelArgs.Input(ctx, inputs, 1);
        var writeT = KernelArgs.Optional(inputs, 2);
        int rank = cache.Rank;
        if (rank < 2) throw ctx.Fail($"past_cache must have rank >= 2, got {Tensor.ShapeString(cache.Shape)}");
        if (update.Type != cache.Type) throw ctx.Fail($"update is {DataTypes.ShortName(update.Type)} but past_cache is {DataTypes.ShortName(cache.Type)}");
        int axis = KernelArgs.Axis(ctx, ctx.Attributes.GetInt("axis"), rank);
        if (axis == 0) throw ctx.Fail("axis cannot be the batch axis 0");
        if (update.Rank != rank) throw ctx.Fail($"update rank {update.Rank} differs from past_cache rank {rank}");
        for (int d = 0; d < rank; d++)
        {
            if (d == axis ? update.Shape[d] > cache.Shape[d] : update.Shape[d] != cache.Shape[d])
                throw ctx.Fail($"update shape {Tensor.ShapeString(update.Shape)} does not fit past_cache {Tensor.ShapeString(cache.Shape)} on axis {d}");
        }
        string mode = ctx.Attributes.GetString("mode");
        if (mode is not ("linear" or "circular")) throw ctx.Fail($"mode '{mode}' is not linear or circular");
        int batch = cache.Shape[0];
        var write = writeT is null ? new long[batch] : KernelArgs.Ints(ctx, writeT, "write_indices");
        if (write.Length != batch) throw ctx.Fail($"write_indices has {write.Length} entries but the batch is {batch}");
        int maxSeq = cache.Shape[axis], seq = update.Shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < rank; d++) inner *= cache.Shape[d];
        int prefix = 1;
        for (int d = 0; d < axis; d++) prefix *= cache.Shape[d];
        int perBatch = batch == 0 ? 0 : prefix / batch;
        var y = cache.Clone();
        for (int p = 0; p < prefix; p++)
        {
            long w = write[p / perBatch];
            for (int s = 0; s < seq; s++)
            {
                long pos = w + s;
                if (mode == "circular") pos = ((pos % maxSeq) + maxSeq) % maxSeq;
                else if (pos < 0 || pos >= maxSeq) throw ctx.Fail($"write position {pos} is outside the cache length {maxSeq}");
                Array.Copy(update.Data, (p * seq + s) * inner, y.Data, (p * maxSeq + (int)pos) * inner, inner);
            }
        }
        return [y];
    }
}
