using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Cast, CastLike and BitCast.</summary>
public sealed class CastOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        // 'saturate' and 'round_mode' only matter for float8/e8m0 targets, which we don't support;
        // they are declared so models that set them import.
        r.Add("Cast").Since(25).In("input").Out("output")
            .RequiredAttr("to", AttrType.Int)
            .Attr("saturate", 1)
            .Attr("round_mode", "up")
            .Infer(ctx => ctx.SetOutput(0, ElementwiseInference.TypeAttribute(ctx, "to"), ctx.Required(0).Dims))
            .WithKernel(CastKernels.Cast)
            .Fuses(FusionKind.ElemWise)
            .Upgrade(6, "'to' from a type name to a type code", CastToTypeCode)
            .Gradient(g => g.SetGrad(0, g.Cast(g.dY(0)!, g.X(0).Type.Elem)));

        r.Add("CastLike").Since(25).In("input", "target_type").Out("output")
            .Attr("saturate", 1)
            .Attr("round_mode", "up")
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(1).Elem, ctx.Required(0).Dims))
            .WithKernel(CastKernels.CastLike)
            .Fuses(FusionKind.ElemWise)
            .NotDifferentiable(1)
            .Gradient(g => g.SetGrad(0, g.Cast(g.dY(0)!, g.X(0).Type.Elem)));

        r.Add("BitCast").Since(26).In("input").Out("output")
            .RequiredAttr("to", AttrType.Int)
            .Infer(ctx => ctx.SetOutput(0, ElementwiseInference.TypeAttribute(ctx, "to"), ctx.Required(0).Dims))
            .WithKernel(CastKernels.BitCast)
            .Fuses(FusionKind.ElemWise);
    }

    /// <summary>Cast-1 named the target type ("FLOAT", "INT64", …); later opsets use TensorProto codes.</summary>
    private static void CastToTypeCode(ImportRuleContext ctx)
    {
        if (ctx.Node.Attributes.Get("to") is not string name) return;
        if (!Enum.TryParse<DataType>(name, ignoreCase: true, out var t) || !Enum.IsDefined(t) || t == DataType.Undefined)
            throw ctx.Fail($"unknown Cast target type '{name}'");
        ctx.Node.Attributes.Set("to", (long)t);
    }
}
