using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Resize (opset 19 form) and the deprecated Upsample, which imports as Resize.</summary>
public sealed class ResizeOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Resize").Since(19).In("X", "roi?", "scales?", "sizes?").Out("Y")
            .Attr("antialias", 0L)
            .OptionalAttr("axes", AttrType.Ints)
            .Attr("coordinate_transformation_mode", "half_pixel")
            .Attr("cubic_coeff_a", -0.75f)
            .Attr("exclude_outside", 0L)
            .Attr("extrapolation_value", 0.0f)
            .Attr("keep_aspect_ratio_policy", "stretch")
            .Attr("mode", "nearest")
            .Attr("nearest_mode", "round_prefer_floor")
            .Infer(ctx => InferResize(ctx, 2, 3))
            .WithKernel(ResizeKernel.Resize)
            .Fuses(FusionKind.Injective)
            // Resize-10 took (X, scales) and used asymmetric coordinates with floor rounding for nearest.
            // Opsets 11-12 also allowed coordinate_transformation_mode "tf_half_pixel_for_nn"; the
            // kernel still accepts it (x_original = (x + 0.5) / scale) since 13+ has no equivalent.
            .Upgrade(11, "Resize-10 (X, scales): move scales to input 2, asymmetric coordinates, floor rounding",
                ctx =>
                {
                    // Only the two-input Resize-10 form needs it (a rewritten Upsample already has three).
                    if (ctx.Node.Inputs.Count == 2) ToResize11(ctx.Node, ctx.Node.Input(1));
                });

        r.Add("Upsample").Since(10).In("X", "scales").Out("Y")
            .Attr("mode", "nearest")
            .Infer(ctx => InferResize(ctx, 1, -1))
            .WithKernel(UpsampleKernel)
            .Fuses(FusionKind.Injective)
            .Upgrade(9, "Upsample-7/8 carried 'scales' as an attribute: move it to input 1",
                ctx =>
                {
                    if (ctx.Node.Attributes.HasExplicit("height_scale") || ctx.Node.Attributes.HasExplicit("width_scale"))
                        throw ctx.Fail("experimental Upsample-1 (height_scale/width_scale) is not supported");
                    ctx.MoveAttributeToInput("scales", 1, DataType.Float);
                })
            .Upgrade(11, "Upsample was removed after opset 10: rewrite as the equivalent Resize",
                ctx =>
                {
                    ctx.Node.Rebind(ctx.Registry.Get("Resize"));
                    ToResize11(ctx.Node, ctx.Node.Input(1));
                });
    }

    /// <summary>Rewrites a node to Resize's modern signature with Resize-10/Upsample semantics.</summary>
    private static void ToResize11(Node node, Value? scales)
    {
        var x = node.Input(0);
        node.ClearInputs();
        node.AddInput(x);
        node.AddInput(null);
        node.AddInput(scales);
        var mode = node.Attributes.GetString("mode", "nearest");
        node.Attributes.Set("mode", mode is "bilinear" or "trilinear" ? "linear" : mode);
        node.Attributes.Set("coordinate_transformation_mode", "asymmetric");
        node.Attributes.Set("nearest_mode", "floor");
    }

    /// <summary>Upsample without the import rewrite (a graph built directly): run it as Resize-10 would.</summary>
    private static Tensor?[] UpsampleKernel(KernelContext ctx, Tensor?[] inputs)
    {
        var attrs = new AttributeMap(OpRegistry.Default.Get("Resize").Defaults) { Owner = ctx.Attributes.Owner };
        var mode = ctx.Attributes.GetString("mode");
        attrs.Set("mode", mode is "bilinear" or "trilinear" ? "linear" : mode);
        attrs.Set("coordinate_transformation_mode", "asymmetric");
        attrs.Set("nearest_mode", "floor");
        var inner = new KernelContext(attrs, ctx.OutputCount, ctx.NodeName) { Threads = ctx.Threads };
        return ResizeKernel.Resize(inner, [inputs[0], null, inputs.Length > 1 ? inputs[1] : null]);
    }

    /// <summary>Output shape from constant scales or sizes; otherwise only what is certain.</summary>
    private static void InferResize(InferenceContext ctx, int scalesIndex, int sizesIndex)
    {
        var x = ctx.Required(0);
        if (x.Dims is null)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        int rank = x.Dims.Length;
        var axes = ResizeKernel.Axes(ctx.Attributes.GetIntsOrNull("axes"), rank, m => ctx.Fail(m));
        Tensor? scales = scalesIndex >= 0 ? ctx.ConstantInput(scalesIndex) : null;
        Tensor? sizes = sizesIndex >= 0 ? ctx.ConstantInput(sizesIndex) : null;
        bool scalesGiven = scalesIndex >= 0 && ctx.HasInput(scalesIndex) && scales is not { Length: 0 };
        bool sizesGiven = sizesIndex >= 0 && ctx.HasInput(sizesIndex) && sizes is not { Length: 0 };
        string policy = ctx.Attributes.GetString("keep_aspect_ratio_policy", "stretch");

        var dims = (Dim[])x.Dims.Clone();
        // Dims not in 'axes' keep their size; the resized ones are known only from constants.
        foreach (int d in axes) dims[d] = Dim.Unknown;
        if (sizesGiven && sizes is { Length: > 0 })
        {
            var sz = sizes.ToInt64Array();
            if (sz.Length != axes.Length) throw ctx.Fail($"'sizes' has {sz.Length} values but {axes.Length} axes are resized");
            if (policy == "stretch")
            {
                for (int i = 0; i < axes.Length; i++) dims[axes[i]] = Dim.Of(sz[i]);
            }
            else if (x.IsStatic)
            {
                var g = ResizeKernel.Geometry(x.StaticShape(), null, sz, axes, policy, m => ctx.Fail(m));
                dims = Shapes.Of(g.OutShape);
            }
        }
        else if (scalesGiven && !sizesGiven && scales is { Length: > 0 })
        {
            var sc = scales.ToDoubleArray();
            if (sc.Length != axes.Length) throw ctx.Fail($"'scales' has {sc.Length} values but {axes.Length} axes are resized");
            for (int i = 0; i < axes.Length; i++)
            {
                var d = x.Dims[axes[i]];
                float s = (float)sc[i];
                if (d.IsKnown) dims[axes[i]] = Dim.Of((long)Math.Floor(s * (double)d.Value));
                else if (s == 1f) dims[axes[i]] = d;
            }
        }
        ctx.SetOutput(0, x.Elem, dims);
    }
}
