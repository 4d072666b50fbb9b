using System.Numerics;
using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Conv: per (image, group) an im2col buffer multiplied by the group's filters with the shared
/// SGEMM; depthwise convs (one input channel per group) use a direct shifted-FMA kernel instead.
/// </summary>
public static class ConvKernels
{
    public static Tensor?[] Conv(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs.Length > 0 ? inputs[0] ?? throw ctx.Fail("input X is required") : throw ctx.Fail("input X is required");
        var w = inputs.Length > 1 ? inputs[1] ?? throw ctx.Fail("input W is required") : throw ctx.Fail("input W is required");
        var b = inputs.Length > 2 ? inputs[2] : null;
        if (w.Type != x.Type || (b is not null && b.Type != x.Type)) throw ctx.Fail("X, W and B must have the same element type");
        var p = ConvShape.Resolve(ctx, x.Shape, w.Shape);
        if (b is not null && (b.Rank != 1 || b.Shape[0] != p.M)) throw ctx.Fail($"B has shape {Tensor.ShapeString(b.Shape)}, expected [{p.M}]");
        var yShape = new[] { p.N, p.M }.Concat(p.Geometry.Output).ToArray();
        if (x.Type == DataType.Double)
            return [new Tensor(x.Type, yShape, Run(ctx, p, NnData.ToDouble(x), NnData.ToDouble(w), b is null ? null : NnData.ToDouble(b)))];
        if (!NnData.IsFloatFamily(x.Type)) throw ctx.Fail($"Conv does not support {x.Type}");
        var y = Run(ctx, p, NnData.ToFloat(x), NnData.ToFloat(w), b is null ? null : NnData.ToFloat(b));
        return [NnData.FromFloat(x.Type, yShape, y)];
    }

    private static T[] Run<T>(KernelContext ctx, ConvShape p, T[] x, T[] w, T[]? bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = p.Geometry;
        int outSize = checked((int)g.OutputSize);
        int inSize = p.InSize;
        if ((long)p.N * p.M * outSize > Tensor.MaxElements) throw ctx.Fail("output too large");
        var y = new T[p.N * p.M * outSize];
        if (y.Length == 0) return y;
        int kSize = checked((int)g.KernelSize);
        int cgk = checked(p.Cg * kSize);
        if (p.Cg == 1 && p.Group > 1)
        {
            Depthwise(ctx, p, x, w, bias, y, outSize, kSize);
            return y;
        }
        bool pointwise = g.Kernel.All(k => k == 1) && g.Strides.All(s => s == 1) && g.PadBegin.All(v => v == 0) && g.PadEnd.All(v => v == 0);
        if (!pointwise && (long)cgk * outSize > Tensor.MaxElements) throw ctx.Fail("im2col buffer too large");
        int tasks = p.N * p.Group;
        bool outer = ctx.Threads > 1 && tasks > 1;
        int gemmThreads = outer ? 1 : ctx.Threads;
        var local = new ThreadLocal<T[]>(() => pointwise ? [] : new T[cgk * outSize]);
        NnData.For(tasks, outer ? ctx.Threads : 1, t =>
        {
            int n = t / p.Group, grp = t % p.Group;
            var xg = x.AsSpan((n * p.C + grp * p.Cg) * inSize, p.Cg * inSize);
            ReadOnlySpan<T> col;
            if (pointwise) col = xg;
            else
            {
                var buf = local.Value!;
                Im2Col<T>(xg, p.Cg, inSize, g, buf);
                col = buf;
            }
            var yg = y.AsSpan((n * p.M + grp * p.Mg) * outSize, p.Mg * outSize);
            NnData.Gemm<T>(false, p.Mg, outSize, cgk, w.AsSpan(grp * p.Mg * cgk, p.Mg * cgk), cgk, col, outSize, yg, outSize, gemmThreads);
            if (bias is not null)
            {
                for (int m = 0; m < p.Mg; m++) TensorPrimitives.Add(yg.Slice(m * outSize, outSize), bias[grp * p.Mg + m], yg.Slice(m * outSize, outSize));
            }
        });
        local.Dispose();
        return y;
    }

    /// <summary>
    /// Unfolds the windows of <paramref name="x"/> (channels × input positions) into
    /// <paramref name="col"/> ((channels·kernel) × output positions), zero where a tap hits padding.
    /// Rows of the last spatial dim are filled as contiguous ranges.
    /// </summary>
    public static void Im2Col<T>(ReadOnlySpan<T> x, int channels, int inSize, WindowGeometry g, Span<T> col) where T : unmanaged
    {
        int r = g.Rank;
        int kSize = (int)g.KernelSize;
        int outSize = (int)g.OutputSize;
        int lastOut = g.Output[r - 1], lastIn = g.Input[r - 1], s = g.Strides[r - 1];
        if (lastOut == 0) return;
        int rows = outSize / lastOut;
        var kOff = new int[r];
        var o = new int[r];
        var inStride = Tensor.StridesOf(g.Input);
        for (int kk = 0; kk < kSize; kk++)
        {
            for (int i = r - 1, rem = kk; i >= 0; i--)
            {
                kOff[i] = rem % g.Kernel[i];
                rem /= g.Kernel[i];
            }
            int off = kOff[r - 1] * g.Dilations[r - 1] - g.PadBegin[r - 1];
            // Output columns whose tap lands inside the input row: lo <= ox <= hi.
            int lo = off >= 0 ? 0 : (-off + s - 1) / s;
            int hi = lastIn - 1 - off < 0 ? -1 : (lastIn - 1 - off) / s;
            lo = Math.Min(lo, lastOut);
            hi = Math.Min(hi, lastOut - 1);
            for (int row = 0; row < rows; row++)
            {
                for (int i = r - 2, rem = row; i >= 0; i--)
                {
                    o[i] = rem % g.Output[i];
                    rem /= g.Output[i];
                }
                int inBase = 0;
                bool valid = true;
                for (int i = 0; i < r - 1; i++)
                {
                    int ii = o[i] * g.Strides[i] - g.PadBegin[i] + kOff[i] * g.Dilations[i];
                    if ((uint)ii >= (uint)g.Input[i]) { valid = false; break; }
                    inBase += ii * inStride[i];
                }
                for (int c = 0; c < channels; c++)
                {
                    var dst = col.Slice((c * kSize + kk) * outSize + row * lastOut, lastOut);
                    if (!valid || hi < lo)
                    {
                        dst.Clear();
                        continue;
                    }
                    var src = x.Slice(c * inSize + inBase, lastIn);
                    dst[..lo].Clear();
                    dst[(hi + 1)..].Clear();
                    if (s == 1) src.Slice(lo + off, hi - lo + 1).CopyTo(dst[lo..]);
                    else
                    {
                        for (int ox = lo; ox <= hi; ox++) dst[ox] = src[ox * s + off];
                    }
                }
            }
        }
    }

    /// <summary>Depthwise: output channel m reads only input channel m / (M/G); taps accumulate as shifted FMAs.</summary>
    private static void Depthwise<T>(KernelContext ctx, ConvShape p, T[] x, T[] w, T[]? bias, T[] y, int outSize, int kSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = p.Geometry;
        int r = g.Rank;
        int inSize = p.InSize;
        int lastOut = g.Output[r - 1], lastIn = g.Input[r - 1], s = g.Strides[r - 1];
        int rows = lastOut == 0 ? 0 : outSize / lastOut;
        var inStride = Tensor.StridesOf(g.Input);
        NnData.For(p.N * p.M, ctx.Threads, t =>
        {
            int n = t / p.M, m = t % p.M;
            int c = m / p.Mg;
            var src = x.AsSpan((n * p.C + c) * inSize, inSize);
            var dst = y.AsSpan((n * p.M + m) * outSize, outSize);
            if (bias is not null) dst.Fill(bias[m]);
            var kOff = new int[r];
            var o = new int[r];
            for (int kk = 0; kk < kSize; kk++)
            {
                T wv = w[m * kSize + kk];
                for (int i = r - 1, rem = kk; i >= 0; i--)
                {
                    kOff[i] = rem % g.Kernel[i];
                    rem /= g.Kernel[i];
                }
                int off = kOff[r - 1] * g.Dilations[r - 1] - g.PadBegin[r - 1];
                int lo = off >= 0 ? 0 : (-off + s - 1) / s;
                int hi = lastIn - 1 - off < 0 ? -1 : (lastIn - 1 - off) / s;
                hi = Math.Min(hi, lastOut - 1);
                if (hi < lo) continue;
                for (int row = 0; row < rows; row++)
                {
                    for (int i = r - 2, rem = row; i >= 0; i--)
                    {
                        o[i] = rem % g.Output[i];
                        rem /= g.Output[i];
                    }
                    int inBase = 0;
                    bool valid = true;
                    for (int i = 0; i < r - 1; i++)
                    {
                        int ii = o[i] * g.Strides[i] - g.PadBegin[i] + kOff[i] * g.Dilations[i];
                        if ((uint)ii >= (uint)g.Input[i]) { valid = false; break; }
                        inBase += ii * inStride[i];
                    }
                    if (!valid) continue;
                    var orow = dst.Slice(row * lastOut, lastOut);
                    var irow = src.Slice(inBase, lastIn);
                    if (s == 1)
                    {
                        var seg = orow.Slice(lo, hi - lo + 1);
                        TensorPrimitives.MultiplyAdd(irow.Slice(lo + off, hi - lo + 1), wv, seg, seg);
                    }
                    else
                    {
                        for (int ox = lo; ox <= hi; ox++) orow[ox] += wv * irow[ox * s + off];
                    }
                }
            }
        });
    }
}
