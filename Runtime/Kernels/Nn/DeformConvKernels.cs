namespace Engine.Runtime.Kernels;

/// <summary>
/// DeformConv (2-D): a deformable im2col — each tap samples the input bilinearly at its shifted
/// position (zero outside, like GridSample with align_corners=1), scaled by the mask — then the
/// same per-group GEMM as Conv.
/// </summary>
public static class DeformConvKernels
{
    public static Tensor?[] DeformConv(KernelContext ctx, Tensor?[] inputs)
    {
        Tensor Req(int i, string name) => (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input {name} is required");
        var x = Req(0, "X");
        var w = Req(1, "W");
        var offset = Req(2, "offset");
        var b = inputs.Length > 3 ? inputs[3] : null;
        var mask = inputs.Length > 4 ? inputs[4] : null;
        if (x.Rank != 4) throw ctx.Fail($"only 2-D DeformConv is supported, X has shape {Tensor.ShapeString(x.Shape)}");
        var p = ConvShape.Resolve(ctx, x.Shape, w.Shape);
        var g = p.Geometry;
        long og = ctx.Attributes.GetInt("offset_group");
        if (og < 1 || p.C % og != 0) throw ctx.Fail($"offset_group {og} must divide the {p.C} input channels");
        int kh = g.Kernel[0], kw = g.Kernel[1], oh = g.Output[0], ow = g.Output[1];
        int k = kh * kw;
        var offShape = new[] { p.N, (int)og * k * 2, oh, ow };
        if (!offset.Shape.SequenceEqual(offShape)) throw ctx.Fail($"offset has shape {Tensor.ShapeString(offset.Shape)}, expected {Tensor.ShapeString(offShape)}");
        var maskShape = new[] { p.N, (int)og * k, oh, ow };
        if (mask is not null && !mask.Shape.SequenceEqual(maskShape)) throw ctx.Fail($"mask has shape {Tensor.ShapeString(mask.Shape)}, expected {Tensor.ShapeString(maskShape)}");
        if (b is not null && (b.Rank != 1 || b.Shape[0] != p.M)) throw ctx.Fail($"B has shape {Tensor.ShapeString(b.Shape)}, expected [{p.M}]");
        if (!NnData.IsFloatFamily(x.Type) && x.Type != DataType.Double) throw ctx.Fail($"DeformConv does not support {x.Type}");

        var xd = NnData.ToDouble(x);
        var wd = NnData.ToDouble(w);
        var od = NnData.ToDouble(offset);
        var md = mask is null ? null : NnData.ToDouble(mask);
        var bd = b is null ? null : NnData.ToDouble(b);
        int ih = g.Input[0], iw = g.Input[1], outSize = oh * ow, cgk = p.Cg * k;
        int chPerOg = p.C / (int)og;
        if ((long)cgk * outSize > Tensor.MaxElements) throw ctx.Fail("column buffer too large");
        if ((long)p.N * p.M * outSize > Tensor.MaxElements) throw ctx.Fail("output too large");
        var y = new double[p.N * p.M * outSize];
        var col = new double[cgk * outSize];
        for (int n = 0; n < p.N; n++)
        {
            for (int grp = 0; grp < p.Group; grp++)
            {
                for (int cl = 0; cl < p.Cg; cl++)
                {
                    int c = grp * p.Cg + cl;
                    int o = c / chPerOg;
                    var plane = xd.AsSpan((n * p.C + c) * ih * iw, ih * iw);
                    for (int ki = 0; ki < kh; ki++)
                    {
                        for (int kj = 0; kj < kw; kj++)
                        {
                            int tap = ki * kw + kj;
                            int offH = ((n * (int)og + o) * k + tap) * 2 * outSize;
                            int offW = offH + outSize;
                            int mOff = ((n * (int)og + o) * k + tap) * outSize;
                            var dst = col.AsSpan((cl * k + tap) * outSize, outSize);
                            for (int i = 0; i < oh; i++)
                            {
                                for (int j = 0; j < ow; j++)
                                {
                                    int q = i * ow + j;
                                    double hy = i * g.Strides[0] - g.PadBegin[0] + ki * g.Dilations[0] + od[offH + q];
                                    double wx = j * g.Strides[1] - g.PadBegin[1] + kj * g.Dilations[1] + od[offW + q];
                                    double v = Bilinear(plane, ih, iw, hy, wx);
                                    dst[q] = md is null ? v : v * md[mOff + q];
                                }
                            }
                        }
                    }
                }
                var yg = y.AsSpan((n * p.M + grp * p.Mg) * outSize, p.Mg * outSize);
                NnData.Gemm<double>(false, p.Mg, outSize, cgk, wd.AsSpan(grp * p.Mg * cgk, p.Mg * cgk), cgk, col, outSize, yg, outSize, 1);
                if (bd is not null)
                {
                    for (int m = 0; m < p.Mg; m++)
                    {
                        var row = yg.Slice(m * outSize, outSize);
                        for (int q = 0; q < outSize; q++) row[q] += bd[grp * p.Mg + m];
                    }
                }
            }
        }
        return [NnData.FromDouble(x.Type, [p.N, p.M, oh, ow], y)];
    }

    /// <summary>Bilinear sample of a plane at real coordinates; corners outside the plane count as 0.</summary>
    private static double Bilinear(ReadOnlySpan<double> plane, int h, int w, double y, double x)
    {
        if (double.IsNaN(y) || double.IsNaN(x) || y <= -1 || y >= h || x <= -1 || x >= w) return 0;
        int y0 = (int)Math.Floor(y), x0 = (int)Math.Floor(x);
        double dy = y - y0, dx = x - x0;
        return (1 - dy) * ((1 - dx) * At(plane, h, w, y0, x0) + dx * At(plane, h, w, y0, x0 + 1))
            + dy * ((1 - dx) * At(plane, h, w, y0 + 1, x0) + dx * At(plane, h, w, y0 + 1, x0 + 1));

        static double At(ReadOnlySpan<double> p, int h, int w, int yy, int xx) =>
            (uint)yy < (uint)h && (uint)xx < (uint)w ? p[yy * w + xx] : 0;
    }
}
