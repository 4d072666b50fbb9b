using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Permutations and repetitions: Transpose, DepthToSpace, SpaceToDepth, Expand, Tile.</summary>
public sealed class LayoutOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Transpose").Since(25).In("data").Out("transposed")
            .OptionalAttr("perm", AttrType.Ints)
            .Infer(InferTranspose)
            .WithKernel(TransposeKernels.Transpose)
            .Fuses(FusionKind.Injective)
            .Gradient(TransposeGradient);

        r.Add("DepthToSpace").Since(13).In("input").Out("output")
            .RequiredAttr("blocksize", AttrType.Int)
            .Attr("mode", "DCR")
            .Infer(ctx => InferBlocks(ctx, toSpace: true))
            .WithKernel(TransposeKernels.DepthToSpace)
            .Fuses(FusionKind.Injective)
            .Gradient(DepthToSpaceGradient);

        r.Add("SpaceToDepth").Since(13).In("input").Out("output")
            .RequiredAttr("blocksize", AttrType.Int)
            .Infer(ctx => InferBlocks(ctx, toSpace: false))
            .WithKernel(TransposeKernels.SpaceToDepth)
            .Fuses(FusionKind.Injective)
            // SpaceToDepth is exactly undone by DepthToSpace in DCR order.
            .Gradient(g => g.SetGrad(0, g.Op("DepthToSpace", [g.dY(0)], ("blocksize", g.Attributes.GetInt("blocksize")), ("mode", "DCR"))));

        r.Add("Expand").Since(13).In("input", "shape").Out("output")
            .Infer(InferExpand)
            .WithKernel(ExpandKernels.Expand)
            .Fuses(FusionKind.Broadcast)
            .NotDifferentiable(1)
            .Gradient(g => g.SetGrad(0, g.ReduceToShape(g.dY(0)!, g.X(0))));

        r.Add("Tile").Since(13).In("input", "repeats").Out("output")
            .Infer(InferTile)
            .WithKernel(ExpandKernels.Tile)
            .Fuses(FusionKind.Injective)
            .NotDifferentiable(1)
            .Gradient(TileGradient);
    }

    /// <summary>
    /// DCR is undone by SpaceToDepth. CRD: dY [N, C, H·b, W·b] viewed as [N, C, H, b, W, b] and permuted back to the
    /// forward's [N, C, b, b, H, W] view of the input (C, H, W must be known; N may be symbolic).
    /// </summary>
    private static void DepthToSpaceGradient(GradientContext g)
    {
        long b = g.Attributes.GetInt("blocksize");
        if (g.Attributes.GetString("mode") != "CRD")
        {
            g.SetGrad(0, g.Op("SpaceToDepth", [g.dY(0)], ("blocksize", b)));
            return;
        }
        var x = g.X(0);
        if (x.Type.Dims is not { Length: 4 } || x.Type.Dims.Skip(1).Any(d => !d.IsKnown)) throw g.Fail("C, H and W must be known to differentiate CRD DepthToSpace");
        long c = x.Type.Dims[1].Value / (b * b), h = x.Type.Dims[2].Value, w = x.Type.Dims[3].Value;
        var view = g.Op("Reshape", g.dY(0), g.Ints(0, c, h, b, w, b));
        var back = g.Op("Transpose", [view], ("perm", new long[] { 0, 1, 3, 5, 2, 4 }));
        g.SetGrad(0, g.Op("Reshape", back, g.Ints(0, c * b * b, h, w)));
    }

    /// <summary>The inverse permutation (no perm means reversed axes, its own inverse).</summary>
    private static void TransposeGradient(GradientContext g)
    {
        var perm = g.Attributes.GetIntsOrNull("perm");
        if (perm is null)
        {
            g.SetGrad(0, g.Op("Transpose", g.dY(0)));
            return;
        }
        var inverse = new long[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i] < 0 ? perm[i] + perm.Length : perm[i]] = i;
        g.SetGrad(0, g.Op("Transpose", [g.dY(0)], ("perm", inverse)));
    }

    /// <summary>
    /// dY viewed as [r0, d0, r1, d1, …] (repeat count before each input dim, as Tile lays copies out)
    /// summed over the repeat axes. The repeats must be constant; the input dims may be symbolic.
    /// </summary>
    private static void TileGradient(GradientContext g)
    {
        var x = g.X(0);
        var repeats = g.ConstantOf(g.X(1))?.ToInt64Array() ?? throw g.Fail("the repeats must be constant to differentiate Tile");
        int rank = repeats.Length;
        Value shape = x.Type.IsStatic
            ? g.Ints(Enumerable.Range(0, rank).SelectMany(i => new[] { repeats[i], x.Type.Dims![i].Value }).ToArray())
            : g.Op("Concat", Enumerable.Range(0, rank).SelectMany(i => new Value?[] { g.Ints(repeats[i]), g.Op("Shape", [x], ("start", (long)i), ("end", (long)i + 1)) }).ToArray(), ("axis", 0L));
        var split = g.Op("Reshape", g.dY(0), shape);
        var summed = g.Op("ReduceSum", [split, g.Ints(Enumerable.Range(0, rank).Select(i => 2L * i).ToArray())], ("keepdims", 0L));
        g.SetGrad(0, summed);
    }

    private static void InferTranspose(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        var permAttr = ctx.Attributes.GetIntsOrNull("perm");
        if (permAttr is not null && permAttr.Length != d.Length)
            throw ctx.Fail($"perm has {permAttr.Length} entries but the input has rank {d.Length}");
        var perm = permAttr is null ? Enumerable.Range(0, d.Length).Reverse().ToArray() : TensorShapes.Axes(ctx, permAttr, d.Length);
        ctx.SetOutput(0, x.Elem, perm.Select(p => d[p]).ToArray());
    }

    private static void InferBlocks(InferenceContext ctx, bool toSpace)
    {
        var x = ctx.Required(0);
        long b = ctx.Attributes.GetInt("blocksize");
        if (b <= 0) throw ctx.Fail($"blocksize {b} must be positive");
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, Shapes.UnknownOfRank(4));
            return;
        }
        if (d.Length != 4) throw ctx.Fail($"input must be 4-D, got {x.ShapeText}");
        Dim Mul(Dim v) => v.IsKnown ? v.Value * b : Dim.Unknown;
        Dim Div(Dim v, long by)
        {
            if (!v.IsKnown) return Dim.Unknown;
            if (v.Value % by != 0) throw ctx.Fail($"dim {v.Value} is not divisible by {by}");
            return v.Value / by;
        }
        ctx.SetOutput(0, x.Elem, toSpace
            ? [d[0], Div(d[1], b * b), Mul(d[2]), Mul(d[3])]
            : [d[0], d[1].IsKnown ? d[1].Value * b * b : Dim.Unknown, Div(d[2], b), Div(d[3], b)]);
    }

    private static void InferExpand(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var shape = TensorShapes.ConstInts(ctx, 1);
        if (shape is not null)
        {
            ctx.SetOutput(0, x.Elem, x.Dims is null ? null : Shapes.Broadcast(ctx, x.Dims, Shapes.Of(shape)));
            return;
        }
        int n = TensorShapes.StaticLength(ctx.Input(1));
        if (n < 0 || x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        // Unknown target: a known input dim above 1 must survive; everything else is unknown.
        int rank = Math.Max(n, d.Length);
        var r = Shapes.UnknownOfRank(rank);
        for (int i = 0; i < d.Length; i++)
        {
            if (d[i].IsKnown && d[i].Value > 1) r[rank - d.Length + i] = d[i];
        }
        ctx.SetOutput(0, x.Elem, r);
    }

    private static void InferTile(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var repeats = TensorShapes.ConstInts(ctx, 1);
        if (x.Dims is not { } d)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        if (repeats is null)
        {
            ctx.SetOutput(0, x.Elem, Shapes.UnknownOfRank(d.Length));
            return;
        }
        if (repeats.Length != d.Length) throw ctx.Fail($"repeats has {repeats.Length} entries but the input has rank {d.Length}");
        if (repeats.Any(v => v < 0)) throw ctx.Fail("repeats must be non-negative");
        ctx.SetOutput(0, x.Elem, d.Select((v, i) => repeats[i] == 1 ? v : v.IsKnown ? v.Value * repeats[i] : repeats[i] == 0 ? 0 : Dim.Unknown).ToArray());
    }
}
