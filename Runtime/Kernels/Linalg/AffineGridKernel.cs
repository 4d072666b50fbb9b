namespace Engine.Runtime.Kernels;

/// <summary>
/// AffineGrid: the sampling grid of GridSample for a batch of affine transforms. theta is [N,2,3]
/// (2-D, size = [N,C,H,W], grid [N,H,W,2]) or [N,3,4] (3-D, size = [N,C,D,H,W], grid [N,D,H,W,3]).
/// </summary>
public static class AffineGridKernel
{
    public static Tensor?[] AffineGrid(KernelContext ctx, Tensor?[] inputs)
    {
        var theta = inputs[0] ?? throw ctx.Fail("input theta is required");
        var sizeT = inputs.Length > 1 && inputs[1] is { } s ? s : throw ctx.Fail("input size is required");
        if (!DataTypes.IsFloat(theta.Type)) throw ctx.Fail($"theta must be a float tensor, got {theta.Type}");
        var size = sizeT.ToInt64Array();
        if (size.Length is not (4 or 5)) throw ctx.Fail($"size must have 4 or 5 values, got {size.Length}");
        int r = size.Length - 2;
        if (theta.Rank != 3 || theta.Shape[1] != r || theta.Shape[2] != r + 1)
            throw ctx.Fail($"theta of shape {Tensor.ShapeString(theta.Shape)} does not match a {r}-D size");
        if (size[0] != theta.Shape[0]) throw ctx.Fail($"size[0] = {size[0]} differs from theta's batch {theta.Shape[0]}");
        if (size.Any(v => v < 0 || v > Tensor.MaxElements)) throw ctx.Fail("size values are out of range");
        bool align = ctx.Attributes.GetInt("align_corners") != 0;

        int n = theta.Shape[0];
        // Spatial sizes innermost-first (W, H[, D]): grid component k applies to spatial dim r-1-k.
        var spatial = size[2..].Select(v => (int)v).ToArray();
        int[] outShape = [n, .. spatial, r];
        var th = theta.ToDoubleArray();
        var y = new double[Tensor.ElementCount(outShape)];
        var bases = spatial.Select(len => Base(len, align)).ToArray();
        int points = (int)Tensor.ElementCount(spatial);
        var idx = new int[r];
        var coord = new double[r + 1];
        for (int b = 0; b < n; b++)
        {
            Array.Clear(idx);
            for (int p = 0; p < points; p++)
            {
                // coord = (x, y[, z], 1) where x follows the last spatial dim.
                for (int k = 0; k < r; k++) coord[k] = bases[r - 1 - k][idx[r - 1 - k]];
                coord[r] = 1;
                int o = (b * points + p) * r;
                int t = b * r * (r + 1);
                for (int row = 0; row < r; row++)
                {
                    double acc = 0;
                    for (int col = 0; col <= r; col++) acc += th[t + row * (r + 1) + col] * coord[col];
                    y[o + row] = acc;
                }
                for (int d = r - 1; d >= 0; d--)
                {
                    if (++idx[d] < spatial[d]) break;
                    idx[d] = 0;
                }
            }
        }
        return [LinalgData.WriteDouble(theta.Type, outShape, y)];
    }

    /// <summary>Normalised coordinates of the len pixels along one axis ([-1, 1] at centres or corners).</summary>
    private static double[] Base(int len, bool align)
    {
        var r = new double[len];
        for (int i = 0; i < len; i++)
            r[i] = align ? (len == 1 ? -1 : -1 + 2.0 * i / (len - 1)) : -1 + (2.0 * i + 1) / len;
        return r;
    }
}
