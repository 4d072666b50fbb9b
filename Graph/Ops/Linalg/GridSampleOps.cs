using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>GridSample and AffineGrid: spatial transformer sampling.</summary>
public sealed class GridSampleOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("GridSample").Since(22).In("X", "grid").Out("Y")
            .Attr("align_corners", 0L)
            .Attr("mode", "linear")
            .Attr("padding_mode", "zeros")
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                var g = ctx.Required(1);
                if (x.Dims is null || g.Dims is null)
                {
                    ctx.SetOutput(0, x.Elem, x.Dims is null ? null : Shapes.UnknownOfRank(x.Dims.Length));
                    return;
                }
                if (x.Dims.Length < 3 || g.Dims.Length != x.Dims.Length)
                    throw ctx.Fail($"grid {g.ShapeText} does not fit X {x.ShapeText}");
                ctx.SetOutput(0, x.Elem, [x.Dims[0], x.Dims[1], .. g.Dims[1..^1]]);
            })
            .WithKernel(GridSampleKernel.GridSample)
            .Fuses(FusionKind.Opaque)
            // GridSample-16 was 2-D only and named its modes bilinear/bicubic; 20 renamed them.
            .Upgrade(20, "mode 'bilinear'/'bicubic' became 'linear'/'cubic'", ctx =>
            {
                var a = ctx.Node.Attributes;
                var mode = a.GetString("mode", "bilinear");
                a.Set("mode", mode switch { "bilinear" => "linear", "bicubic" => "cubic", _ => mode });
            });

        r.Add("AffineGrid").Since(20).In("theta", "size").Out("grid")
            .Attr("align_corners", 0L)
            .Infer(ctx =>
            {
                var theta = ctx.Required(0);
                var size = ctx.ConstantInput(1);
                if (size is not null)
                {
                    var s = size.ToInt64Array();
                    if (s.Length is not (4 or 5)) throw ctx.Fail($"size must have 4 or 5 values, got {s.Length}");
                    ctx.SetOutput(0, theta.Elem, [Dim.Of(s[0]), .. s[2..].Select(Dim.Of), Dim.Of(s.Length - 2)]);
                    return;
                }
                var sizeType = ctx.Required(1);
                if (sizeType.Dims is [{ IsKnown: true } len] && len.Value is 4 or 5)
                {
                    var n = theta.Dims is { Length: 3 } td ? td[0] : Dim.Unknown;
                    ctx.SetOutput(0, theta.Elem, [n, .. Shapes.UnknownOfRank((int)len.Value - 2), Dim.Of(len.Value - 2)]);
                    return;
                }
                ctx.SetOutput(0, theta.Elem, null);
            })
            .WithKernel(AffineGridKernel.AffineGrid)
            .Fuses(FusionKind.Opaque);
    }
}
