using System.Numerics;
using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Resize (opset 19): nearest / linear / cubic, every coordinate transformation mode, antialias,
/// exclude_outside, keep_aspect_ratio_policy and axes. Interpolation is separable: for each resized
/// axis we compute, per output coordinate, a list of source taps and weights (or "extrapolate"),
/// then apply the axes one at a time. This equals the ONNX reference's nested 1-D interpolation.
/// </summary>
public static class ResizeKernel
{
    public static Tensor?[] Resize(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input X is required");
        var a = ctx.Attributes;
        var roiT = Opt(inputs, 1);
        var scalesT = Opt(inputs, 2);
        var sizesT = Opt(inputs, 3);
        int rank = x.Rank;
        var axes = Axes(a.GetIntsOrNull("axes"), rank, m => ctx.Fail(m));
        var geo = Geometry(x.Shape, scalesT is null ? null : scalesT.ToDoubleArray().Select(v => (float)v).ToArray(),
            sizesT?.ToInt64Array(), axes, a.GetString("keep_aspect_ratio_policy"), m => ctx.Fail(m));

        string mode = a.GetString("mode");
        string ctm = a.GetString("coordinate_transformation_mode");
        if (mode is not ("nearest" or "linear" or "cubic")) throw ctx.Fail($"unknown mode '{mode}'");
        if (ctm is not ("half_pixel" or "half_pixel_symmetric" or "pytorch_half_pixel" or "align_corners" or "asymmetric"
            or "tf_crop_and_resize" or "tf_half_pixel_for_nn"))
            throw ctx.Fail($"unknown coordinate_transformation_mode '{ctm}'");
        string nearestMode = a.GetString("nearest_mode");
        if (nearestMode is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw ctx.Fail($"unknown nearest_mode '{nearestMode}'");
        bool antialias = a.GetInt("antialias") != 0;
        if (antialias && mode == "nearest") throw ctx.Fail("antialias is not defined for mode 'nearest'");

        double[]? roi = null;
        if (ctm == "tf_crop_and_resize")
        {
            if (roiT is null) throw ctx.Fail("tf_crop_and_resize needs the roi input");
            var r = roiT.ToDoubleArray();
            if (r.Length != 2 * axes.Length) throw ctx.Fail($"roi has {r.Length} values, expected {2 * axes.Length}");
            roi = new double[2 * rank];
            for (int d = 0; d < rank; d++) { roi[d] = 0; roi[rank + d] = 1; }
            for (int i = 0; i < axes.Length; i++)
            {
                roi[axes[i]] = r[i];
                roi[rank + axes[i]] = r[axes.Length + i];
            }
        }

        var opts = new AxisOptions(mode, ctm, nearestMode, antialias, a.GetFloat("cubic_coeff_a"), a.GetInt("exclude_outside") != 0);
        var taps = new AxisTaps?[rank];
        for (int d = 0; d < rank; d++)
        {
            taps[d] = AxisTaps.Build(x.Shape[d], geo.OutShape[d], geo.Scales[d], geo.FromSizes,
                roi is null ? 0 : roi[d], roi is null ? 1 : roi[rank + d], opts);
        }
        float extrapolation = a.GetFloat("extrapolation_value");
        return [Apply(ctx, x, geo.OutShape, taps, mode == "nearest", extrapolation)];
    }

    private static Tensor? Opt(Tensor?[] inputs, int i) => i < inputs.Length && inputs[i] is { Length: > 0 } t ? t : null;

    /// <summary>Normalised, validated 'axes' (all dims when absent).</summary>
    public static int[] Axes(long[]? axes, int rank, Func<string, Exception> fail)
    {
        if (axes is null) return Enumerable.Range(0, rank).ToArray();
        var r = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            long v = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (v < 0 || v >= rank) throw fail($"axis {axes[i]} is out of range for rank {rank}");
            if (r.AsSpan(0, i).Contains((int)v)) throw fail($"axis {axes[i]} is repeated");
            r[i] = (int)v;
        }
        return r;
    }

    public sealed record ResizeGeometry(int[] OutShape, double[] Scales, bool FromSizes);

    /// <summary>Output shape and per-dim scales from either 'scales' or 'sizes' (shared with shape inference).</summary>
    public static ResizeGeometry Geometry(int[] inShape, float[]? scales, long[]? sizes, int[] axes, string policy, Func<string, Exception> fail)
    {
        int rank = inShape.Length;
        if ((scales is null) == (sizes is null)) throw fail("exactly one of 'scales' and 'sizes' must be given");
        var outShape = (int[])inShape.Clone();
        var sc = Enumerable.Repeat(1.0, rank).ToArray();
        if (scales is not null)
        {
            if (scales.Length != axes.Length) throw fail($"'scales' has {scales.Length} values but {axes.Length} axes are resized");
            for (int i = 0; i < axes.Length; i++)
            {
                int d = axes[i];
                if (!(scales[i] > 0) || float.IsInfinity(scales[i])) throw fail($"scale {scales[i]} must be a positive number");
                sc[d] = scales[i];
                double o = Math.Floor(sc[d] * inShape[d]);
                if (o > Tensor.MaxElements) throw fail($"scale {scales[i]} gives an output that is too large");
                outShape[d] = (int)o;
            }
        }
        else
        {
            if (sizes!.Length != axes.Length) throw fail($"'sizes' has {sizes.Length} values but {axes.Length} axes are resized");
            for (int i = 0; i < axes.Length; i++)
            {
                if (sizes[i] < 0 || sizes[i] > Tensor.MaxElements) throw fail($"size {sizes[i]} is out of range");
                int d = axes[i];
                outShape[d] = (int)sizes[i];
                sc[d] = inShape[d] == 0 ? 1 : (double)sizes[i] / inShape[d];
            }
            if (policy is "not_larger" or "not_smaller")
            {
                double s = policy == "not_larger" ? axes.Min(d => sc[d]) : axes.Max(d => sc[d]);
                foreach (int d in axes)
                {
                    sc[d] = s;
                    outShape[d] = (int)Math.Floor(s * inShape[d] + 0.5);
                }
            }
            else if (policy != "stretch") throw fail($"unknown keep_aspect_ratio_policy '{policy}'");
        }
        Tensor.ElementCount(outShape);
        return new ResizeGeometry(outShape, sc, sizes is not null);
    }

    /// <summary>
    /// One axis's taps as the kernel computes them (for code generators that bake the tables in): per output
    /// coordinate <c>Count</c> (source index, weight) pairs, or an extrapolated position (tf_crop_and_resize).
    /// </summary>
    public static (int Count, int[] Index, double[] Weight, bool[] Extrapolate) AxisTable(int inLen, int outLen, double scale, bool fromSizes,
        AttributeMap a, double roiStart = 0, double roiEnd = 1)
    {
        var o = new AxisOptions(a.GetString("mode"), a.GetString("coordinate_transformation_mode"), a.GetString("nearest_mode"),
            a.GetInt("antialias") != 0, a.GetFloat("cubic_coeff_a"), a.GetInt("exclude_outside") != 0);
        var t = AxisTaps.Build(inLen, outLen, scale, fromSizes, roiStart, roiEnd, o)!;
        return (t.Count, t.Index, t.Weight, t.Extrapolate);
    }

    private sealed record AxisOptions(string Mode, string Ctm, string NearestMode, bool Antialias, float CubicA, bool ExcludeOutside);

    /// <summary>For one axis: per output coordinate, taps (source index, weight) or extrapolation.</summary>
    private sealed class AxisTaps
    {
        public int Count;          // taps per output coordinate
        public int[] Index = [];   // [out * Count]
        public double[] Weight = [];
        public bool[] Extrapolate = [];
        public bool Identity;

        public static AxisTaps? Build(int inLen, int outLen, double scale, bool fromSizes, double roiStart, double roiEnd, AxisOptions o)
        {
            // The reference uses the real-valued resized length scale·in in its formulas.
            double lenResized = fromSizes ? outLen : scale * inLen;
            var t = new AxisTaps { Extrapolate = new bool[outLen] };
            var taps = new List<(int, double)>[outLen];
            int count = 0;
            for (int xo = 0; xo < outLen; xo++)
            {
                double xi = Original(xo, inLen, outLen, lenResized, scale, roiStart, roiEnd, o.Ctm);
                if (o.Ctm == "tf_crop_and_resize" && (xi < 0 || xi > inLen - 1))
                {
                    t.Extrapolate[xo] = true;
                    taps[xo] = [];
                    continue;
                }
                taps[xo] = TapsAt(xi, inLen, scale, o);
                count = Math.Max(count, taps[xo].Count);
            }
            t.Count = Math.Max(count, 1);
            t.Index = new int[outLen * t.Count];
            t.Weight = new double[outLen * t.Count];
            bool identity = inLen == outLen;
            for (int xo = 0; xo < outLen; xo++)
            {
                var list = taps[xo];
                for (int j = 0; j < list.Count; j++)
                {
                    t.Index[xo * t.Count + j] = list[j].Item1;
                    t.Weight[xo * t.Count + j] = list[j].Item2;
                }
                identity &= !t.Extrapolate[xo] && list.Count(p => p.Item2 != 0) == 1 && list.Any(p => p.Item1 == xo && p.Item2 == 1);
            }
            t.Identity = identity;
            return t;
        }

        private static double Original(int xo, int inLen, int outLen, double lenResized, double scale, double start, double end, string ctm)
        {
            double x = xo;
            switch (ctm)
            {
                case "asymmetric": return x / scale;
                case "align_corners": return lenResized == 1 || outLen == 1 ? 0 : x * (inLen - 1) / (lenResized - 1);
                case "pytorch_half_pixel": return outLen > 1 ? (x + 0.5) / scale - 0.5 : 0;
                case "half_pixel_symmetric":
                    {
                        double adjustment = outLen / lenResized;
                        double offset = inLen / 2.0 * (1 - adjustment);
                        return offset + (x + 0.5) / scale - 0.5;
                    }
                case "tf_crop_and_resize":
                    return lenResized > 1
                        ? start * (inLen - 1) + x * (end - start) * (inLen - 1) / (lenResized - 1)
                        : 0.5 * (start + end) * (inLen - 1);
                case "tf_half_pixel_for_nn": return (x + 0.5) / scale;
                default: return (x + 0.5) / scale - 0.5; // half_pixel
            }
        }

        /// <summary>
        /// Taps around source coordinate <paramref name="xi"/>. As in the reference, the fractional
        /// part 'ratio' lies in (0, 1]: an integral coordinate is treated as base + 1 with base = x − 1.
        /// </summary>
        private static List<(int, double)> TapsAt(double xi, int inLen, double scale, AxisOptions o)
        {
            double fl = Math.Floor(xi);
            double ratio = xi - fl;
            long baseIdx = (long)fl;
            if (ratio == 0) { ratio = 1; baseIdx -= 1; }
            var r = new List<(int, double)>(4);
            int Clamp(long i) => (int)Math.Clamp(i, 0, Math.Max(inLen - 1, 0));
            if (o.Mode == "nearest")
            {
                bool up = ratio == 1 || o.NearestMode switch
                {
                    "round_prefer_ceil" => ratio >= 0.5,
                    "floor" => false,
                    "ceil" => true,
                    _ => ratio > 0.5,
                };
                r.Add((Clamp(baseIdx + (up ? 1 : 0)), 1.0));
                return r;
            }
            var raw = new List<(long, double)>();
            double s = Math.Min(scale, 1.0);
            if (o.Mode == "linear")
            {
                if (o.Antialias && scale < 1)
                {
                    int start = (int)Math.Floor(-1 / s) + 1;
                    int footprint = 2 - 2 * start;
                    for (int j = 0; j < footprint; j++)
                        raw.Add((baseIdx + start + j, Math.Clamp(1 - Math.Abs((start + j - ratio) * s), 0, 1)));
                    Normalise(raw);
                }
                else
                {
                    raw.Add((baseIdx, 1 - ratio));
                    raw.Add((baseIdx + 1, ratio));
                }
            }
            else
            {
                double A = o.CubicA;
                if (o.Antialias && scale < 1)
                {
                    int iStart = (int)Math.Floor(-2 / s) + 1;
                    int iEnd = 2 - iStart;
                    for (int i = iStart; i < iEnd; i++) raw.Add((baseIdx + i, Cubic(s * (i - ratio), A)));
                    Normalise(raw);
                }
                else
                {
                    for (int i = -1; i <= 2; i++) raw.Add((baseIdx + i, Cubic(i - ratio, A)));
                }
            }
            if (o.ExcludeOutside)
            {
                for (int j = 0; j < raw.Count; j++)
                    if (raw[j].Item1 < 0 || raw[j].Item1 >= inLen) raw[j] = (raw[j].Item1, 0);
                Normalise(raw);
            }
            foreach (var (i, w) in raw) r.Add((Clamp(i), w));
            return r;
        }

        private static void Normalise(List<(long, double)> taps)
        {
            double sum = 0;
            foreach (var (_, w) in taps) sum += w;
            if (sum == 0) return;
            for (int j = 0; j < taps.Count; j++) taps[j] = (taps[j].Item1, taps[j].Item2 / sum);
        }

        /// <summary>Keys' cubic convolution kernel with parameter A.</summary>
        private static double Cubic(double x, double a)
        {
            x = Math.Abs(x);
            if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
            if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
            return 0;
        }
    }

    private static Tensor Apply(KernelContext ctx, Tensor x, int[] outShape, AxisTaps?[] taps, bool nearest, float extrapolation)
    {
        if (nearest || !DataTypes.IsNumeric(x.Type))
        {
            if (!nearest) throw ctx.Fail($"mode linear/cubic needs a numeric input, got {x.Type}");
            return NearestGather(x, outShape, taps!, extrapolation);
        }
        if (x.Type == DataType.Double)
            return new Tensor(x.Type, outShape, Separable(x.As<double>(), x.Shape, outShape, taps!, extrapolation));
        if (LinalgData.IsFloatLike(x.Type))
            return LinalgData.Write(x.Type, outShape, Separable(LinalgData.Read(x), x.Shape, outShape, taps!, (float)extrapolation));
        // Integer images: interpolate in double, then round to nearest and saturate.
        return LinalgData.WriteDouble(x.Type, outShape, Separable(x.ToDoubleArray(), x.Shape, outShape, taps!, extrapolation));
    }

    /// <summary>Applies each non-identity axis in turn: dst[o, i, :] = Σ w · src[o, idx, :].</summary>
    private static T[] Separable<T>(T[] src, int[] inShape, int[] outShape, AxisTaps[] taps, T extrapolation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cur = src;
        var shape = (int[])inShape.Clone();
        // Shrinking axes first, so no intermediate is larger than both the input and the output.
        var order = Enumerable.Range(0, shape.Length).OrderBy(d => outShape[d] > inShape[d] ? 1 : 0).ThenBy(d => d);
        foreach (int d in order)
        {
            var t = taps[d];
            if (t.Identity && shape[d] == outShape[d]) continue;
            int outer = 1, inner = 1;
            for (int i = 0; i < d; i++) outer *= shape[i];
            for (int i = d + 1; i < shape.Length; i++) inner *= shape[i];
            int inLen = shape[d], outLen = outShape[d];
            var dst = new T[(long)outer * outLen * inner];
            var weights = t.Weight.Select(T.CreateChecked).ToArray();
            int count = t.Count;
            for (int o = 0; o < outer; o++)
            {
                int srcBase = o * inLen, dstBase = o * outLen;
                if (inner == 1)
                {
                    // Innermost axis: plain dot products of a few taps, no span machinery per element.
                    for (int xo = 0; xo < outLen; xo++)
                    {
                        if (t.Extrapolate[xo]) { dst[dstBase + xo] = extrapolation; continue; }
                        T acc = T.Zero;
                        for (int j = 0; j < count; j++) acc += weights[xo * count + j] * cur[srcBase + t.Index[xo * count + j]];
                        dst[dstBase + xo] = acc;
                    }
                    continue;
                }
                for (int xo = 0; xo < outLen; xo++)
                {
                    var row = dst.AsSpan((dstBase + xo) * inner, inner);
                    if (t.Extrapolate[xo])
                    {
                        row.Fill(extrapolation);
                        continue;
                    }
                    for (int j = 0; j < count; j++)
                    {
                        // Zero weights still multiply, so a NaN tap propagates as in the reference's dot product.
                        TensorPrimitives.MultiplyAdd(cur.AsSpan((srcBase + t.Index[xo * count + j]) * inner, inner), weights[xo * count + j], row, row);
                    }
                }
            }
            cur = dst;
            shape[d] = outLen;
        }
        return cur == src ? (T[])src.Clone() : cur;
    }

    /// <summary>Nearest mode for any element type: each output element copies one input element.</summary>
    private static Tensor NearestGather(Tensor x, int[] outShape, AxisTaps[] taps, float extrapolation)
    {
        var y = Tensor.Zeros(x.Type, outShape);
        if (y.Length == 0) return y;
        // Per axis, the source offset of each output coordinate (-1: extrapolate).
        var inStrides = Tensor.StridesOf(x.Shape);
        var offsets = new long[outShape.Length][];
        bool anyExtrapolation = false;
        for (int d = 0; d < outShape.Length; d++)
        {
            var t = taps[d];
            offsets[d] = new long[outShape[d]];
            for (int i = 0; i < outShape[d]; i++)
            {
                offsets[d][i] = t.Extrapolate[i] ? -1 : (long)t.Index[i * t.Count] * inStrides[d];
                anyExtrapolation |= t.Extrapolate[i];
            }
        }
        var fill = anyExtrapolation && x.Type != DataType.String ? LinalgData.WriteDouble(x.Type, [1], [extrapolation]).Data : null;
        switch (x.Data)
        {
            case float[] a: Gather(a, (float[])y.Data, offsets, outShape, fill); break;
            case double[] a: Gather(a, (double[])y.Data, offsets, outShape, fill); break;
            case Half[] a: Gather(a, (Half[])y.Data, offsets, outShape, fill); break;
            case ushort[] a: Gather(a, (ushort[])y.Data, offsets, outShape, fill); break;
            case sbyte[] a: Gather(a, (sbyte[])y.Data, offsets, outShape, fill); break;
            case byte[] a: Gather(a, (byte[])y.Data, offsets, outShape, fill); break;
            case short[] a: Gather(a, (short[])y.Data, offsets, outShape, fill); break;
            case int[] a: Gather(a, (int[])y.Data, offsets, outShape, fill); break;
            case uint[] a: Gather(a, (uint[])y.Data, offsets, outShape, fill); break;
            case long[] a: Gather(a, (long[])y.Data, offsets, outShape, fill); break;
            case ulong[] a: Gather(a, (ulong[])y.Data, offsets, outShape, fill); break;
            case bool[] a: Gather(a, (bool[])y.Data, offsets, outShape, fill); break;
            case string[] a: Gather(a, (string[])y.Data, offsets, outShape, fill); break;
            default: throw new EngineException($"Resize does not support {x.Type}");
        }
        return y;
    }

    private static void Gather<T>(T[] src, T[] dst, long[][] offsets, int[] outShape, Array? fill)
    {
        int rank = outShape.Length;
        T fillValue = fill is T[] f ? f[0] : typeof(T) == typeof(string) ? (T)(object)string.Empty : default!;
        if (rank == 0)
        {
            dst[0] = src[0];
            return;
        }
        // Odometer over all but the last axis; the last axis is a tight loop over its offset table.
        var idx = new int[rank];
        var last = offsets[rank - 1];
        int lastLen = outShape[rank - 1];
        int rows = dst.Length / lastLen;
        for (int r = 0; r < rows; r++)
        {
            long baseOff = 0;
            bool extrap = false;
            for (int d = 0; d < rank - 1; d++)
            {
                long o = offsets[d][idx[d]];
                if (o < 0) { extrap = true; break; }
                baseOff += o;
            }
            var row = dst.AsSpan(r * lastLen, lastLen);
            if (extrap) row.Fill(fillValue);
            else
            {
                for (int i = 0; i < lastLen; i++) row[i] = last[i] < 0 ? fillValue : src[baseOff + last[i]];
            }
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++idx[d] < outShape[d]) break;
                idx[d] = 0;
            }
        }
    }
}
