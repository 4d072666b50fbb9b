namespace Engine.Runtime.Kernels;

/// <summary>Trilu (keep a triangle of the last two dims) and ReverseSequence (per-batch time reversal).</summary>
public static class TriluKernels
{
    public static Tensor?[] Trilu(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        if (x.Rank < 2) throw ctx.Fail($"input must have rank >= 2, got {Tensor.ShapeString(x.Shape)}");
        long k = KernelArgs.Optional(inputs, 1) is { } kT ? KernelArgs.Ints(ctx, kT, "k") is [var v] ? v : throw ctx.Fail("k must be a single value") : 0;
        bool upper = ctx.Attributes.GetInt("upper") != 0;
        int rows = x.Shape[^2], cols = x.Shape[^1];
        var data = ElementDispatch.Run<Array, Func>(x.Data, new Func(rows, cols, k, upper));
        return [new Tensor(x.Type, (int[])x.Shape.Clone(), data)];
    }

    private readonly struct Func(int rows, int cols, long k, bool upper) : IArrayFunc<Array>
    {
        public Array Invoke<T>(T[] src)
        {
            var dst = ElementDispatch.NewLike<T>(src.Length);
            int mat = rows * cols;
            if (mat == 0) return dst;
            for (int b = 0; b < src.Length; b += mat)
            {
                for (int i = 0; i < rows; i++)
                {
                    // Keep columns j with j - i >= k (upper) or j - i <= k (lower).
                    long lo = upper ? Math.Clamp(i + k, 0, cols) : 0;
                    long hi = upper ? cols : Math.Clamp(i + k + 1, 0, cols);
                    int row = b + i * cols;
                    if (hi > lo) src.AsSpan(row + (int)lo, (int)(hi - lo)).CopyTo(dst.AsSpan(row + (int)lo));
                }
            }
            return dst;
        }
    }

    public static Tensor?[] ReverseSequence(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var lens = KernelArgs.Ints(ctx, KernelArgs.Input(ctx, inputs, 1), "sequence_lens");
        if (x.Rank < 2) throw ctx.Fail($"input must have rank >= 2, got {Tensor.ShapeString(x.Shape)}");
        int timeAxis = (int)ctx.Attributes.GetInt("time_axis"), batchAxis = (int)ctx.Attributes.GetInt("batch_axis");
        if (!((timeAxis == 0 && batchAxis == 1) || (timeAxis == 1 && batchAxis == 0)))
            throw ctx.Fail($"time_axis {timeAxis} and batch_axis {batchAxis} must be 0 and 1 in some order");
        int maxLen = x.Shape[timeAxis], batch = x.Shape[batchAxis];
        if (lens.Length != batch) throw ctx.Fail($"sequence_lens has {lens.Length} entries but the batch is {batch}");
        int inner = x.Length == 0 ? 0 : x.Length / (maxLen * batch);
        var y = Tensor.Zeros(x.Type, (int[])x.Shape.Clone());
        for (int b = 0; b < batch; b++)
        {
            long len = lens[b];
            if (len < 0 || len > maxLen) throw ctx.Fail($"sequence length {len} is outside [0, {maxLen}]");
            for (int t = 0; t < maxLen; t++)
            {
                int src = t < len ? (int)len - 1 - t : t;
                Array.Copy(x.Data, Offset(src, b) * inner, y.Data, Offset(t, b) * inner, inner);
            }
        }
        return [y];

        int Offset(int t, int b) => timeAxis == 0 ? t * batch + b : b * maxLen + t;
    }
}
