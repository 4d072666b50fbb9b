using System.Numerics;
using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>MatMul (numpy matmul semantics) and Gemm. Float-family types go through <see cref="Sgemm"/>.</summary>
public static class MatMulKernels
{
    public static Tensor?[] MatMul(KernelContext ctx, Tensor?[] inputs)
    {
        var a = inputs[0] ?? throw ctx.Fail("input A is required");
        var b = inputs.Length > 1 && inputs[1] is { } bt ? bt : throw ctx.Fail("input B is required");
        if (a.Type != b.Type) throw ctx.Fail($"A is {a.Type} but B is {b.Type}");
        if (a.Rank == 0 || b.Rank == 0) throw ctx.Fail("MatMul operands must have rank >= 1");
        var plan = MatMulPlan.Create(ctx, a.Shape, b.Shape);
        return [Multiply(ctx, a, b, plan)];
    }

    private static Tensor Multiply(KernelContext ctx, Tensor a, Tensor b, MatMulPlan p)
    {
        switch (a.Type)
        {
            case DataType.Float:
            case DataType.Float16:
            case DataType.BFloat16:
                {
                    var r = new float[p.OutputLength];
                    RunFloat(ctx, LinalgData.Read(a), LinalgData.Read(b), r, p);
                    return LinalgData.Write(a.Type, p.OutputShape, r);
                }
            case DataType.Double: return Generic<double>(ctx, a, b, p);
            case DataType.Int32: return Generic<int>(ctx, a, b, p);
            case DataType.Int64: return Generic<long>(ctx, a, b, p);
            case DataType.UInt32: return Generic<uint>(ctx, a, b, p);
            case DataType.UInt64: return Generic<ulong>(ctx, a, b, p);
            case DataType.Int8: return Generic<sbyte>(ctx, a, b, p);
            case DataType.UInt8: return Generic<byte>(ctx, a, b, p);
            case DataType.Int16: return Generic<short>(ctx, a, b, p);
            case DataType.UInt16: return Generic<ushort>(ctx, a, b, p);
            default: throw ctx.Fail($"MatMul does not support {a.Type}");
        }
    }

    private static void RunFloat(KernelContext ctx, float[] a, float[] b, float[] c, MatMulPlan p)
    {
        int m = p.M, n = p.N, k = p.K;
        if (p.Batch == 0 || m == 0 || n == 0) return;
        if (p.FoldBatchIntoM)
        {
            Sgemm.Gemm(false, false, p.Batch * m, n, k, 1f, a, k, b, n, 0f, c, n, ctx.Threads);
            return;
        }
        long flops = (long)m * n * k;
        // Many small products: spread batches over threads; few large ones: let Sgemm split each.
        if (ctx.Threads > 1 && p.Batch >= ctx.Threads && flops < (1 << 22))
        {
            Parallel.For(0, p.Batch, new ParallelOptions { MaxDegreeOfParallelism = ctx.Threads }, i =>
                Sgemm.Gemm(false, false, m, n, k, 1f, a.AsSpan(p.AOffsets[i], m * k), k, b.AsSpan(p.BOffsets[i], k * n), n,
                    0f, c.AsSpan(i * m * n, m * n), n));
            return;
        }
        for (int i = 0; i < p.Batch; i++)
        {
            Sgemm.Gemm(false, false, m, n, k, 1f, a.AsSpan(p.AOffsets[i], m * k), k, b.AsSpan(p.BOffsets[i], k * n), n,
                0f, c.AsSpan(i * m * n, m * n), n, ctx.Threads);
        }
    }

    private static Tensor Generic<T>(KernelContext ctx, Tensor at, Tensor bt, MatMulPlan p) where T : unmanaged, INumber<T>
    {
        var a = at.As<T>();
        var b = bt.As<T>();
        var c = new T[p.OutputLength];
        int m = p.M, n = p.N, k = p.K;
        for (int i = 0; i < p.Batch; i++)
        {
            Gemm(false, false, m, n, k, T.One, a.AsSpan(p.AOffsets[i]), k, b.AsSpan(p.BOffsets[i]), n, c.AsSpan(i * m * n, m * n), n);
        }
        return new Tensor(at.Type, p.OutputShape, c);
    }

    /// <summary>
    /// C += alpha·op(A)·op(B) for non-float element types (integers wrap, as in ONNX Runtime).
    /// Row-oriented so the inner loop is a vectorized axpy over a row of B.
    /// </summary>
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc) where T : unmanaged, INumber<T>
    {
        if (m == 0 || n == 0 || k == 0) return;
        ReadOnlySpan<T> bRows = b;
        int ldbRows = ldb;
        T[]? bT = null;
        if (transB)
        {
            // Materialise op(B) once so every row update below is contiguous.
            bT = new T[k * n];
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) bT[p * n + j] = b[j * ldb + p];
            bRows = bT;
            ldbRows = n;
        }
        for (int i = 0; i < m; i++)
        {
            var cRow = c.Slice(i * ldc, n);
            for (int p = 0; p < k; p++)
            {
                T av = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                if (av == T.Zero) continue;
                TensorPrimitives.MultiplyAdd(bRows.Slice(p * ldbRows, n), av, cRow, cRow);
            }
        }
    }

    public static Tensor?[] Gemm(KernelContext ctx, Tensor?[] inputs)
    {
        var a = inputs[0] ?? throw ctx.Fail("input A is required");
        var b = inputs.Length > 1 && inputs[1] is { } bt ? bt : throw ctx.Fail("input B is required");
        var cIn = inputs.Length > 2 ? inputs[2] : null;
        if (a.Rank != 2 || b.Rank != 2) throw ctx.Fail($"Gemm needs 2-D A and B, got {Tensor.ShapeString(a.Shape)} and {Tensor.ShapeString(b.Shape)}");
        if (a.Type != b.Type || (cIn is not null && cIn.Type != a.Type)) throw ctx.Fail("A, B and C must have the same element type");
        bool transA = ctx.Attributes.GetInt("transA") != 0, transB = ctx.Attributes.GetInt("transB") != 0;
        float alpha = ctx.Attributes.GetFloat("alpha"), beta = ctx.Attributes.GetFloat("beta");
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw ctx.Fail($"inner dimensions differ: op(A) is {m}x{k}, op(B) is {kb}x{n}");
        int[] shape = [m, n];
        if (cIn is not null && !Unidirectional(cIn.Shape, shape))
            throw ctx.Fail($"C of shape {Tensor.ShapeString(cIn.Shape)} does not broadcast to {Tensor.ShapeString(shape)}");
        Tensor.ElementCount(shape); // rejects outputs too large to allocate
        int lda = a.Shape[1], ldb = b.Shape[1];
        bool hasC = cIn is not null && beta != 0;

        switch (a.Type)
        {
            case DataType.Float:
            case DataType.Float16:
            case DataType.BFloat16:
                {
                    var y = new float[m * n];
                    if (hasC) BroadcastC(LinalgData.Read(cIn!), cIn!.Shape, y, m, n);
                    Sgemm.Gemm(transA, transB, m, n, k, alpha, LinalgData.Read(a), lda, LinalgData.Read(b), ldb, hasC ? beta : 0f, y, n, ctx.Threads);
                    return [LinalgData.Write(a.Type, shape, y)];
                }
            case DataType.Double: return [GemmGeneric<double>(a, b, cIn, transA, transB, m, n, k, alpha, beta, hasC)];
            case DataType.Int32: return [GemmGeneric<int>(a, b, cIn, transA, transB, m, n, k, alpha, beta, hasC)];
            case DataType.Int64: return [GemmGeneric<long>(a, b, cIn, transA, transB, m, n, k, alpha, beta, hasC)];
            case DataType.UInt32: return [GemmGeneric<uint>(a, b, cIn, transA, transB, m, n, k, alpha, beta, hasC)];
            case DataType.UInt64: return [GemmGeneric<ulong>(a, b, cIn, transA, transB, m, n, k, alpha, beta, hasC)];
            default: throw ctx.Fail($"Gemm does not support {a.Type}");
        }
    }

    private static Tensor GemmGeneric<T>(Tensor a, Tensor b, Tensor? cIn, bool transA, bool transB, int m, int n, int k,
        float alpha, float beta, bool hasC) where T : unmanaged, INumber<T>
    {
        var y = new T[m * n];
        if (hasC)
        {
            BroadcastC(cIn!.As<T>(), cIn.Shape, y, m, n);
            T tb = T.CreateTruncating(beta);
            if (tb != T.One) TensorPrimitives.Multiply(y, tb, y);
        }
        Gemm(transA, transB, m, n, k, T.CreateTruncating(alpha), a.As<T>(), a.Shape[1], b.As<T>(), b.Shape[1], y, n);
        return new Tensor(a.Type, [m, n], y);
    }

    /// <summary>True when <paramref name="from"/> broadcasts to <paramref name="to"/> (C of Gemm).</summary>
    private static bool Unidirectional(int[] from, int[] to)
    {
        if (from.Length > to.Length) return false;
        for (int i = 0; i < from.Length; i++)
        {
            int d = from[from.Length - 1 - i], t = to[to.Length - 1 - i];
            if (d != 1 && d != t) return false;
        }
        return true;
    }

    private static void BroadcastC<T>(T[] c, int[] cShape, T[] y, int m, int n)
    {
        int rows = cShape.Length == 2 ? cShape[0] : 1;
        int cols = cShape.Length >= 1 ? cShape[^1] : 1;
        for (int i = 0; i < m; i++)
        {
            int src = rows == 1 ? 0 : i * cols;
            var dst = y.AsSpan(i * n, n);
            if (cols == 1) dst.Fill(c[src]);
            else c.AsSpan(src, n).CopyTo(dst);
        }
    }
}

/// <summary>Shapes and per-batch offsets of one MatMul call (numpy matmul rules).</summary>
public sealed class MatMulPlan
{
    public int M { get; private init; }
    public int N { get; private init; }
    public int K { get; private init; }
    public int Batch { get; private init; }
    public int[] OutputShape { get; private init; } = [];
    public int OutputLength { get; private init; }
    public int[] AOffsets { get; private init; } = [];
    public int[] BOffsets { get; private init; } = [];

    /// <summary>B is one matrix shared by every batch and A's batches are contiguous: one big GEMM.</summary>
    public bool FoldBatchIntoM { get; private init; }

    public static MatMulPlan Create(KernelContext ctx, int[] aShape, int[] bShape)
    {
        // 1-D operands are promoted to matrices and the added dim is dropped from the result.
        int[] a2 = aShape.Length == 1 ? [1, aShape[0]] : aShape;
        int[] b2 = bShape.Length == 1 ? [bShape[0], 1] : bShape;
        int m = a2[^2], k = a2[^1], kb = b2[^2], n = b2[^1];
        if (k != kb)
            throw ctx.Fail($"cannot multiply shapes {Tensor.ShapeString(aShape)} and {Tensor.ShapeString(bShape)}: inner dimensions {k} and {kb} differ");
        var aBatch = a2[..^2];
        var bBatch = b2[..^2];
        var batch = Broadcasting.Shape(ctx.NodeName, aBatch, bBatch);
        int count = (int)Tensor.ElementCount(batch);
        var outShape = new List<int>(batch);
        if (aShape.Length != 1) outShape.Add(m);
        if (bShape.Length != 1) outShape.Add(n);
        var aOff = Broadcasting.Offsets(aBatch, batch);
        var bOff = Broadcasting.Offsets(bBatch, batch);
        for (int i = 0; i < count; i++)
        {
            aOff[i] *= m * k;
            bOff[i] *= k * n;
        }
        long outLen = Tensor.ElementCount([.. batch, m, n]);
        bool fold = bBatch.All(d => d == 1) && aBatch.Length == batch.Length && aBatch.AsSpan().SequenceEqual(batch);
        return new MatMulPlan
        {
            M = m,
            N = n,
            K = k,
            Batch = count,
            OutputShape = outShape.ToArray(),
            OutputLength = (int)outLen,
            AOffsets = aOff,
            BOffsets = bOff,
            FoldBatchIntoM = fold,
        };
    }
}
