using System.Numerics;
using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// ConvTranspose: per (image, group) the columns Wgᵀ·Xg are computed with the shared SGEMM and
/// scattered back (col2im) onto the output, the adjoint of Conv's im2col.
/// </summary>
public static class ConvTransposeKernels
{
    /// <summary>Resolved pads and output dims of a ConvTranspose (input dims -1 = unknown → output -1).</summary>
    public sealed record Geometry(int[] Input, int[] Kernel, int[] Strides, int[] Dilations, int[] PadBegin, int[] PadEnd, int[] Output);

    public static Geometry Resolve(int[] input, int[] kernel, AttributeMap a, Func<string, Exception> fail)
    {
        int r = input.Length;
        if (kernel.Length != r) throw fail($"kernel has {kernel.Length} dims but the input has {r} spatial dims");
        var s = WindowGeometry.Ints(a.GetIntsOrNull("strides"), r, 1, "strides", fail);
        var d = WindowGeometry.Ints(a.GetIntsOrNull("dilations"), r, 1, "dilations", fail);
        var op = WindowGeometry.Ints(a.GetIntsOrNull("output_padding"), r, 0, "output_padding", fail);
        var pads = a.GetIntsOrNull("pads");
        var outShape = a.GetIntsOrNull("output_shape");
        string autoPad = a.GetString("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER")) throw fail($"unknown auto_pad '{autoPad}'");
        for (int i = 0; i < r; i++)
        {
            if (kernel[i] < 1 || s[i] < 1 || d[i] < 1) throw fail("kernel, strides and dilations must be >= 1");
            if (op[i] < 0) throw fail("output_padding must be non-negative");
        }
        if (outShape is { Length: > 0 })
        {
            // Some exporters give the full [N, C, ...] shape; only the spatial tail matters.
            if (outShape.Length < r) throw fail($"output_shape has {outShape.Length} values, expected {r}");
            outShape = outShape[^r..];
        }
        else outShape = null;
        var pb = new int[r];
        var pe = new int[r];
        var o = new int[r];
        if (outShape is null && autoPad == "NOTSET" && pads is { Length: > 0 })
        {
            if (pads.Length != 2 * r) throw fail($"pads has {pads.Length} values, expected {2 * r}");
            pb = WindowGeometry.Ints(pads[..r], r, 0, "pads", fail);
            pe = WindowGeometry.Ints(pads[r..], r, 0, "pads", fail);
        }
        for (int i = 0; i < r; i++)
        {
            if (input[i] < 0)
            {
                o[i] = outShape is null ? -1 : (int)outShape[i];
                continue;
            }
            long full = (long)s[i] * (input[i] - 1) + op[i] + (long)(kernel[i] - 1) * d[i] + 1;
            long target;
            if (outShape is not null) target = outShape[i];
            else if (autoPad is "SAME_UPPER" or "SAME_LOWER") target = (long)input[i] * s[i];
            else
            {
                long res = full - pb[i] - pe[i];
                if (res < 0) throw fail($"output dim {i} would be negative");
                o[i] = checked((int)res);
                continue;
            }
            if (target < 0 || target > int.MaxValue) throw fail($"output dim {i} of {target} is invalid");
            long total = full - target;
            // Floor division, as the ONNX reference: a negative total (output larger than natural) matters.
            long half = (long)Math.Floor(total / 2.0);
            pb[i] = checked((int)(autoPad == "SAME_UPPER" ? half : total - half));
            pe[i] = checked((int)(total - pb[i]));
            o[i] = (int)target;
        }
        return new Geometry(input, kernel, s, d, pb, pe, o);
    }

    public static Tensor?[] ConvTranspose(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs.Length > 0 ? inputs[0] ?? throw ctx.Fail("input X is required") : throw ctx.Fail("input X is required");
        var w = inputs.Length > 1 ? inputs[1] ?? throw ctx.Fail("input W is required") : throw ctx.Fail("input W is required");
        var b = inputs.Length > 2 ? inputs[2] : null;
        if (w.Type != x.Type || (b is not null && b.Type != x.Type)) throw ctx.Fail("X, W and B must have the same element type");
        if (x.Rank < 3 || w.Rank != x.Rank) throw ctx.Fail($"X {Tensor.ShapeString(x.Shape)} and W {Tensor.ShapeString(w.Shape)} must have the same rank >= 3");
        long group = ctx.Attributes.GetInt("group");
        if (group < 1 || x.Shape[1] % group != 0 || w.Shape[0] != x.Shape[1])
            throw ctx.Fail($"W {Tensor.ShapeString(w.Shape)} does not match X {Tensor.ShapeString(x.Shape)} with group {group}");
        var kernel = w.Shape[2..];
        if (ctx.Attributes.GetIntsOrNull("kernel_shape") is { Length: > 0 } ks && !ks.SequenceEqual(kernel.Select(k => (long)k)))
            throw ctx.Fail($"kernel_shape [{string.Join(",", ks)}] does not match W {Tensor.ShapeString(w.Shape)}");
        var g = Resolve(x.Shape[2..], kernel, ctx.Attributes, ctx.Fail);
        int grp = (int)group;
        int m = w.Shape[1] * grp;
        if (b is not null && (b.Rank != 1 || b.Shape[0] != m)) throw ctx.Fail($"B has shape {Tensor.ShapeString(b.Shape)}, expected [{m}]");
        var yShape = new[] { x.Shape[0], m }.Concat(g.Output).ToArray();
        long total = Tensor.ElementCount(yShape);
        if (x.Type == DataType.Double)
            return [new Tensor(x.Type, yShape, Run(ctx, x.Shape, grp, m, g, NnData.ToDouble(x), NnData.ToDouble(w), b is null ? null : NnData.ToDouble(b), (int)total))];
        if (!NnData.IsFloatFamily(x.Type)) throw ctx.Fail($"ConvTranspose does not support {x.Type}");
        var y = Run(ctx, x.Shape, grp, m, g, NnData.ToFloat(x), NnData.ToFloat(w), b is null ? null : NnData.ToFloat(b), (int)total);
        return [NnData.FromFloat(x.Type, yShape, y)];
    }

    private static T[] Run<T>(KernelContext ctx, int[] xShape, int grp, int m, Geometry g, T[] x, T[] w, T[]? bias, int total)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new T[total];
        if (total == 0) return y;
        int n = xShape[0], c = xShape[1], cg = c / grp, mg = m / grp;
        int inSize = (int)Tensor.ElementCount(g.Input);
        int outSize = (int)Tensor.ElementCount(g.Output);
        int kSize = (int)Tensor.ElementCount(g.Kernel);
        long colLen = (long)mg * kSize * inSize;
        if (colLen > Tensor.MaxElements) throw ctx.Fail("column buffer too large");
        int tasks = n * grp;
        bool outer = ctx.Threads > 1 && tasks > 1;
        var local = new ThreadLocal<T[]>(() => new T[colLen]);
        NnData.For(tasks, outer ? ctx.Threads : 1, t =>
        {
            int img = t / grp, gi = t % grp;
            var col = local.Value!;
            NnData.Gemm<T>(true, mg * kSize, inSize, cg, w.AsSpan(gi * cg * mg * kSize, cg * mg * kSize), mg * kSize,
                x.AsSpan((img * c + gi * cg) * inSize, cg * inSize), inSize, col, inSize, outer ? 1 : ctx.Threads);
            var yg = y.AsSpan((img * m + gi * mg) * outSize, mg * outSize);
            Col2Im<T>(col, mg, kSize, inSize, outSize, g, yg);
            if (bias is not null)
            {
                for (int j = 0; j < mg; j++) TensorPrimitives.Add(yg.Slice(j * outSize, outSize), bias[gi * mg + j], yg.Slice(j * outSize, outSize));
            }
        });
        local.Dispose();
        return y;
    }

    /// <summary>Adds column (channel·kernel tap, input position) into the output position it maps to.</summary>
    private static void Col2Im<T>(ReadOnlySpan<T> col, int channels, int kSize, int inSize, int outSize, Geometry g, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int r = g.Input.Length;
        int lastIn = g.Input[r - 1], lastOut = g.Output[r - 1], s = g.Strides[r - 1];
        if (lastIn == 0 || lastOut == 0) return;
        int rows = inSize / lastIn;
        var kOff = new int[r];
        var iIdx = new int[r];
        var outStride = Tensor.StridesOf(g.Output);
        for (int kk = 0; kk < kSize; kk++)
        {
            for (int i = r - 1, rem = kk; i >= 0; i--)
            {
                kOff[i] = rem % g.Kernel[i];
                rem /= g.Kernel[i];
            }
            int off = kOff[r - 1] * g.Dilations[r - 1] - g.PadBegin[r - 1];
            // Input columns ix whose output ox = ix*s + off lands inside the output row.
            int lo = off >= 0 ? 0 : (-off + s - 1) / s;
            int hi = lastOut - 1 - off < 0 ? -1 : (lastOut - 1 - off) / s;
            hi = Math.Min(hi, lastIn - 1);
            if (hi < lo) continue;
            for (int row = 0; row < rows; row++)
            {
                for (int i = r - 2, rem = row; i >= 0; i--)
                {
                    iIdx[i] = rem % g.Input[i];
                    rem /= g.Input[i];
                }
                int outBase = 0;
                bool valid = true;
                for (int i = 0; i < r - 1; i++)
                {
                    int oi = iIdx[i] * g.Strides[i] - g.PadBegin[i] + kOff[i] * g.Dilations[i];
                    if ((uint)oi >= (uint)g.Output[i]) { valid = false; break; }
                    outBase += oi * outStride[i];
                }
                if (!valid) continue;
                for (int ch = 0; ch < channels; ch++)
                {
                    var src = col.Slice((ch * kSize + kk) * inSize + row * lastIn, lastIn);
                    var dst = y.Slice(ch * outSize + outBase, lastOut);
                    if (s == 1)
                    {
                        var seg = dst.Slice(lo + off, hi - lo + 1);
                        TensorPrimitives.Add(seg, src.Slice(lo, hi - lo + 1), seg);
                    }
                    else
                    {
                        for (int ix = lo; ix <= hi; ix++) dst[ix * s + off] += src[ix];
                    }
                }
            }
        }
    }
}
