using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Det: determinant of square matrices in the last two dims.</summary>
public sealed class DetOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Det").Since(22).In("X").Out("Y")
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                if (x.Dims is null)
                {
                    ctx.SetOutput(0, x.Elem, null);
                    return;
                }
                if (x.Dims.Length < 2) throw ctx.Fail($"Det needs [*, M, M] input, got {x.ShapeText}");
                Dim a = x.Dims[^1], b = x.Dims[^2];
                if (a.IsKnown && b.IsKnown && a.Value != b.Value) throw ctx.Fail($"Det needs square matrices, got {x.ShapeText}");
                ctx.SetOutput(0, x.Elem, x.Dims[..^2]);
            })
            .WithKernel(DetKernel.Det)
            .Fuses(FusionKind.Opaque);
    }
}
