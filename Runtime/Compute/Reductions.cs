using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Runtime.Compute;

/// <summary>Which ReduceXxx a <see cref="Reductions.Reduce"/> call computes (prologue · primitive · epilogue).</summary>
public enum ReduceOp
{
    Sum,
    Mean,
    Max,
    Min,
    Prod,
    /// <summary>Σ|x|.</summary>
    L1,
    /// <summary>√Σx².</summary>
    L2,
    SumSquare,
    /// <summary>log Σx.</summary>
    LogSum,
    /// <summary>log Σ e^x, shifted by the max so it cannot overflow.</summary>
    LogSumExp,
}

/// <summary>
/// float32 reductions: contiguous-run helpers (sum, max, …) used by the other primitives, and
/// <see cref="Reduce"/> for ReduceXxx over one run of adjacent axes, with the tensor viewed as
/// [outer, r, inner] (the reduced run has r elements). inner == 1 reduces contiguous rows with several
/// vector accumulators; inner &gt; 1 accumulates whole rows of length inner (vectorized across inner).
/// </summary>
public static unsafe class Reductions
{
    /// <summary>Σ x[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum(float* x, long n, ComputeIsa isa) => Fold<AddOp, Identity>(x, n, 0f, isa);

    /// <summary>max x[0..n) (−∞ when empty); NaNs are skipped unless the first element is NaN.</summary>
    public static float Max(float* x, long n, ComputeIsa isa) => Fold<MaxOp, Identity>(x, n, float.NegativeInfinity, isa);

    public static float Min(float* x, long n, ComputeIsa isa) => Fold<MinOp, Identity>(x, n, float.PositiveInfinity, isa);

    /// <summary>Σ x².</summary>
    public static float SumSquares(float* x, long n, ComputeIsa isa) => Fold<AddOp, Square>(x, n, 0f, isa);

    /// <summary>Σ (x − c)².</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SumSquaredDeviations(float* x, long n, float c, ComputeIsa isa)
    {
        long i = 0;
        float s = 0;
        if (isa == ComputeIsa.Avx512 && n >= 16)
        {
            var a0 = Vector512<float>.Zero;
            var a1 = Vector512<float>.Zero;
            var cv = Vector512.Create(c);
            for (; i + 32 <= n; i += 32)
            {
                var d0 = Vector512.Load(x + i) - cv;
                var d1 = Vector512.Load(x + i + 16) - cv;
                a0 = Vector512.FusedMultiplyAdd(d0, d0, a0);
                a1 = Vector512.FusedMultiplyAdd(d1, d1, a1);
            }
            for (; i + 16 <= n; i += 16)
            {
                var d = Vector512.Load(x + i) - cv;
                a0 = Vector512.FusedMultiplyAdd(d, d, a0);
            }
            s = Vector512.Sum(a0 + a1);
        }
        else if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2 && n >= 8)
        {
            var a0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            var cv = Vector256.Create(c);
            for (; i + 16 <= n; i += 16)
            {
                var d0 = Vector256.Load(x + i) - cv;
                var d1 = Vector256.Load(x + i + 8) - cv;
                a0 = Vector256.FusedMultiplyAdd(d0, d0, a0);
                a1 = Vector256.FusedMultiplyAdd(d1, d1, a1);
            }
            for (; i + 8 <= n; i += 8)
            {
                var d = Vector256.Load(x + i) - cv;
                a0 = Vector256.FusedMultiplyAdd(d, d, a0);
            }
            s = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++)
        {
            float d = x[i] - c;
            s = MathF.FusedMultiplyAdd(d, d, s);
        }
        return s;
    }

    /// <summary>Folds op(f(x[i]), acc) over x[0..n) with four vector accumulators, then across lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Fold<TOp, TF>(float* x, long n, float identity, ComputeIsa isa) where TOp : IReduceOp where TF : IMapOp
    {
        long i = 0;
        float acc = identity;
        if (isa == ComputeIsa.Avx512 && n >= 16)
        {
            var id = Vector512.Create(identity);
            Vector512<float> a0 = id, a1 = id, a2 = id, a3 = id;
            for (; i + 64 <= n; i += 64)
            {
                a0 = TOp.Apply(TF.Apply(Vector512.Load(x + i)), a0);
                a1 = TOp.Apply(TF.Apply(Vector512.Load(x + i + 16)), a1);
                a2 = TOp.Apply(TF.Apply(Vector512.Load(x + i + 32)), a2);
                a3 = TOp.Apply(TF.Apply(Vector512.Load(x + i + 48)), a3);
            }
            for (; i + 16 <= n; i += 16) a0 = TOp.Apply(TF.Apply(Vector512.Load(x + i)), a0);
            var v = TOp.Apply(TOp.Apply(a1, a0), TOp.Apply(a3, a2));
            var h = TOp.Apply(v.GetUpper(), v.GetLower());
            acc = Horizontal<TOp>(h, identity);
        }
        else if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2 && n >= 8)
        {
            var id = Vector256.Create(identity);
            Vector256<float> a0 = id, a1 = id, a2 = id, a3 = id;
            for (; i + 32 <= n; i += 32)
            {
                a0 = TOp.Apply(TF.Apply(Vector256.Load(x + i)), a0);
                a1 = TOp.Apply(TF.Apply(Vector256.Load(x + i + 8)), a1);
                a2 = TOp.Apply(TF.Apply(Vector256.Load(x + i + 16)), a2);
                a3 = TOp.Apply(TF.Apply(Vector256.Load(x + i + 24)), a3);
            }
            for (; i + 8 <= n; i += 8) a0 = TOp.Apply(TF.Apply(Vector256.Load(x + i)), a0);
            acc = Horizontal<TOp>(TOp.Apply(TOp.Apply(a1, a0), TOp.Apply(a3, a2)), identity);
        }
        for (; i < n; i++) acc = TOp.Apply(TF.Apply(x[i]), acc);
        return acc;
    }

    private static float Horizontal<TOp>(Vector256<float> v, float acc) where TOp : IReduceOp
    {
        for (int l = 0; l < 8; l++) acc = TOp.Apply(v.GetElement(l), acc);
        return acc;
    }

    /// <summary>
    /// y[o, j] = reduce over k of x[o, k, j] for the tensor viewed as [outer, r, inner] (y is [outer, inner]).
    /// r == 0 gives the identity through the epilogue (0 for sums, −∞ for Max, log 0 = −∞ …).
    /// </summary>
    public static void Reduce(ReduceOp op, float* x, float* y, int outer, int r, int inner, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        if (outer < 0 || r < 0 || inner < 0) throw new EngineException($"reduce: negative size [{outer}, {r}, {inner}]");
        isa = Isa.Resolve(isa);
        const int Block = 512;
        int blocks = inner == 1 ? 1 : (inner + Block - 1) / Block;
        long tasks = (long)outer * blocks;
        // Long contiguous rows and few of them: split nothing, one row is one task.
        var body = new ReduceBody { Op = op, X = x, Y = y, R = r, Inner = inner, Blocks = blocks, BlockLen = inner == 1 ? 1 : Block, Isa = isa };
        if (tasks > int.MaxValue) throw new EngineException("reduce: too many rows");
        ParallelFor.Run((int)tasks, (long)outer * r * inner < 1 << 15 ? 1 : threads, ref body);
    }

    private struct ReduceBody : IParallelBody
    {
        public ReduceOp Op;
        public float* X, Y;
        public int R, Inner, Blocks, BlockLen;
        public ComputeIsa Isa;

        public readonly void Execute(int index, int worker)
        {
            int o = index / Blocks, b = index % Blocks;
            float* x = X + (long)o * R * Inner;
            if (Inner == 1)
            {
                Y[o] = Row(Op, x, R, Isa);
                return;
            }
            int j0 = b * BlockLen, len = Math.Min(BlockLen, Inner - j0);
            Columns(Op, x + j0, Y + (long)o * Inner + j0, R, Inner, len, Isa);
        }
    }

    private static float Row(ReduceOp op, float* x, int r, ComputeIsa isa)
    {
        switch (op)
        {
            case ReduceOp.Sum: return Sum(x, r, isa);
            case ReduceOp.Mean: return Sum(x, r, isa) / r;
            case ReduceOp.Max: return Max(x, r, isa);
            case ReduceOp.Min: return Min(x, r, isa);
            case ReduceOp.Prod: return Fold<MulOp, Identity>(x, r, 1f, isa);
            case ReduceOp.L1: return Fold<AddOp, AbsMap>(x, r, 0f, isa);
            case ReduceOp.L2: return MathF.Sqrt(SumSquares(x, r, isa));
            case ReduceOp.SumSquare: return SumSquares(x, r, isa);
            case ReduceOp.LogSum: return MathF.Log(Sum(x, r, isa));
            case ReduceOp.LogSumExp:
                {
                    float m = Max(x, r, isa);
                    if (!float.IsFinite(m)) m = 0;
                    return m + MathF.Log(SumExp(x, r, m, isa));
                }
            default: throw new EngineException($"reduce: unknown op {op}");
        }
    }

    /// <summary>Σ e^(x − m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float SumExp(float* x, long n, float m, ComputeIsa isa)
    {
        long i = 0;
        float s = 0;
        if (isa == ComputeIsa.Avx512)
        {
            var acc = Vector512<float>.Zero;
            var mv = Vector512.Create(m);
            for (; i + 16 <= n; i += 16) acc += VectorMath.Exp(Vector512.Load(x + i) - mv);
            s = Vector512.Sum(acc);
        }
        else if (isa == ComputeIsa.Avx2)
        {
            var acc = Vector256<float>.Zero;
            var mv = Vector256.Create(m);
            for (; i + 8 <= n; i += 8) acc += VectorMath.Exp(Vector256.Load(x + i) - mv);
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += MathF.Exp(x[i] - m);
        return s;
    }

    /// <summary>Reduces r rows of <paramref name="len"/> columns (row stride <paramref name="ld"/>) into y[0..len).</summary>
    private static void Columns(ReduceOp op, float* x, float* y, int r, int ld, int len, ComputeIsa isa)
    {
        switch (op)
        {
            case ReduceOp.Sum:
            case ReduceOp.Mean:
            case ReduceOp.LogSum:
                Accumulate<AddOp, Identity>(x, y, r, ld, len, 0f, isa);
                break;
            case ReduceOp.Max:
                Accumulate<MaxOp, Identity>(x, y, r, ld, len, float.NegativeInfinity, isa);
                break;
            case ReduceOp.Min:
                Accumulate<MinOp, Identity>(x, y, r, ld, len, float.PositiveInfinity, isa);
                break;
            case ReduceOp.Prod:
                Accumulate<MulOp, Identity>(x, y, r, ld, len, 1f, isa);
                break;
            case ReduceOp.L1:
                Accumulate<AddOp, AbsMap>(x, y, r, ld, len, 0f, isa);
                break;
            case ReduceOp.L2:
            case ReduceOp.SumSquare:
                Accumulate<AddOp, Square>(x, y, r, ld, len, 0f, isa);
                break;
            case ReduceOp.LogSumExp:
                {
                    Accumulate<MaxOp, Identity>(x, y, r, ld, len, float.NegativeInfinity, isa);
                    // y holds the max; Σ e^(x − max) is accumulated column by column with the shift kept per column.
                    for (int j = 0; j < len; j++)
                    {
                        float m = float.IsFinite(y[j]) ? y[j] : 0f, s = 0;
                        for (int k = 0; k < r; k++) s += MathF.Exp(x[(long)k * ld + j] - m);
                        y[j] = m + MathF.Log(s);
                    }
                    return;
                }
            default: throw new EngineException($"reduce: unknown op {op}");
        }
        switch (op)
        {
            case ReduceOp.Mean:
                for (int j = 0; j < len; j++) y[j] /= r;
                break;
            case ReduceOp.L2:
                for (int j = 0; j < len; j++) y[j] = MathF.Sqrt(y[j]);
                break;
            case ReduceOp.LogSum:
                for (int j = 0; j < len; j++) y[j] = MathF.Log(y[j]);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate<TOp, TF>(float* x, float* y, int r, int ld, int len, float identity, ComputeIsa isa) where TOp : IReduceOp where TF : IMapOp
    {
        new Span<float>(y, len).Fill(identity);
        for (int k = 0; k < r; k++)
        {
            float* row = x + (long)k * ld;
            int j = 0;
            if (isa == ComputeIsa.Avx512)
                for (; j + 16 <= len; j += 16) TOp.Apply(TF.Apply(Vector512.Load(row + j)), Vector512.Load(y + j)).Store(y + j);
            if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
                for (; j + 8 <= len; j += 8) TOp.Apply(TF.Apply(Vector256.Load(row + j)), Vector256.Load(y + j)).Store(y + j);
            for (; j < len; j++) y[j] = TOp.Apply(TF.Apply(row[j]), y[j]);
        }
    }
}

/// <summary>An element-wise prologue applied before a reduction step.</summary>
internal interface IMapOp
{
    static abstract float Apply(float v);
    static abstract Vector256<float> Apply(Vector256<float> v);
    static abstract Vector512<float> Apply(Vector512<float> v);
}

internal struct Identity : IMapOp
{
    public static float Apply(float v) => v;
    public static Vector256<float> Apply(Vector256<float> v) => v;
    public static Vector512<float> Apply(Vector512<float> v) => v;
}

internal struct Square : IMapOp
{
    public static float Apply(float v) => v * v;
    public static Vector256<float> Apply(Vector256<float> v) => v * v;
    public static Vector512<float> Apply(Vector512<float> v) => v * v;
}

internal struct AbsMap : IMapOp
{
    public static float Apply(float v) => MathF.Abs(v);
    public static Vector256<float> Apply(Vector256<float> v) => Vector256.Abs(v);
    public static Vector512<float> Apply(Vector512<float> v) => Vector512.Abs(v);
}

internal struct MulOp : IReduceOp
{
    public static float Apply(float v, float acc) => v * acc;
    public static Vector256<float> Apply(Vector256<float> v, Vector256<float> acc) => v * acc;
    public static Vector512<float> Apply(Vector512<float> v, Vector512<float> acc) => v * acc;
}
