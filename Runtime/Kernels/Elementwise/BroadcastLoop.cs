namespace Engine.Runtime.Kernels;

/// <summary>
/// Computes one contiguous run of a binary elementwise op. <paramref name="x"/> and
/// <paramref name="y"/> each have either <c>dst.Length</c> elements or exactly one (a value
/// broadcast along the run), so a row can hand whole runs to TensorPrimitives.
/// </summary>
public delegate void BinaryRow<TX, TY, TR>(ReadOnlySpan<TX> x, ReadOnlySpan<TY> y, Span<TR> dst);

/// <summary>
/// The numpy broadcasting loop for binary ops. Output dims are collapsed wherever both inputs step
/// uniformly, so same-shape and scalar cases become a single row, and general broadcasting becomes
/// an odometer over the outer dims feeding rows of the innermost collapsed dim.
/// </summary>
public static class BroadcastLoop
{
    /// <summary>Runs <paramref name="row"/> over the broadcast of <paramref name="a"/> and
    /// <paramref name="b"/> into a fresh tensor of <paramref name="outType"/> (whose storage is TR[]).</summary>
    public static Tensor Run<TX, TY, TR>(KernelContext ctx, Tensor a, Tensor b, DataType outType, BinaryRow<TX, TY, TR> row)
    {
        var shape = Broadcasting.Shape(ctx.NodeName, a.Shape, b.Shape);
        var result = Tensor.Zeros(outType, shape);
        Run(a.As<TX>(), a.Shape, b.As<TY>(), b.Shape, result.As<TR>(), shape, row, ctx.Threads);
        return result;
    }

    /// <summary>The loop on raw arrays; <paramref name="outShape"/> must be the broadcast shape.</summary>
    public static void Run<TX, TY, TR>(TX[] x, int[] xShape, TY[] y, int[] yShape, TR[] dst, int[] outShape, BinaryRow<TX, TY, TR> row, int threads = 1)
    {
        if (dst.Length == 0) return;
        // An input with as many elements as the output has the output's layout (every dim equals
        // the output's), and a one-element input is a scalar: either way one row covers it all.
        if ((x.Length == dst.Length || x.Length == 1) && (y.Length == dst.Length || y.Length == 1))
        {
            bool xFull = x.Length == dst.Length && dst.Length > 1, yFull = y.Length == dst.Length && dst.Length > 1;
            ElementwiseParallel.For(dst.Length, threads, ElementwiseParallel.MinElements, (s, e) =>
                row(xFull ? x.AsSpan(s, e - s) : x, yFull ? y.AsSpan(s, e - s) : y, dst.AsSpan(s, e - s)));
            return;
        }

        var (sizes, xs, ys) = Collapse(xShape, yShape, outShape);
        int inner = sizes[^1];
        int outer = dst.Length / inner;
        ElementwiseParallel.For(outer, threads, Math.Max(1, ElementwiseParallel.MinElements / inner),
            (s, e) => Rows(x, y, dst, sizes, xs, ys, s, e, row));
    }

    /// <summary>Output rows [first, end) of the collapsed iteration space.</summary>
    private static void Rows<TX, TY, TR>(TX[] x, TY[] y, TR[] dst, int[] sizes, int[] xs, int[] ys, int first, int end, BinaryRow<TX, TY, TR> row)
    {
        int rank = sizes.Length, inner = sizes[^1];
        int xLen = xs[^1] == 0 ? 1 : inner, yLen = ys[^1] == 0 ? 1 : inner;
        // Position the odometer (outer dims only) at row 'first'.
        var idx = new int[rank];
        int xOff = 0, yOff = 0;
        for (int d = rank - 2, rest = first; d >= 0; d--)
        {
            idx[d] = rest % sizes[d];
            rest /= sizes[d];
            xOff += idx[d] * xs[d];
            yOff += idx[d] * ys[d];
        }
        for (int o = first; o < end; o++)
        {
            row(x.AsSpan(xOff, xLen), y.AsSpan(yOff, yLen), dst.AsSpan(o * inner, inner));
            for (int d = rank - 2; d >= 0; d--)
            {
                idx[d]++;
                xOff += xs[d];
                yOff += ys[d];
                if (idx[d] < sizes[d]) break;
                xOff -= xs[d] * idx[d];
                yOff -= ys[d] * idx[d];
                idx[d] = 0;
            }
        }
    }

    /// <summary>
    /// Drops size-1 output dims and merges neighbours whose strides chain (contiguous in both
    /// inputs, or broadcast in the same way), returning sizes and per-input element strides.
    /// The innermost stride of each input is then 0 (broadcast) or 1 (contiguous).
    /// </summary>
    internal static (int[] Sizes, int[] XStrides, int[] YStrides) Collapse(int[] xShape, int[] yShape, int[] outShape)
    {
        var xs0 = Broadcasting.Strides(xShape, outShape);
        var ys0 = Broadcasting.Strides(yShape, outShape);
        var sizes = new List<int>();
        var xs = new List<int>();
        var ys = new List<int>();
        for (int i = outShape.Length - 1; i >= 0; i--)
        {
            int n = outShape[i];
            if (n == 1) continue;
            if (sizes.Count > 0)
            {
                int last = sizes.Count - 1;
                if (xs0[i] == xs[last] * sizes[last] && ys0[i] == ys[last] * sizes[last])
                {
                    sizes[last] *= n;
                    continue;
                }
            }
            sizes.Add(n);
            xs.Add(xs0[i]);
            ys.Add(ys0[i]);
        }
        if (sizes.Count == 0)
        {
            sizes.Add(1);
            xs.Add(0);
            ys.Add(0);
        }
        sizes.Reverse();
        xs.Reverse();
        ys.Reverse();
        return (sizes.ToArray(), xs.ToArray(), ys.ToArray());
    }

    /// <summary>Applies a scalar function along a row (the generic, unvectorized row).</summary>
    public static void Map<TX, TY, TR>(ReadOnlySpan<TX> x, ReadOnlySpan<TY> y, Span<TR> dst, Func<TX, TY, TR> f)
    {
        if (x.Length == dst.Length && y.Length == dst.Length)
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = f(x[i], y[i]);
        }
        else if (y.Length == 1)
        {
            var b = y[0];
            for (int i = 0; i < dst.Length; i++) dst[i] = f(x[x.Length == 1 ? 0 : i], b);
        }
        else
        {
            var a = x[0];
            for (int i = 0; i < dst.Length; i++) dst[i] = f(a, y[i]);
        }
    }
}
