using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// MatMulInteger and QLinearMatMul: numpy-matmul broadcasting over 8-bit operands with zero
/// points subtracted up front, exact int32 accumulation, then (QLinear) requantization.
/// </summary>
public static class IntegerMatMulKernels
{
    public static Tensor?[] MatMulInteger(KernelContext ctx, Tensor?[] inputs)
    {
        var a = Input(ctx, inputs, 0, "A");
        var b = Input(ctx, inputs, 1, "B");
        var p = Prepare(ctx, a, b, Opt(inputs, 2), Opt(inputs, 3));
        return [new Tensor(DataType.Int32, p.OutShape, p.Multiply())];
    }

    public static Tensor?[] QLinearMatMul(KernelContext ctx, Tensor?[] inputs)
    {
        var a = Input(ctx, inputs, 0, "a");
        var aScale = Input(ctx, inputs, 1, "a_scale");
        var b = Input(ctx, inputs, 3, "b");
        var bScale = Input(ctx, inputs, 4, "b_scale");
        var yScale = Input(ctx, inputs, 6, "y_scale");
        var yZp = Opt(inputs, 7);
        var p = Prepare(ctx, a, b, Opt(inputs, 2), Opt(inputs, 5));
        var acc = p.Multiply();
        var outType = yZp?.Type ?? a.Type;
        var (lo, hi) = QuantizeKernels.Range(ctx, outType);
        if (yScale.Length != 1 || (yZp is not null && yZp.Length != 1)) throw ctx.Fail("y_scale and y_zero_point must be per-tensor");
        var sa = aScale.ToDoubleArray();
        var sb = bScale.ToDoubleArray();
        double sy = yScale.ScalarAsDouble();
        double zy = yZp?.ScalarAsDouble() ?? 0;
        var st = aScale.Type;
        int m = p.M, n = p.N;
        var y = new double[acc.Length];
        for (int i = 0; i < acc.Length; i++)
        {
            int col = i % n, row = i / n % m, batch = i / n / m;
            double s1 = ScaleAt(ctx, sa, m, row, p.ABatch[batch] * m + row, "a_scale");
            double s2 = ScaleAt(ctx, sb, n, col, p.BBatchOf(batch) * n + col, "b_scale");
            // The combined multiplier is formed in the scales' own precision, as the spec's reference does.
            double mult = QuantizeKernels.RoundTo(st, QuantizeKernels.RoundTo(st, s1 * s2) / sy);
            double q = Math.Round(acc[i] * mult + zy, MidpointRounding.ToEven);
            y[i] = Math.Clamp(q, lo, hi);
        }
        return [DoubleBridge.FromDoublesAny(outType, p.OutShape, y)];
    }

    /// <summary>A scale that is per tensor, per row/column (<paramref name="local"/>), or per batch row/column.</summary>
    private static double ScaleAt(KernelContext ctx, double[] s, int perCount, int local, int global, string name)
    {
        if (s.Length == 1) return s[0];
        if (s.Length == perCount) return s[local];
        if (global < s.Length) return s[global];
        throw ctx.Fail($"{name} has {s.Length} values, which fits neither per-tensor nor per-row/column quantization");
    }

    private static Tensor Input(KernelContext ctx, Tensor?[] inputs, int i, string name) =>
        Opt(inputs, i) ?? throw ctx.Fail($"input '{name}' is required");

    private static Tensor? Opt(Tensor?[] inputs, int i) => i < inputs.Length ? inputs[i] : null;

    /// <summary>Operands as int32 with zero points removed, plus the broadcast batch layout.</summary>
    private sealed class Plan
    {
        public required int[] A { get; init; }
        public required int[] B { get; init; }
        public required int M { get; init; }
        public required int K { get; init; }
        public required int N { get; init; }
        public required int[] ABatch { get; init; }
        public required int[] BBatch { get; init; }
        public required int[] OutShape { get; init; }

        public int BBatchOf(int batch) => BBatch[batch];

        public int[] Multiply()
        {
            int batches = ABatch.Length;
            var c = new int[batches * M * N];
            for (int bt = 0; bt < batches; bt++)
            {
                int aOff = ABatch[bt] * M * K, bOff = BBatch[bt] * K * N, cOff = bt * M * N;
                for (int i = 0; i < M; i++)
                {
                    var row = c.AsSpan(cOff + i * N, N);
                    for (int k = 0; k < K; k++)
                    {
                        int av = A[aOff + i * K + k];
                        if (av == 0) continue;
                        TensorPrimitives.MultiplyAdd(B.AsSpan(bOff + k * N, N), av, row, row);
                    }
                }
            }
            return c;
        }
    }

    private static Plan Prepare(KernelContext ctx, Tensor a, Tensor b, Tensor? aZp, Tensor? bZp)
    {
        if (a.Type is not (DataType.UInt8 or DataType.Int8) || b.Type is not (DataType.UInt8 or DataType.Int8))
            throw ctx.Fail($"operands must be int8 or uint8, got {a.Type} and {b.Type}");
        if (aZp is not null && aZp.Type != a.Type) throw ctx.Fail("a_zero_point must have A's type");
        if (bZp is not null && bZp.Type != b.Type) throw ctx.Fail("b_zero_point must have B's type");
        if (a.Rank == 0 || b.Rank == 0) throw ctx.Fail("matmul operands must have rank >= 1");
        int[] aShape = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape;
        int[] bShape = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = aShape[^2], k = aShape[^1], k2 = bShape[^2], n = bShape[^1];
        if (k != k2) throw ctx.Fail($"cannot multiply shapes {Tensor.ShapeString(a.Shape)} and {Tensor.ShapeString(b.Shape)}");
        var aB = aShape[..^2];
        var bB = bShape[..^2];
        var batch = Broadcasting.Shape(ctx.NodeName, aB, bB);
        var aIdx = Broadcasting.Offsets(aB, batch);
        var bIdx = Broadcasting.Offsets(bB, batch);
        var outShape = new List<int>(batch);
        if (a.Rank > 1) outShape.Add(m);
        if (b.Rank > 1) outShape.Add(n);
        var av = ToInt(a);
        var bv = ToInt(b);
        if (aZp is not null)
        {
            var z = ToInt(aZp);
            int rowsTotal = av.Length / Math.Max(k, 1);
            for (int i = 0; i < av.Length; i++)
            {
                int row = i / k;
                av[i] -= z.Length == 1 ? z[0] : z.Length == m ? z[row % m] : z.Length == rowsTotal ? z[row]
                    : throw ctx.Fail($"a_zero_point has {z.Length} values; expected 1, {m} or {rowsTotal}");
            }
        }
        if (bZp is not null)
        {
            var z = ToInt(bZp);
            int colsTotal = bv.Length / Math.Max(k, 1);
            for (int i = 0; i < bv.Length; i++)
            {
                int col = i % n, mat = i / (k * n);
                bv[i] -= z.Length == 1 ? z[0] : z.Length == n ? z[col] : z.Length == colsTotal ? z[mat * n + col]
                    : throw ctx.Fail($"b_zero_point has {z.Length} values; expected 1, {n} or {colsTotal}");
            }
        }
        return new Plan { A = av, B = bv, M = m, K = k, N = n, ABatch = aIdx, BBatch = bIdx, OutShape = outShape.ToArray() };
    }

    /// <summary>Elements as int32, dispatched on the element type (byte[] and sbyte[] are cast-compatible in the CLR).</summary>
    public static int[] ToInt(Tensor t) => t.Type switch
    {
        DataType.UInt8 => Array.ConvertAll((byte[])t.Data, v => (int)v),
        DataType.Int8 => Array.ConvertAll((sbyte[])t.Data, v => (int)v),
        DataType.Int32 => (int[])((int[])t.Data).Clone(),
        _ => Array.ConvertAll(t.ToInt64Array(), v => (int)v),
    };
}
