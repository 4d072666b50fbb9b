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
            .Fuses(FusionKind.OutEWiseFusable)
            // B [K, N]: output channels along its last axis.
            .Quantizes(0, 1, -1, _ => -1)
            .Gradient(MatMulGradient);

        r.Add("Gemm").Since(13).In("A", "B", "C?").Out("Y")
            .Attr("alpha", 1.0f)
            .Attr("beta", 1.0f)
            .Attr("transA", 0L)
            .Attr("transB", 0L)
            .Infer(InferGemm)
            .WithKernel(MatMulKernels.Gemm)
            .Fuses(FusionKind.OutEWiseFusable)
            // B is [N, K] under transB, else [K, N].
            .Quantizes(0, 1, 2, n => n.Attributes.GetInt("transB") != 0 ? 0 : 1)
            // Gemm-1..6 had a 'broadcast' flag; since 7 C always broadcasts unidirectionally, which
            // is a superset of both old behaviours, so the flag can simply be dropped.
            .Upgrade(7, "drop the 'broadcast' attribute (C always broadcasts since opset 7)",
                ctx => ctx.Node.Attributes.Remove("broadcast"))
            .Gradient(GemmGradient);
        // Gemm-11 made C optional: older models always pass it, which is still valid.
    }

    /// <summary>
    /// Y = A·B (numpy matmul): dA = dY·Bᵀ, dB = Aᵀ·dY, each summed over the batch dims its operand was
    /// broadcast along. A 1-D operand is a row (A) or column (B) vector whose unit dim was dropped from Y.
    /// </summary>
    private static void MatMulGradient(GradientContext g)
    {
        var a = g.X(0);
        var b = g.X(1);
        if (!a.Type.HasRank || !b.Type.HasRank) throw g.Fail("operand ranks must be known to differentiate MatMul");
        bool aVec = a.Type.Rank == 1, bVec = b.Type.Rank == 1;
        var a2 = aVec ? g.Op("Unsqueeze", a, g.Ints(0)) : a;
        var b2 = bVec ? g.Op("Unsqueeze", b, g.Ints(1)) : b;
        var dy = g.dY(0)!;
        if (bVec) dy = g.Op("Unsqueeze", dy, g.Ints(-1));
        if (aVec) dy = g.Op("Unsqueeze", dy, g.Ints(-2));
        if (g.NeedsGrad(0))
        {
            var da = g.Op("MatMul", dy, SwapLast(g, b2));
            if (aVec) da = g.Op("Squeeze", da, g.Ints(-2));
            g.SetGrad(0, g.ReduceToShape(da, a));
        }
        if (g.NeedsGrad(1))
        {
            var db = g.Op("MatMul", SwapLast(g, a2), dy);
            if (bVec) db = g.Op("Squeeze", db, g.Ints(-1));
            g.SetGrad(1, g.ReduceToShape(db, b));
        }
    }

    private static Value SwapLast(GradientContext g, Value v)
    {
        int rank = v.Type.Rank;
        var perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (perm[rank - 2], perm[rank - 1]) = (perm[rank - 1], perm[rank - 2]);
        return g.Op("Transpose", [v], ("perm", perm));
    }

    /// <summary>
    /// Y = α·op(A)·op(B) + β·C. Each operand's gradient is itself one Gemm with the transposes arranged so
    /// that the result comes out in the operand's stored layout; C's is β·dY summed to C's shape.
    /// </summary>
    private static void GemmGradient(GradientContext g)
    {
        var dy = g.dY(0)!;
        long ta = g.Attributes.GetInt("transA"), tb = g.Attributes.GetInt("transB");
        float alpha = g.Attributes.GetFloat("alpha"), beta = g.Attributes.GetFloat("beta");
        if (g.NeedsGrad(0))
        {
            g.SetGrad(0, ta == 0
                ? g.Op("Gemm", [dy, g.X(1)], ("alpha", alpha), ("beta", 0f), ("transA", 0L), ("transB", 1 - tb))
                : g.Op("Gemm", [g.X(1), dy], ("alpha", alpha), ("beta", 0f), ("transA", tb), ("transB", 1L)));
        }
        if (g.NeedsGrad(1))
        {
            g.SetGrad(1, tb == 0
                ? g.Op("Gemm", [g.X(0), dy], ("alpha", alpha), ("beta", 0f), ("transA", 1 - ta), ("transB", 0L))
                : g.Op("Gemm", [dy, g.X(0)], ("alpha", alpha), ("beta", 0f), ("transA", 1L), ("transB", ta)));
        }
        if (g.NeedsGrad(2))
        {
            var dc = beta == 1 ? dy : g.Op("Mul", dy, g.ConstLike(beta, dy));
            g.SetGrad(2, g.ReduceToShape(dc, g.X(2)));
        }
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
