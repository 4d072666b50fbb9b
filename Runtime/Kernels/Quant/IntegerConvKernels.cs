using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// ConvInteger and QLinearConv: a direct N-d grouped convolution over int32 accumulators
/// (zero points removed first), then, for QLinearConv, requantization to 8 bits.
/// </summary>
public static class IntegerConvKernels
{
    public static Tensor?[] ConvInteger(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs, 0, "x");
        var w = Input(ctx, inputs, 1, "w");
        var (acc, shape) = Convolve(ctx, x, w, Opt(inputs, 2), Opt(inputs, 3), null);
        return [new Tensor(DataType.Int32, shape, acc)];
    }

    public static Tensor?[] QLinearConv(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs, 0, "x");
        var xScale = Input(ctx, inputs, 1, "x_scale");
        var w = Input(ctx, inputs, 3, "w");
        var wScale = Input(ctx, inputs, 4, "w_scale");
        var yScale = Input(ctx, inputs, 6, "y_scale");
        var yZp = Opt(inputs, 7);
        var bias = Opt(inputs, 8);
        if (xScale.Length != 1 || yScale.Length != 1) throw ctx.Fail("x_scale and y_scale must be per-tensor");
        if (bias is not null && bias.Type != DataType.Int32) throw ctx.Fail($"B must be int32, got {bias.Type}");
        var (acc, shape) = Convolve(ctx, x, w, Opt(inputs, 2), Opt(inputs, 5), bias);
        var outType = yZp?.Type ?? x.Type;
        var (lo, hi) = QuantizeKernels.Range(ctx, outType);
        double sx = xScale.ScalarAsDouble(), sy = yScale.ScalarAsDouble();
        var sw = wScale.ToDoubleArray();
        int m = shape[1];
        if (sw.Length != 1 && sw.Length != m) throw ctx.Fail($"w_scale must have 1 or {m} values, got {sw.Length}");
        double zy = yZp?.ScalarAsDouble() ?? 0;
        var st = xScale.Type;
        var mult = new double[m];
        for (int c = 0; c < m; c++)
            mult[c] = QuantizeKernels.RoundTo(st, QuantizeKernels.RoundTo(st, sx * sw[sw.Length == 1 ? 0 : c]) / sy);
        int spatial = m == 0 || acc.Length == 0 ? 1 : acc.Length / (shape[0] * m);
        var y = new double[acc.Length];
        for (int i = 0; i < acc.Length; i++)
        {
            int c = i / spatial % m;
            y[i] = Math.Round(Math.Clamp(acc[i] * mult[c] + zy, lo, hi), MidpointRounding.ToEven);
        }
        return [DoubleBridge.FromDoublesAny(outType, shape, y)];
    }

    private static Tensor Input(KernelContext ctx, Tensor?[] inputs, int i, string name) =>
        Opt(inputs, i) ?? throw ctx.Fail($"input '{name}' is required");

    private static Tensor? Opt(Tensor?[] inputs, int i) => i < inputs.Length ? inputs[i] : null;

    private static (int[] Acc, int[] Shape) Convolve(KernelContext ctx, Tensor x, Tensor w, Tensor? xZp, Tensor? wZp, Tensor? bias)
    {
        if (x.Type is not (DataType.UInt8 or DataType.Int8) || w.Type is not (DataType.UInt8 or DataType.Int8))
            throw ctx.Fail($"x and w must be int8 or uint8, got {x.Type} and {w.Type}");
        if (x.Rank < 3 || w.Rank != x.Rank) throw ctx.Fail($"x {Tensor.ShapeString(x.Shape)} and w {Tensor.ShapeString(w.Shape)} must be [N,C,...] and [M,C/group,...] of equal rank");
        int group = (int)ctx.Attributes.GetInt("group");
        int n = x.Shape[0], c = x.Shape[1], m = w.Shape[0], cg = w.Shape[1];
        if (group <= 0 || c % group != 0 || m % group != 0 || cg != c / group)
            throw ctx.Fail($"group {group} does not fit {c} input channels and weights {Tensor.ShapeString(w.Shape)}");
        int sd = x.Rank - 2;
        var inSp = x.Shape[2..];
        var kSp = w.Shape[2..];
        var geo = IntegerConvShape.Resolve(ctx.Attributes, inSp, kSp, ctx.Fail);
        var xs = IntegerMatMulKernels.ToInt(x);
        var ws = IntegerMatMulKernels.ToInt(w);
        if (xZp is not null)
        {
            if (xZp.Length != 1) throw ctx.Fail("x_zero_point must be per-tensor");
            if (xZp.Type != x.Type) throw ctx.Fail("x_zero_point must have x's type");
            int z = IntegerMatMulKernels.ToInt(xZp)[0];
            for (int i = 0; i < xs.Length; i++) xs[i] -= z;
        }
        int wPer = m == 0 ? 0 : ws.Length / m;
        if (wZp is not null)
        {
            if (wZp.Type != w.Type) throw ctx.Fail("w_zero_point must have w's type");
            var z = IntegerMatMulKernels.ToInt(wZp);
            if (z.Length != 1 && z.Length != m) throw ctx.Fail($"w_zero_point must have 1 or {m} values, got {z.Length}");
            for (int i = 0; i < ws.Length; i++) ws[i] -= z.Length == 1 ? z[0] : z[i / wPer];
        }
        int[]? bs = null;
        if (bias is not null)
        {
            bs = bias.As<int>();
            if (bs.Length != m) throw ctx.Fail($"B must have {m} values, got {bs.Length}");
        }

        int[] outShape = [n, m, .. geo.Output];
        int outSp = 1, inSpN = 1, kN = 1;
        foreach (int d in geo.Output) outSp *= d;
        foreach (int d in inSp) inSpN *= d;
        foreach (int d in kSp) kN *= d;
        var acc = new int[(int)Tensor.ElementCount(outShape)];
        if (acc.Length == 0) return (acc, outShape);

        // For each kernel tap and output position, the flat input offset, or -1 in the padding.
        var tapOffset = new int[kN * outSp];
        var oIdx = new int[sd];
        var kIdx = new int[sd];
        var inStr = Tensor.StridesOf(inSp);
        for (int k = 0; k < kN; k++)
        {
            Unflatten(k, kSp, kIdx);
            for (int o = 0; o < outSp; o++)
            {
                Unflatten(o, geo.Output, oIdx);
                int off = 0;
                for (int d = 0; d < sd && off >= 0; d++)
                {
                    int pos = oIdx[d] * geo.Strides[d] - geo.PadsBegin[d] + kIdx[d] * geo.Dilations[d];
                    off = pos < 0 || pos >= inSp[d] ? -1 : off + pos * inStr[d];
                }
                tapOffset[k * outSp + o] = off;
            }
        }

        // im2col per (image, group), then each output channel is a sum of scaled im2col rows:
        // exact int32 arithmetic, vectorized along the output positions.
        int mg = m / group;
        int rows = cg * kN;
        var col = new int[rows * outSp];
        for (int b = 0; b < n; b++)
        {
            for (int g = 0; g < group; g++)
            {
                for (int ic = 0; ic < cg; ic++)
                {
                    int xBase = (b * c + g * cg + ic) * inSpN;
                    for (int k = 0; k < kN; k++)
                    {
                        int r = ic * kN + k;
                        for (int o = 0; o < outSp; o++)
                        {
                            int off = tapOffset[k * outSp + o];
                            col[r * outSp + o] = off >= 0 ? xs[xBase + off] : 0;
                        }
                    }
                }
                void Channel(int ocInGroup)
                {
                    int oc = g * mg + ocInGroup;
                    var dst = acc.AsSpan((b * m + oc) * outSp, outSp);
                    dst.Fill(bs?[oc] ?? 0);
                    int wBase = oc * rows;
                    for (int r = 0; r < rows; r++)
                    {
                        int wv = ws[wBase + r];
                        if (wv != 0) TensorPrimitives.MultiplyAdd(col.AsSpan(r * outSp, outSp), wv, dst, dst);
                    }
                }
                if (ctx.Threads > 1 && mg > 1)
                    Parallel.For(0, mg, new ParallelOptions { MaxDegreeOfParallelism = ctx.Threads }, Channel);
                else
                    for (int oc = 0; oc < mg; oc++) Channel(oc);
            }
        }
        return (acc, outShape);
    }

    private static void Unflatten(int flat, int[] dims, int[] idx)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            idx[d] = dims[d] == 0 ? 0 : flat % dims[d];
            flat = dims[d] == 0 ? 0 : flat / dims[d];
        }
    }
}
