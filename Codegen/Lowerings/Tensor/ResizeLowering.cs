using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Kernels;
using static Engine.Codegen.Lowerings.LoweringText;

namespace Engine.Codegen.Lowerings.TensorOps;


/// <summary>
/// Resize of the last two dims (leading dims unchanged), nearest (any 1/2/4/8-byte type) or bilinear (float32),
/// every coordinate transformation and nearest-rounding mode except tf_crop_and_resize: the per-axis tap tables are
/// computed at compile time by the reference kernel's own code (<see cref="ResizeKernel.AxisTable"/>) and baked
/// into the weights, so the generated call only gathers and blends. Cubic and antialiased linear fall back.
/// </summary>
public sealed class ResizeLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        var a = ctx.Attributes;
        string mode = a.GetString("mode");
        if (mode is not ("nearest" or "linear")) return $"mode '{mode}'";
        if (a.GetString("coordinate_transformation_mode") == "tf_crop_and_resize") return "tf_crop_and_resize";
        if (mode == "linear" && a.GetInt("antialias") != 0) return "antialias";
        if (mode == "linear" && ctx.InType(0) != DataType.Float) return "linear resize of a non-float32 tensor";
        int es = ElemSize(ctx.InType(0));
        if (es == 0) return $"{ctx.InType(0)} elements";
        var s = ctx.InShape(0);
        var o = ctx.OutShape(0);
        int r = s.Length;
        if (r < 2 || o.Length != r) return "rank below 2";
        // Opset 10 Resize has inputs (X, scales); later ones (X, roi, scales, sizes).
        int scalesAt = ctx.InputCount == 2 ? 1 : 2;
        Tensor? scalesT = scalesAt < ctx.InputCount && ctx.HasInput(scalesAt) ? ctx.Constant(scalesAt) : null;
        Tensor? sizesT = 3 < ctx.InputCount && ctx.HasInput(3) ? ctx.Constant(3) : null;
        if (scalesT is { Length: 0 }) scalesT = null;
        if (sizesT is { Length: 0 }) sizesT = null;
        if (scalesT is null && sizesT is null) return "scales/sizes are not compile-time constants";
        ResizeKernel.ResizeGeometry geo;
        try
        {
            var axes = ResizeKernel.Axes(a.GetIntsOrNull("axes"), r, m => new EngineException(m));
            geo = ResizeKernel.Geometry(s, scalesT?.ToDoubleArray().Select(v => (float)v).ToArray(), sizesT?.ToInt64Array(), axes,
                a.GetString("keep_aspect_ratio_policy"), m => new EngineException(m));
        }
        catch (EngineException e)
        {
            return e.Message;
        }
        if (!geo.OutShape.SequenceEqual(o)) return "output shape differs";
        for (int d = 0; d < r - 2; d++)
            if (s[d] != o[d] || geo.Scales[d] != 1) return "a leading dim is resized";
        int h = s[r - 2], w = s[r - 1], oh = o[r - 2], ow = o[r - 1];
        long planes = Product(s.AsSpan(0, r - 2));
        if (planes * Math.Max((long)h * w, (long)oh * ow) > int.MaxValue) return "too large";
        if (planes == 0 || oh == 0 || ow == 0) return null;
        if (h == 0 || w == 0) return "resizing an empty axis";
        var rows = ResizeKernel.AxisTable(h, oh, geo.Scales[r - 2], geo.FromSizes, a);
        var cols = ResizeKernel.AxisTable(w, ow, geo.Scales[r - 1], geo.FromSizes, a);
        int want = mode == "nearest" ? 1 : 2;
        if (rows.Count != want || cols.Count != want) return "unexpected tap count";
        string ri = ctx.Weights(Tensor.FromArray(rows.Index, rows.Index.Length));
        string ci = ctx.Weights(Tensor.FromArray(cols.Index, cols.Index.Length));
        if (mode == "nearest")
        {
            ctx.Line($"Resize2D.Nearest({ctx.In(0)}, {ctx.Out(0)}, {I(planes)}, {I(h)}, {I(w)}, {I(oh)}, {I(ow)}, {ri}, {ci}, {I(es)}, {ctx.Threads});");
            return null;
        }
        string rw = ctx.Weights(Tensor.FromArray(rows.Weight.Select(v => (float)v).ToArray(), rows.Weight.Length));
        string cw = ctx.Weights(Tensor.FromArray(cols.Weight.Select(v => (float)v).ToArray(), cols.Weight.Length));
        ctx.Line($"Resize2D.Linear({ctx.In(0)}, {ctx.Out(0)}, {I(planes)}, {I(h)}, {I(w)}, {I(oh)}, {I(ow)}, {ri}, {rw}, {ci}, {cw}, {ctx.Threads});");
        return null;
    }
}
