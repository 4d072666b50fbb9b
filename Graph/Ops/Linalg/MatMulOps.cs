using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>MatMul and Gemm: the dense products. Both take elementwise epilogues when fused.</summary>
public sealed class MatMulOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("MatMul").Since(13).In("A", "B").Out("Y")
            .Infer(InferMatMul)
            .WithKernel(MatMulKernels.MatMul)
            .Fuses(FusionKind.OutEWiseFusable);

        r.Add("Gemm").Since(13).In("A", "B", "C?").Out("Y")
            .Attr("alpha", 1.0f)
            .Attr("beta", 1.0f)
            .Attr("transA", 0L)
            .Attr("transB", 0L)
            .Infer(InferGemm)
            .WithKernel(MatMulKernels.Gemm)
            .Fuses(FusionKind.OutEWiseFusable)
            // Gemm-1..6 had a 'broadcast' flag; since 7 C always broadcasts unidirectionally, which
            // is a superset of both old behaviours, so the flag can simply be dropped.
            .Upgrade(7, "drop the 'broadcast' attribute (C always broadcasts since opset 7)",
                ctx => ctx.Node.Attributes.Remove("broadcast"));
        // Gemm-11 made C optional: older models always pass it, which is still valid.
    }

    private static void InferMatMul(InferenceContext ctx)
    {
        var a = ctx.Required(0);
        var b = ctx.Required(1);
        var elem = a.Elem != DataType.Undefined ? a.Elem : b.Elem;
        if (a.Dims is null || b.Dims is null)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        if (a.Dims.Length == 0 || b.Dims.Length == 0) throw ctx.Fail("MatMul operands must have rank >= 1");
        var ad = a.Dims.Length == 1 ? new Dim[] { 1, a.Dims[0] } : a.Dims;
        var bd = b.Dims.Length == 1 ? new Dim[] { b.Dims[0], 1 } : b.Dims;
        Dim k = ad[^1], kb = bd[^2];
        if (k.IsKnown && kb.IsKnown && k.Value != kb.Value)
            throw ctx.Fail($"cannot multiply {a.ShapeText} by {b.ShapeText}: inner dimensions {k} and {kb} differ");
        var batch = Shapes.Broadcast(ctx, ad[..^2], bd[..^2])!;
        var dims = new List<Dim>(batch);
        if (a.Dims.Length != 1) dims.Add(ad[^2]);
        if (b.Dims.Length != 1) dims.Add(bd[^1]);
        ctx.SetOutput(0, elem, dims.ToArray());
    }

    private static void InferGemm(InferenceContext ctx)
    {
        var a = ctx.Required(0);
        var b = ctx.Required(1);
        if (a.Dims is null || b.Dims is null)
        {
            ctx.SetOutput(0, a.Elem, Shapes.UnknownOfRank(2));
            return;
        }
        if (a.Dims.Length != 2 || b.Dims.Length != 2) throw ctx.Fail($"Gemm needs 2-D A and B, got {a.ShapeText} and {b.ShapeText}");
        bool ta = ctx.Attributes.GetInt("transA") != 0, tb = ctx.Attributes.GetInt("transB") != 0;
        Dim m = ta ? a.Dims[1] : a.Dims[0], k = ta ? a.Dims[0] : a.Dims[1];
        Dim kb = tb ? b.Dims[1] : b.Dims[0], n = tb ? b.Dims[0] : b.Dims[1];
        if (k.IsKnown && kb.IsKnown && k.Value != kb.Value)
            throw ctx.Fail($"inner dimensions differ: op(A) is {m}x{k}, op(B) is {kb}x{n}");
        ctx.SetOutput(0, a.Elem, [m, n]);
    }
}
