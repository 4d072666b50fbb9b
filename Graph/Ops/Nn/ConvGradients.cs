using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// Gradient rules of Conv and ConvTranspose, written with Conv, ConvTranspose, Transpose, Reshape,
/// Slice and ReduceSum (so the backward graph optimizes, compiles and exports like the forward one).
/// Conv's dX is a ConvTranspose of dY with the same weights (output_padding restores the rows a
/// strided conv skipped); ConvTranspose's dX is a Conv of dY. Both dW are one Conv with the roles
/// of batch and channels swapped: stride and dilation exchange places, groups map to channel blocks.
/// The window geometry is resolved once, so spatial dims and the kernel must be static.
/// </summary>
internal static class ConvGradients
{
    public static void Conv(GradientContext g)
    {
        var x = g.X(0);
        var w = g.X(1);
        var dy = g.dY(0)!;
        var (xs, k) = Spatial(g, x, w);
        var geo = WindowGeometry.Resolve(xs, k, g.Attributes, false, m => g.Fail(m));
        long group = g.Attributes.GetInt("group");
        int r = xs.Length;
        if (g.NeedsGrad(0))
        {
            var outputPadding = new long[r];
            for (int i = 0; i < r; i++)
            {
                long natural = (long)(geo.Output[i] - 1) * geo.Strides[i] + geo.Span(i) - geo.PadBegin[i] - geo.PadEnd[i];
                outputPadding[i] = xs[i] - natural;
            }
            g.SetGrad(0, g.Op("ConvTranspose", [dy, w],
                ("strides", L(geo.Strides)), ("dilations", L(geo.Dilations)), ("pads", L([.. geo.PadBegin, .. geo.PadEnd])),
                ("group", group), ("output_padding", outputPadding)));
        }
        if (g.NeedsGrad(1))
        {
            int c = Channels(g, x), m = Channels(g, w, 0);
            g.SetGrad(1, WeightGrad(g, x, dy, xs, geo.Output, k, geo.Strides, geo.Dilations, geo.PadBegin, group, c, m));
        }
        if (g.HasX(2) && g.NeedsGrad(2)) g.SetGrad(2, BiasGrad(g, dy, r));
    }

    public static void ConvTranspose(GradientContext g)
    {
        var x = g.X(0);
        var w = g.X(1);
        var dy = g.dY(0)!;
        var (xs, k) = Spatial(g, x, w);
        var geo = ConvTransposeKernels.Resolve(xs, k, g.Attributes, m => g.Fail(m));
        if (geo.PadBegin.Any(p => p < 0) || geo.PadEnd.Any(p => p < 0)) throw g.Fail("gradient of a ConvTranspose with negative padding is not supported");
        long group = g.Attributes.GetInt("group");
        int r = xs.Length;
        var op = WindowGeometry.Ints(g.Attributes.GetIntsOrNull("output_padding"), r, 0, "output_padding", m => g.Fail(m));
        // Rows of the output beyond what the input reaches (output_padding) get no gradient: trim them from the pad.
        var padEnd = new int[r];
        for (int i = 0; i < r; i++)
        {
            long reach = (long)(xs[i] - 1) * geo.Strides[i] + (long)(k[i] - 1) * geo.Dilations[i] + 1 - geo.PadBegin[i];
            padEnd[i] = (int)Math.Max(0, reach - geo.Output[i]);
        }
        if (g.NeedsGrad(0))
        {
            g.SetGrad(0, g.Op("Conv", [dy, w],
                ("strides", L(geo.Strides)), ("dilations", L(geo.Dilations)), ("pads", L([.. geo.PadBegin, .. padEnd])), ("group", group)));
        }
        if (g.NeedsGrad(1))
        {
            int cin = Channels(g, x), cout = Channels(g, dy);
            g.SetGrad(1, WeightGrad(g, dy, x, geo.Output, xs, k, geo.Strides, geo.Dilations, geo.PadBegin, group, cout, cin));
        }
        if (g.HasX(2) && g.NeedsGrad(2)) g.SetGrad(2, BiasGrad(g, dy, r));
    }

    /// <summary>
    /// R[mb, ca/group, κ] = Σ_n Σ_o b[n, mb, o] · a_padded[n, ca, o·s + κ·d] (ca in mb's group), as
    /// Conv(a with batch and channels swapped, b likewise as the weight, strides = d, dilations = s),
    /// then sliced to the kernel size (the swapped conv may produce a few extra taps).
    /// </summary>
    private static Value WeightGrad(GradientContext g, Value a, Value b, int[] aSpatial, int[] bSpatial, int[] k,
        int[] s, int[] d, int[] padBegin, long group, int ca, int mb)
    {
        int r = k.Length;
        long[] spatialPerm = Enumerable.Range(3, r).Select(i => (long)i).ToArray();
        Value at, bt;
        if (group == 1)
        {
            long[] perm = [1, 0, .. Enumerable.Range(2, r).Select(i => (long)i)];
            at = g.Op("Transpose", [a], ("perm", perm));
            bt = g.Op("Transpose", [b], ("perm", perm));
        }
        else
        {
            long cg = ca / group, mg = mb / group;
            var a5 = g.Op("Reshape", a, g.Ints([0, group, cg, .. aSpatial.Select(v => (long)v)]));
            var aT = g.Op("Transpose", [a5], ("perm", Perm(2, 1, 0, spatialPerm)));
            at = g.Op("Reshape", aT, g.Ints([cg, -1, .. aSpatial.Select(v => (long)v)]));
            var b5 = g.Op("Reshape", b, g.Ints([0, group, mg, .. bSpatial.Select(v => (long)v)]));
            var bT = g.Op("Transpose", [b5], ("perm", Perm(1, 2, 0, spatialPerm)));
            bt = g.Op("Reshape", bT, g.Ints([mb, -1, .. bSpatial.Select(v => (long)v)]));
        }
        var padEnd = new long[r];
        bool extra = false;
        for (int i = 0; i < r; i++)
        {
            long need = (long)(bSpatial[i] - 1) * s[i] + (long)(k[i] - 1) * d[i] + 1 - padBegin[i] - aSpatial[i];
            padEnd[i] = Math.Max(0, need);
            long produced = (aSpatial[i] + padBegin[i] + padEnd[i] - ((long)(bSpatial[i] - 1) * s[i] + 1)) / d[i] + 1;
            extra |= produced != k[i];
        }
        var conv = g.Op("Conv", [at, bt], ("strides", L(d)), ("dilations", L(s)),
            ("pads", padBegin.Select(p => (long)p).Concat(padEnd).ToArray()), ("group", group));
        var dw = g.Op("Transpose", [conv], ("perm", Perm(1, 0, 2, Enumerable.Range(3, r - 1).Select(i => (long)i).ToArray())));
        if (!extra) return dw;
        return g.Op("Slice", dw, g.Ints(new long[r]), g.Ints(k.Select(v => (long)v).ToArray()), g.Ints(Enumerable.Range(2, r).Select(i => (long)i).ToArray()));
    }

    /// <summary>
    /// Σ over batch and space per channel, as two reductions over adjacent axes (space, then batch): each is one
    /// strided loop the code generator lowers, where one reduction over axes (0, 2, …) would fall back.
    /// </summary>
    private static Value BiasGrad(GradientContext g, Value dy, int r)
    {
        var perImage = g.Op("ReduceSum", [dy, g.Ints([.. Enumerable.Range(2, r).Select(i => (long)i)])], ("keepdims", 0L));
        return g.Op("ReduceSum", [perImage, g.Ints([0])], ("keepdims", 0L));
    }

    private static (int[] Spatial, int[] Kernel) Spatial(GradientContext g, Value x, Value w)
    {
        var xd = x.Type.Dims;
        var wd = w.Type.Dims;
        if (xd is null || wd is null || xd.Length < 3 || xd.Skip(2).Any(d => !d.IsKnown) || wd.Skip(2).Any(d => !d.IsKnown))
            throw g.Fail($"the gradient needs static spatial dims and kernel, got X {x.Type.ShapeText} and W {w.Type.ShapeText}");
        return (xd.Skip(2).Select(d => (int)d.Value).ToArray(), wd.Skip(2).Select(d => (int)d.Value).ToArray());
    }

    private static int Channels(GradientContext g, Value v, int axis = 1) =>
        v.Type.Dims is { } d && d.Length > axis && d[axis].IsKnown ? (int)d[axis].Value
            : throw g.Fail($"the gradient needs the channel count of '{v.Name}' {v.Type.ShapeText}");

    private static long[] Perm(long a, long b, long c, long[] rest) => [a, b, c, .. rest];

    private static long[] L(int[] v) => v.Select(x => (long)x).ToArray();
}
