using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Runtime.Compute;

/// <summary>
/// float32 normalizations for inference: LayerNormalization and RMSNormalization over the last
/// <c>inner</c> elements of each of <c>outer</c> rows, and BatchNormalization with running statistics.
/// Statistics are two-pass in float (mean, then Σ(x − mean)²) with vector accumulators, so a large mean
/// does not cancel the variance.
/// </summary>
public static unsafe class Normalization
{
    /// <summary>
    /// y = (x − mean)/√(var + ε)·scale + bias per row of <paramref name="inner"/> values. <paramref name="scale"/>
    /// and <paramref name="bias"/> hold <paramref name="inner"/> values (bias may be null); <paramref name="mean"/> and
    /// <paramref name="invStdDev"/>, when not null, receive the per-row statistics (LayerNormalization's optional outputs).
    /// </summary>
    public static void LayerNorm(float* x, float* y, int outer, int inner, float* scale, float* bias, float epsilon,
        float* mean, float* invStdDev, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        if (outer < 0 || inner < 0) throw new EngineException($"layernorm: negative size [{outer}, {inner}]");
        var body = new RowBody { X = x, Y = y, Inner = inner, Scale = scale, Bias = bias, Eps = epsilon, Mean = mean, Inv = invStdDev, Isa = Isa.Resolve(isa) };
        ParallelFor.Run(outer, (long)outer * inner < 1 << 14 ? 1 : threads, ref body);
    }

    /// <summary>y = x/√(mean(x²) + ε)·scale per row of <paramref name="inner"/> values.</summary>
    public static void RmsNorm(float* x, float* y, int outer, int inner, float* scale, float epsilon, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        if (outer < 0 || inner < 0) throw new EngineException($"rmsnorm: negative size [{outer}, {inner}]");
        var body = new RowBody { X = x, Y = y, Inner = inner, Scale = scale, Eps = epsilon, Rms = true, Isa = Isa.Resolve(isa) };
        ParallelFor.Run(outer, (long)outer * inner < 1 << 14 ? 1 : threads, ref body);
    }

    /// <summary>
    /// BatchNormalization (inference) on NCHW-like data viewed as [n, c, inner]:
    /// y = (x − mean[c])·scale[c]/√(var[c] + ε) + bias[c].
    /// </summary>
    public static void BatchNorm(float* x, float* y, int n, int c, int inner, float* scale, float* bias, float* mean, float* variance,
        float epsilon, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        if (n < 0 || c < 0 || inner < 0) throw new EngineException($"batchnorm: negative size [{n}, {c}, {inner}]");
        var body = new ChannelBody { X = x, Y = y, C = c, Inner = inner, Scale = scale, Bias = bias, Mean = mean, Var = variance, Eps = epsilon, Isa = Isa.Resolve(isa) };
        ParallelFor.Run(n * c, (long)n * c * inner < 1 << 15 ? 1 : threads, ref body);
    }

    private struct RowBody : IParallelBody
    {
        public float* X, Y, Scale, Bias, Mean, Inv;
        public int Inner;
        public float Eps;
        public bool Rms;
        public ComputeIsa Isa;

        public readonly void Execute(int index, int worker)
        {
            float* x = X + (long)index * Inner, y = Y + (long)index * Inner;
            float mu, inv;
            if (Rms)
            {
                mu = 0;
                inv = 1f / MathF.Sqrt(Reductions.SumSquares(x, Inner, Isa) / Inner + Eps);
            }
            else
            {
                mu = Reductions.Sum(x, Inner, Isa) / Inner;
                inv = 1f / MathF.Sqrt(Reductions.SumSquaredDeviations(x, Inner, mu, Isa) / Inner + Eps);
            }
            if (Mean != null) Mean[index] = mu;
            if (Inv != null) Inv[index] = inv;
            Affine(x, y, Inner, mu, inv, Scale, Bias, Isa);
        }
    }

    /// <summary>y = (x − mu)·inv·scale[j] + bias[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Affine(float* x, float* y, int n, float mu, float inv, float* scale, float* bias, ComputeIsa isa)
    {
        int j = 0;
        if (isa == ComputeIsa.Avx512)
        {
            var m = Vector512.Create(mu);
            var s = Vector512.Create(inv);
            for (; j + 16 <= n; j += 16)
            {
                var v = (Vector512.Load(x + j) - m) * s * Vector512.Load(scale + j);
                if (bias != null) v += Vector512.Load(bias + j);
                v.Store(y + j);
            }
        }
        if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
        {
            var m = Vector256.Create(mu);
            var s = Vector256.Create(inv);
            for (; j + 8 <= n; j += 8)
            {
                var v = (Vector256.Load(x + j) - m) * s * Vector256.Load(scale + j);
                if (bias != null) v += Vector256.Load(bias + j);
                v.Store(y + j);
            }
        }
        for (; j < n; j++)
        {
            float v = (x[j] - mu) * inv * scale[j];
            y[j] = bias != null ? v + bias[j] : v;
        }
    }

    private struct ChannelBody : IParallelBody
    {
        public float* X, Y, Scale, Bias, Mean, Var;
        public int C, Inner;
        public float Eps;
        public ComputeIsa Isa;

        public readonly void Execute(int index, int worker)
        {
            int ch = index % C;
            float a = Scale[ch] / MathF.Sqrt(Var[ch] + Eps);
            float b = Bias[ch] - Mean[ch] * a;
            float* x = X + (long)index * Inner, y = Y + (long)index * Inner;
            int j = 0, n = Inner;
            if (Isa == ComputeIsa.Avx512)
            {
                var av = Vector512.Create(a);
                var bv = Vector512.Create(b);
                for (; j + 16 <= n; j += 16) Vector512.FusedMultiplyAdd(Vector512.Load(x + j), av, bv).Store(y + j);
            }
            if (Isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
            {
                var av = Vector256.Create(a);
                var bv = Vector256.Create(b);
                for (; j + 8 <= n; j += 8) Vector256.FusedMultiplyAdd(Vector256.Load(x + j), av, bv).Store(y + j);
            }
            for (; j < n; j++) y[j] = MathF.FusedMultiplyAdd(x[j], a, b);
        }
    }
}
