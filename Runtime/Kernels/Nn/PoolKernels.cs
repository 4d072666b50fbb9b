using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>
/// MaxPool, AveragePool and LpPool over any number of spatial dims. Each (image, channel) plane is
/// pooled independently; windows fully inside the input use a precomputed tap-offset table and
/// windows touching padding test each tap.
/// </summary>
public static class PoolKernels
{
    public static Tensor?[] MaxPool(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs);
        if (ctx.Attributes.GetInt("storage_order") is not (0 or 1)) throw ctx.Fail("storage_order must be 0 or 1");
        var w = Window(ctx, x, ctx.Attributes.GetInt("ceil_mode") != 0);
        bool wantIndices = ctx.OutputCount > 1;
        bool colMajor = ctx.Attributes.GetInt("storage_order") == 1;
        long[]? idx = wantIndices ? new long[w.OutTotal] : null;
        // Switch on the declared type: the CLR lets sbyte[] pass as byte[] (and int[] as uint[], …).
        Tensor y = x.Type switch
        {
            DataType.Float => Tensor.FromArray(Max(ctx, w, x.As<float>(), idx, colMajor), w.OutShape),
            DataType.Double => Tensor.FromArray(Max(ctx, w, x.As<double>(), idx, colMajor), w.OutShape),
            DataType.Float16 => Tensor.FromArray(Max(ctx, w, x.As<Half>(), idx, colMajor), w.OutShape),
            DataType.BFloat16 => NnData.FromFloat(x.Type, w.OutShape, Max(ctx, w, NnData.ToFloat(x), idx, colMajor)),
            DataType.Int8 => Tensor.FromArray(Max(ctx, w, x.As<sbyte>(), idx, colMajor), w.OutShape),
            DataType.UInt8 => Tensor.FromArray(Max(ctx, w, x.As<byte>(), idx, colMajor), w.OutShape),
            DataType.Int16 => Tensor.FromArray(Max(ctx, w, x.As<short>(), idx, colMajor), w.OutShape),
            DataType.UInt16 => Tensor.FromArray(Max(ctx, w, x.As<ushort>(), idx, colMajor), w.OutShape),
            DataType.Int32 => Tensor.FromArray(Max(ctx, w, x.As<int>(), idx, colMajor), w.OutShape),
            DataType.UInt32 => Tensor.FromArray(Max(ctx, w, x.As<uint>(), idx, colMajor), w.OutShape),
            DataType.Int64 => Tensor.FromArray(Max(ctx, w, x.As<long>(), idx, colMajor), w.OutShape),
            DataType.UInt64 => Tensor.FromArray(Max(ctx, w, x.As<ulong>(), idx, colMajor), w.OutShape),
            _ => throw ctx.Fail($"MaxPool does not support {x.Type}"),
        };
        return wantIndices ? [y, Tensor.FromArray(idx!, w.OutShape)] : [y];
    }

    public static Tensor?[] AveragePool(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs);
        RequireFloat(ctx, x);
        var w = Window(ctx, x, ctx.Attributes.GetInt("ceil_mode") != 0);
        bool includePad = ctx.Attributes.GetInt("count_include_pad") != 0;
        var xd = NnData.ToDouble(x);
        var y = new double[w.OutTotal];
        Planes(ctx, w, (plane, outBase) =>
        {
            int src0 = plane * w.InSize;
            var oc = new int[w.Geometry.Rank];
            var start = new int[w.Geometry.Rank];
            for (int o = 0; o < w.OutSize; o++, w.Next(oc))
            {
                int inBase = w.Start(oc, start, out bool inside);
                double sum = 0;
                int count = 0;
                for (int t = 0; t < w.Taps; t++)
                {
                    if (inside || w.TapInside(start, t))
                    {
                        sum += xd[src0 + inBase + w.TapOffset[t]];
                        count++;
                    }
                    else if (includePad && w.TapInPadding(start, t)) count++;
                }
                y[outBase + o] = count == 0 ? double.NaN : sum / count;
            }
        });
        return [NnData.FromDouble(x.Type, w.OutShape, y)];
    }

    public static Tensor?[] LpPool(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs);
        RequireFloat(ctx, x);
        long pl = ctx.Attributes.GetInt("p");
        if (pl < 1) throw ctx.Fail($"p must be >= 1, got {pl}");
        double p = pl;
        var w = Window(ctx, x, ctx.Attributes.GetInt("ceil_mode") != 0);
        var xd = NnData.ToDouble(x);
        var y = new double[w.OutTotal];
        Planes(ctx, w, (plane, outBase) =>
        {
            int src0 = plane * w.InSize;
            var oc = new int[w.Geometry.Rank];
            var start = new int[w.Geometry.Rank];
            for (int o = 0; o < w.OutSize; o++, w.Next(oc))
            {
                int inBase = w.Start(oc, start, out bool inside);
                double sum = 0;
                for (int t = 0; t < w.Taps; t++)
                {
                    if (inside || w.TapInside(start, t)) sum += Math.Pow(Math.Abs(xd[src0 + inBase + w.TapOffset[t]]), p);
                }
                y[outBase + o] = Math.Pow(sum, 1.0 / p);
            }
        });
        return [NnData.FromDouble(x.Type, w.OutShape, y)];
    }

    private static T[] Max<T>(KernelContext ctx, PoolWindow w, T[] x, long[]? idx, bool colMajor) where T : INumber<T>
    {
        var y = new T[w.OutTotal];
        var colStride = new long[w.Geometry.Rank];
        for (int i = 0, acc = 1; i < colStride.Length; i++)
        {
            colStride[i] = acc;
            acc *= w.Geometry.Input[i];
        }
        Planes(ctx, w, (plane, outBase) =>
        {
            int inPlane = plane * w.InSize;
            var oc = new int[w.Geometry.Rank];
            var start = new int[w.Geometry.Rank];
            var offs = w.TapOffset;
            for (int o = 0; o < w.OutSize; o++, w.Next(oc))
            {
                int inBase = w.Start(oc, start, out bool inside);
                if (inside)
                {
                    // Fast path: the whole window is inside, no bounds checks per tap.
                    int b0 = inPlane + inBase;
                    T m = x[b0 + offs[0]];
                    int mt = 0;
                    for (int t = 1; t < offs.Length; t++)
                    {
                        T v = x[b0 + offs[t]];
                        if (v > m) { m = v; mt = t; }
                    }
                    if (!T.IsNaN(m))
                    {
                        y[outBase + o] = m;
                        if (idx is not null) idx[outBase + o] = FlatIndex(w, plane, start, mt, colMajor, colStride);
                        continue;
                    }
                }
                T best = T.Zero;
                int bestTap = -1, nanTap = -1;
                for (int t = 0; t < w.Taps; t++)
                {
                    if (!inside && !w.TapInside(start, t)) continue;
                    T v = x[inPlane + inBase + w.TapOffset[t]];
                    if (T.IsNaN(v))
                    {
                        nanTap = t;
                        continue;
                    }
                    if (bestTap < 0 || v > best)
                    {
                        best = v;
                        bestTap = t;
                    }
                }
                if (bestTap < 0)
                {
                    // NaNs are skipped like the ONNX reference does; a window of only NaNs yields NaN.
                    y[outBase + o] = nanTap >= 0 ? x[inPlane + inBase + w.TapOffset[nanTap]] : T.Zero;
                    if (idx is not null) idx[outBase + o] = -1;
                    continue;
                }
                y[outBase + o] = best;
                if (idx is not null) idx[outBase + o] = FlatIndex(w, plane, start, bestTap, colMajor, colStride);
            }
        });
        return y;
    }

    /// <summary>Index of a tap in the flattened input, row-major or (storage_order 1) column-major over spatial dims.</summary>
    private static long FlatIndex(PoolWindow w, int plane, int[] start, int tap, bool colMajor, long[] colStride)
    {
        long flat = (long)plane * w.InSize;
        for (int i = 0; i < w.Geometry.Rank; i++)
        {
            long c = start[i] + (long)w.TapCoord[tap][i] * w.Geometry.Dilations[i];
            flat += colMajor ? c * colStride[i] : c * w.InStride[i];
        }
        return flat;
    }

    /// <summary>Runs body(plane, outputOffset) for every (image, channel) plane, in parallel.</summary>
    private static void Planes(KernelContext ctx, PoolWindow w, Action<int, int> body) =>
        NnData.For(w.Planes, w.OutTotal > 1 << 14 ? ctx.Threads : 1, plane => body(plane, plane * w.OutSize));

    private static Tensor Input(KernelContext ctx, Tensor?[] inputs)
    {
        var x = (inputs.Length > 0 ? inputs[0] : null) ?? throw ctx.Fail("input X is required");
        if (x.Rank < 3) throw ctx.Fail($"X must have rank >= 3, got {Tensor.ShapeString(x.Shape)}");
        return x;
    }

    private static void RequireFloat(KernelContext ctx, Tensor x)
    {
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"{x.Type} is not supported (float types only)");
    }

    internal static PoolWindow Window(KernelContext ctx, Tensor x, bool ceilMode)
    {
        var ks = ctx.Attributes.GetInts("kernel_shape");
        if (ks.Length != x.Rank - 2) throw ctx.Fail($"kernel_shape has {ks.Length} dims but X has {x.Rank - 2} spatial dims");
        var kernel = ks.Select(k => k is >= 1 and <= int.MaxValue / 4 ? (int)k : throw ctx.Fail($"kernel dim {k} is invalid")).ToArray();
        var g = WindowGeometry.Resolve(x.Shape[2..], kernel, ctx.Attributes, ceilMode, ctx.Fail);
        if (g.KernelSize > PoolWindow.MaxTaps) throw ctx.Fail($"pooling kernel of {g.KernelSize} taps is too large");
        if ((long)x.Shape[0] * x.Shape[1] * g.OutputSize > Tensor.MaxElements) throw ctx.Fail("output too large");
        return new PoolWindow(x.Shape, g);
    }
}
