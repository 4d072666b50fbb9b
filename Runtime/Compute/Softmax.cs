using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Runtime.Compute;

/// <summary>
/// Softmax / LogSoftmax along one axis of a float32 tensor viewed as [outer, len, inner], numerically
/// stable (the max is subtracted first). inner == 1 (the last axis, the common case) works on contiguous
/// rows: max, then e^(x − max) written and summed in one pass, then one scaling pass. inner &gt; 1 runs the
/// same three passes over whole rows of inner values, vectorized across inner, with the running max and sum
/// kept in the worker's scratch. <paramref name="y"/> may be <paramref name="x"/>.
/// </summary>
public static unsafe class Softmax
{
    public static void Run(float* x, float* y, int outer, int len, int inner, bool log, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        if (outer < 0 || len < 0 || inner < 0) throw new EngineException($"softmax: negative size [{outer}, {len}, {inner}]");
        isa = Isa.Resolve(isa);
        const int Block = 256;
        int blocks = inner == 1 ? 1 : (inner + Block - 1) / Block;
        long tasks = (long)outer * blocks;
        if (tasks > int.MaxValue) throw new EngineException("softmax: too many rows");
        var body = new Body { X = x, Y = y, Len = len, Inner = inner, Blocks = blocks, BlockLen = Block, Log = log, Isa = isa };
        ParallelFor.Run((int)tasks, (long)outer * len * inner < 1 << 14 ? 1 : threads, ref body);
    }

    private struct Body : IParallelBody
    {
        public float* X, Y;
        public int Len, Inner, Blocks, BlockLen;
        public bool Log;
        public ComputeIsa Isa;

        public readonly void Execute(int index, int worker)
        {
            int o = index / Blocks, b = index % Blocks;
            long off = (long)o * Len * Inner;
            if (Inner == 1)
            {
                Row(X + off, Y + off, Len, Log, Isa);
                return;
            }
            int j0 = b * BlockLen, n = Math.Min(BlockLen, Inner - j0);
            float* scratch = ThreadScratch.Get(2 * BlockLen);
            Strided(X + off + j0, Y + off + j0, Len, Inner, n, Log, scratch, scratch + BlockLen, Isa);
        }
    }

    /// <summary>One contiguous row of n values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(float* x, float* y, int n, bool log, ComputeIsa isa)
    {
        if (n == 0) return;
        float max = Reductions.Max(x, n, isa);
        // An infinite max would turn x − max into NaN for the max itself; shifting by 0 keeps ±inf semantics.
        if (float.IsInfinity(max)) max = float.IsPositiveInfinity(max) ? max : 0f;
        if (log)
        {
            // (x − max) − log Σ, in this order: folding max into the log-sum first would round away small results.
            Shift(x, y, n, -max, -MathF.Log(Reductions.SumExp(x, n, max, isa)), isa);
            return;
        }
        float sum = ExpShiftSum(x, y, n, max, isa);
        Scale(y, n, 1f / sum, isa);
    }

    /// <summary>y = e^(x − m), returns Σy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ExpShiftSum(float* x, float* y, int n, float m, ComputeIsa isa)
    {
        int i = 0;
        float s = 0;
        if (isa == ComputeIsa.Avx512)
        {
            var acc = Vector512<float>.Zero;
            var mv = Vector512.Create(m);
            for (; i + 16 <= n; i += 16)
            {
                var e = VectorMath.Exp(Vector512.Load(x + i) - mv);
                e.Store(y + i);
                acc += e;
            }
            s = Vector512.Sum(acc);
        }
        else if (isa == ComputeIsa.Avx2)
        {
            var acc = Vector256<float>.Zero;
            var mv = Vector256.Create(m);
            for (; i + 8 <= n; i += 8)
            {
                var e = VectorMath.Exp(Vector256.Load(x + i) - mv);
                e.Store(y + i);
                acc += e;
            }
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float e = MathF.Exp(x[i] - m);
            y[i] = e;
            s += e;
        }
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale(float* y, int n, float a, ComputeIsa isa)
    {
        int i = 0;
        if (isa == ComputeIsa.Avx512)
            for (var av = Vector512.Create(a); i + 16 <= n; i += 16) (Vector512.Load(y + i) * av).Store(y + i);
        if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
            for (var av = Vector256.Create(a); i + 8 <= n; i += 8) (Vector256.Load(y + i) * av).Store(y + i);
        for (; i < n; i++) y[i] *= a;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Shift(float* x, float* y, int n, float a, float b, ComputeIsa isa)
    {
        int i = 0;
        if (isa == ComputeIsa.Avx512)
            for (Vector512<float> av = Vector512.Create(a), bv = Vector512.Create(b); i + 16 <= n; i += 16) (Vector512.Load(x + i) + av + bv).Store(y + i);
        if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
            for (Vector256<float> av = Vector256.Create(a), bv = Vector256.Create(b); i + 8 <= n; i += 8) (Vector256.Load(x + i) + av + bv).Store(y + i);
        for (; i < n; i++) y[i] = x[i] + a + b;
    }

    /// <summary>Columns [0, n) of a [len, ld] slab: softmax down each column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strided(float* x, float* y, int len, int ld, int n, bool log, float* max, float* sum, ComputeIsa isa)
    {
        if (len == 0) return;
        new ReadOnlySpan<float>(x, n).CopyTo(new Span<float>(max, n));
        for (int k = 1; k < len; k++) Combine<MaxOp>(max, x + (long)k * ld, n, isa);
        for (int j = 0; j < n; j++) if (float.IsInfinity(max[j])) max[j] = float.IsPositiveInfinity(max[j]) ? max[j] : 0f;
        new Span<float>(sum, n).Clear();
        for (int k = 0; k < len; k++)
        {
            float* xr = x + (long)k * ld, yr = y + (long)k * ld;
            int j = 0;
            if (isa == ComputeIsa.Avx512)
                for (; j + 16 <= n; j += 16)
                {
                    var e = VectorMath.Exp(Vector512.Load(xr + j) - Vector512.Load(max + j));
                    (Vector512.Load(sum + j) + e).Store(sum + j);
                    if (!log) e.Store(yr + j);
                }
            if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
                for (; j + 8 <= n; j += 8)
                {
                    var e = VectorMath.Exp(Vector256.Load(xr + j) - Vector256.Load(max + j));
                    (Vector256.Load(sum + j) + e).Store(sum + j);
                    if (!log) e.Store(yr + j);
                }
            for (; j < n; j++)
            {
                float e = MathF.Exp(xr[j] - max[j]);
                sum[j] += e;
                if (!log) yr[j] = e;
            }
        }
        // Final pass: y = e / sum, or y = (x − max) − log sum.
        if (log)
            for (int j = 0; j < n; j++) sum[j] = MathF.Log(sum[j]);
        else
            for (int j = 0; j < n; j++) sum[j] = 1f / sum[j];
        for (int k = 0; k < len; k++)
        {
            float* xr = x + (long)k * ld, yr = y + (long)k * ld;
            int j = 0;
            if (isa == ComputeIsa.Avx512)
                for (; j + 16 <= n; j += 16)
                    (log ? Vector512.Load(xr + j) - Vector512.Load(max + j) - Vector512.Load(sum + j) : Vector512.Load(yr + j) * Vector512.Load(sum + j)).Store(yr + j);
            if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
                for (; j + 8 <= n; j += 8)
                    (log ? Vector256.Load(xr + j) - Vector256.Load(max + j) - Vector256.Load(sum + j) : Vector256.Load(yr + j) * Vector256.Load(sum + j)).Store(yr + j);
            for (; j < n; j++) yr[j] = log ? xr[j] - max[j] - sum[j] : yr[j] * sum[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Combine<TOp>(float* dst, float* src, int n, ComputeIsa isa) where TOp : IReduceOp
    {
        int i = 0;
        if (isa == ComputeIsa.Avx512)
            for (; i + 16 <= n; i += 16) TOp.Apply(Vector512.Load(src + i), Vector512.Load(dst + i)).Store(dst + i);
        if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
            for (; i + 8 <= n; i += 8) TOp.Apply(Vector256.Load(src + i), Vector256.Load(dst + i)).Store(dst + i);
        for (; i < n; i++) dst[i] = TOp.Apply(src[i], dst[i]);
    }
}
