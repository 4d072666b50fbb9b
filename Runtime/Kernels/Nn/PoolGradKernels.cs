namespace Engine.Runtime.Kernels;

/// <summary>
/// Backward kernels of MaxPool and AveragePool: (dY, X) → dX under the forward node's attributes, over
/// the same <see cref="PoolWindow"/> the forward kernels use, so windows, padding, dilation and
/// ceil_mode overhang agree by construction. MaxPool routes each output's gradient to the tap the
/// forward pass picked (the first maximum; NaNs skipped); AveragePool spreads it over the window's
/// taps divided by the forward divisor (count_include_pad counts explicit padding, never the
/// ceil_mode overhang). Overlapping windows accumulate.
/// </summary>
public static class PoolGradKernels
{
    public static Tensor?[] MaxPoolGrad(KernelContext ctx, Tensor?[] inputs)
    {
        var (dy, x, w) = Read(ctx, inputs);
        var xd = x.ToDoubleArray();
        var dx = new double[xd.Length];
        var oc = new int[w.Geometry.Rank];
        var start = new int[w.Geometry.Rank];
        for (int plane = 0; plane < w.Planes; plane++)
        {
            int src0 = plane * w.InSize;
            Array.Clear(oc);
            for (int o = 0; o < w.OutSize; o++, w.Next(oc))
            {
                int inBase = w.Start(oc, start, out bool inside);
                int best = -1;
                for (int t = 0; t < w.Taps; t++)
                {
                    if (!inside && !w.TapInside(start, t)) continue;
                    double v = xd[src0 + inBase + w.TapOffset[t]];
                    if (double.IsNaN(v)) continue;
                    if (best < 0 || v > xd[src0 + inBase + w.TapOffset[best]]) best = t;
                }
                if (best >= 0) dx[src0 + inBase + w.TapOffset[best]] += dy[plane * w.OutSize + o];
            }
        }
        return [DoubleBridge.FromDoubles(x.Type, (int[])x.Shape.Clone(), dx)];
    }

    public static Tensor?[] AveragePoolGrad(KernelContext ctx, Tensor?[] inputs)
    {
        var (dy, x, w) = Read(ctx, inputs);
        bool includePad = ctx.Attributes.GetInt("count_include_pad") != 0;
        var dx = new double[x.Length];
        var oc = new int[w.Geometry.Rank];
        var start = new int[w.Geometry.Rank];
        for (int plane = 0; plane < w.Planes; plane++)
        {
            int src0 = plane * w.InSize;
            Array.Clear(oc);
            for (int o = 0; o < w.OutSize; o++, w.Next(oc))
            {
                int inBase = w.Start(oc, start, out bool inside);
                int count = 0;
                for (int t = 0; t < w.Taps; t++)
                {
                    if (inside || w.TapInside(start, t) || (includePad && w.TapInPadding(start, t))) count++;
                }
                if (count == 0) continue;
                double share = dy[plane * w.OutSize + o] / count;
                for (int t = 0; t < w.Taps; t++)
                {
                    if (inside || w.TapInside(start, t)) dx[src0 + inBase + w.TapOffset[t]] += share;
                }
            }
        }
        return [DoubleBridge.FromDoubles(x.Type, (int[])x.Shape.Clone(), dx)];
    }

    private static (double[] Dy, Tensor X, PoolWindow W) Read(KernelContext ctx, Tensor?[] inputs)
    {
        var dy = LossReduction.RequiredFloat(ctx, inputs, 0, "dY");
        var x = LossReduction.RequiredFloat(ctx, inputs, 1, "X");
        if (x.Rank < 3) throw ctx.Fail($"X must have rank >= 3, got {Tensor.ShapeString(x.Shape)}");
        var w = PoolKernels.Window(ctx, x, ctx.Attributes.GetInt("ceil_mode") != 0);
        if (!dy.Shape.AsSpan().SequenceEqual(w.OutShape))
            throw ctx.Fail($"dY has shape {Tensor.ShapeString(dy.Shape)}, the pool's output {Tensor.ShapeString(w.OutShape)}");
        return (dy.ToDoubleArray(), x, w);
    }
}
