namespace Engine.Runtime.Kernels;

/// <summary>
/// GridSample (opset 22, N-d): samples X at normalised grid locations with nearest / linear / cubic
/// interpolation and zeros / border / reflection padding, following PyTorch's grid_sampler as the
/// ONNX reference does. Taps and weights are computed once per output point and reused per channel.
/// </summary>
public static class GridSampleKernel
{
    public static Tensor?[] GridSample(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input X is required");
        var grid = inputs.Length > 1 && inputs[1] is { } g ? g : throw ctx.Fail("input grid is required");
        int r = x.Rank - 2;
        if (r < 1) throw ctx.Fail($"X must have rank >= 3, got {Tensor.ShapeString(x.Shape)}");
        if (grid.Rank != r + 2 || grid.Shape[0] != x.Shape[0] || grid.Shape[^1] != r)
            throw ctx.Fail($"grid of shape {Tensor.ShapeString(grid.Shape)} does not fit X of shape {Tensor.ShapeString(x.Shape)}");
        if (!DataTypes.IsFloat(grid.Type)) throw ctx.Fail($"grid must be a float tensor, got {grid.Type}");
        string mode = ctx.Attributes.GetString("mode") switch
        {
            "bilinear" => "linear",
            "bicubic" => "cubic",
            var m => m,
        };
        if (mode is not ("linear" or "nearest" or "cubic")) throw ctx.Fail($"unknown mode '{mode}'");
        string padding = ctx.Attributes.GetString("padding_mode");
        if (padding is not ("zeros" or "border" or "reflection")) throw ctx.Fail($"unknown padding_mode '{padding}'");
        bool align = ctx.Attributes.GetInt("align_corners") != 0;

        int n = x.Shape[0], c = x.Shape[1];
        var dims = x.Shape[2..];
        var outSpatial = grid.Shape[1..^1];
        int[] outShape = [n, c, .. outSpatial];
        int points = (int)Tensor.ElementCount(outSpatial);
        int plane = (int)Tensor.ElementCount(dims);
        var xv = x.ToDoubleArray();
        var gv = grid.ToDoubleArray();
        var y = new double[Tensor.ElementCount(outShape)];
        var strides = Tensor.StridesOf(dims);
        // An empty spatial input has nothing to sample; every output (if any) is zero.
        if (plane == 0) return [LinalgData.WriteDouble(x.Type, outShape, y)];
        var sampler = new Sampler(dims, strides, mode, padding, align);
        var coords = new double[r];
        for (int b = 0; b < n; b++)
        {
            for (int p = 0; p < points; p++)
            {
                // grid's last axis is (x, y, z…): innermost spatial dim first, so reverse it.
                int gOff = (b * points + p) * r;
                for (int d = 0; d < r; d++) coords[d] = gv[gOff + r - 1 - d];
                var (offs, ws) = sampler.Taps(coords);
                for (int ch = 0; ch < c; ch++)
                {
                    int xOff = (b * c + ch) * plane;
                    double acc = 0;
                    for (int t = 0; t < offs.Count; t++)
                    {
                        if (offs[t] >= 0) acc += ws[t] * xv[xOff + offs[t]];
                    }
                    y[(b * c + ch) * points + p] = acc;
                }
            }
        }
        return [LinalgData.WriteDouble(x.Type, outShape, y)];
    }

    private sealed class Sampler(int[] dims, int[] strides, string mode, string padding, bool align)
    {
        private readonly List<int> _offs = new();
        private readonly List<double> _ws = new();
        // Per axis: up to 4 taps (index, weight) and how many are used; reused for every point.
        private readonly double[][] _axisW = dims.Select(_ => new double[4]).ToArray();
        private readonly int[][] _axisI = dims.Select(_ => new int[4]).ToArray();
        private readonly int[] _axisN = new int[dims.Length];

        /// <summary>Flat offsets (−1 = zero padding) and weights of the input points that make up one sample.</summary>
        public (List<int> Offsets, List<double> Weights) Taps(double[] normalized)
        {
            int r = dims.Length;
            for (int d = 0; d < r; d++)
            {
                int len = dims[d];
                // Denormalise in float32, as the reference stores coordinates in a float32 array.
                float g = (float)normalized[d];
                double xd = align ? (g + 1f) / 2f * (len - 1) : ((g + 1f) * len - 1f) / 2f;
                double lo = align ? 0 : -0.5, hi = align ? len - 1 : len - 0.5;
                // Round half to even (nearbyint), which is what the conformance data for 2-D and 3-D expects.
                if (mode == "nearest") xd = Math.Round(xd, MidpointRounding.ToEven);
                // Cubic reads its 4 taps through the padding rule one by one and leaves the coordinate
                // alone (PyTorch's bicubic, which ONNX Runtime follows; the ONNX reference would clamp
                // the coordinate first under 'border'). For reflection both give the same values.
                if (mode != "cubic" && (xd < lo || xd > hi))
                {
                    if (padding == "border") xd = Math.Clamp(xd, 0, len - 1);
                    else if (padding == "reflection") xd = Reflect(xd, lo, hi);
                }
                switch (mode)
                {
                    case "nearest":
                        _axisN[d] = 1;
                        _axisI[d][0] = Pixel((long)xd, len, lo, hi);
                        _axisW[d][0] = 1;
                        break;
                    case "linear":
                        {
                            double f = Math.Floor(xd), t = xd - f;
                            _axisN[d] = 2;
                            for (int j = 0; j < 2; j++) _axisI[d][j] = Pixel((long)f + j, len, lo, hi);
                            _axisW[d][0] = 1 - t;
                            _axisW[d][1] = t;
                            break;
                        }
                    default:
                        {
                            double f = Math.Floor(xd), t = xd - f;
                            _axisN[d] = 4;
                            for (int j = 0; j < 4; j++) _axisI[d][j] = Pixel((long)f - 1 + j, len, lo, hi);
                            CubicCoefficients(t, _axisW[d]);
                            break;
                        }
                }
            }
            // Cartesian product of the per-axis taps.
            _offs.Clear();
            _ws.Clear();
            _offs.Add(0);
            _ws.Add(1);
            for (int d = 0; d < r; d++)
            {
                int count = _offs.Count;
                for (int e = 0; e < count; e++)
                {
                    int baseOff = _offs[e];
                    double baseW = _ws[e];
                    for (int j = 0; j < _axisN[d]; j++)
                    {
                        int i = _axisI[d][j];
                        int off = baseOff < 0 || i < 0 ? -1 : baseOff + i * strides[d];
                        double w = baseW * _axisW[d][j];
                        if (j == 0) { _offs[e] = off; _ws[e] = w; }
                        else { _offs.Add(off); _ws.Add(w); }
                    }
                }
            }
            return (_offs, _ws);
        }

        /// <summary>The source index for integer coordinate i after padding; −1 reads zero.</summary>
        private int Pixel(long i, int len, double lo, double hi)
        {
            if (i >= 0 && i < len) return (int)i;
            return padding switch
            {
                "zeros" => -1,
                "border" => (int)Math.Clamp(i, 0, len - 1),
                _ => (int)Math.Clamp((long)Reflect(i, lo, hi), 0, len - 1),
            };
        }

        /// <summary>Reflects x at the borders until it lies within [lo, hi].</summary>
        private static double Reflect(double x, double lo, double hi)
        {
            double range = hi - lo;
            if (range <= 0) return lo;
            if (x < lo)
            {
                double dx = lo - x;
                long k = (long)(dx / range);
                double rem = dx - k * range;
                return k % 2 == 0 ? lo + rem : hi - rem;
            }
            if (x > hi)
            {
                double dx = x - hi;
                long k = (long)(dx / range);
                double rem = dx - k * range;
                return k % 2 == 0 ? hi - rem : lo + rem;
            }
            return x;
        }

        private static void CubicCoefficients(double t, double[] c)
        {
            const double A = -0.75;
            double x = Math.Abs(t);
            c[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
            c[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
            c[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
            c[3] = ((A * (2 - x) - 5 * A) * (2 - x) + 8 * A) * (2 - x) - 4 * A;
        }
    }
}
