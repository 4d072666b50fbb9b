using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Concat and Split.</summary>
public sealed class JoinOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Concat").Since(13).In("inputs+").Out("concat_result")
            .RequiredAttr("axis", AttrType.Int)
            .Infer(InferConcat)
            .WithKernel(ConcatSplitKernels.Concat)
            .Fuses(FusionKind.Injective)
            .Upgrade(4, "Concat-1's optional 'axis' defaulted to 1", ctx =>
            {
                if (!ctx.Node.Attributes.HasExplicit("axis")) ctx.Node.Attributes.Set("axis", 1L);
            })
            .Gradient(ConcatGradient);

        r.Add("Split").Since(18).In("input", "split?").Out("outputs+")
            .Attr("axis", 0L)
            .OptionalAttr("num_outputs", AttrType.Int)
            .Infer(InferSplit)
            .WithKernel(ConcatSplitKernels.Split)
            .Fuses(FusionKind.Injective)
            .Upgrade(13, "Split-2/11's 'split' attribute becomes input 1", ctx => ctx.MoveAttributeToInput("split", 1, DataType.Int64))
            .Upgrade(18, "Split-13 without 'split' divides equally among its outputs: num_outputs = output count", ctx =>
            {
                if (ctx.Node.Input(1) is null && !ctx.Node.Attributes.HasExplicit("num_outputs"))
                    ctx.Node.Attributes.Set("num_outputs", (long)ctx.Node.Outputs.Count);
            })
            .NotDifferentiable(1)
            .Gradient(g =>
            {
                // Outputs nobody differentiated contribute zeros of their size.
                var parts = Enumerable.Range(0, g.OutputCount).Select(i => (Value?)g.dYOrZeros(i)).ToArray();
                g.SetGrad(0, g.Op("Concat", parts, ("axis", g.Attributes.GetInt("axis"))));
            });
    }

    /// <summary>dY split back into the inputs' extents along the axis (sizes from Shape when symbolic).</summary>
    private static void ConcatGradient(GradientContext g)
    {
        var first = g.X(0);
        if (!first.Type.HasRank) throw g.Fail("input rank must be known to differentiate Concat");
        long axis = g.Attributes.GetInt("axis");
        if (axis < 0) axis += first.Type.Rank;
        if (g.InputCount == 1)
        {
            g.SetGrad(0, g.dY(0)!);
            return;
        }
        var xs = Enumerable.Range(0, g.InputCount).Select(g.X).ToArray();
        Value sizes = xs.All(x => x.Type.Dims![axis].IsKnown)
            ? g.Ints(xs.Select(x => x.Type.Dims![axis].Value).ToArray())
            : g.Op("Concat", xs.Select(x => (Value?)g.Op("Shape", [x], ("start", axis), ("end", axis + 1))).ToArray(), ("axis", 0L));
        var parts = g.OpN("Split", xs.Length, [g.dY(0), sizes], ("axis", axis));
        for (int i = 0; i < xs.Length; i++) if (g.NeedsGrad(i)) g.SetGrad(i, parts[i]);
    }

    private static void InferConcat(InferenceContext ctx)
    {
        var types = Enumerable.Range(0, ctx.InputCount).Select(ctx.Input).OfType<TensorType>().ToArray();
        if (types.Length == 0) throw ctx.Fail("needs at least one input");
        var elem = types.Select(t => t.Elem).FirstOrDefault(e => e != DataType.Undefined);
        var known = types.Where(t => t.Dims is not null).ToArray();
        if (known.Length == 0)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        int rank = known[0].Rank;
        if (rank == 0) throw ctx.Fail("cannot concatenate scalars");
        int axis = Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), rank);
        var r = Shapes.UnknownOfRank(rank);
        for (int d = 0; d < rank; d++)
        {
            if (d == axis) continue;
            r[d] = known[0].Dims![d];
        }
        foreach (var t in known)
        {
            if (t.Rank != rank) throw ctx.Fail($"inputs have ranks {rank} and {t.Rank}");
            for (int d = 0; d < rank; d++)
            {
                if (d == axis) continue;
                var v = t.Dims![d];
                if (v.IsKnown && r[d].IsKnown && v.Value != r[d].Value)
                    throw ctx.Fail($"input shapes {known[0].ShapeText} and {t.ShapeText} differ outside axis {axis}");
                r[d] = TensorShapes.Unify(r[d], v);
            }
        }
        // The axis is a sum: constant when all are known, a lone symbol when the rest add to 0.
        if (known.Length == types.Length)
        {
            var parts = known.Select(t => t.Dims![axis]).ToArray();
            long sum = parts.Where(p => p.IsKnown).Sum(p => p.Value);
            var unknown = parts.Where(p => !p.IsKnown).ToArray();
            r[axis] = unknown.Length == 0 ? sum : unknown.Length == 1 && sum == 0 ? unknown[0] : Dim.Unknown;
        }
        ctx.SetOutput(0, elem, r);
    }

    private static void InferSplit(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        int n = ctx.OutputCount;
        if (x.Dims is not { } d)
        {
            for (int i = 0; i < n; i++) ctx.SetOutput(i, x.Elem, null);
            return;
        }
        if (d.Length == 0) throw ctx.Fail("cannot split a scalar");
        int axis = Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), d.Length);
        var sizes = new Dim[n];
        var split = TensorShapes.ConstInts(ctx, 1);
        long numOutputs = ctx.Attributes.GetInt("num_outputs", 0);
        if (split is not null)
        {
            if (split.Length != n) throw ctx.Fail($"split has {split.Length} entries but the node has {n} outputs");
            if (split.Any(s => s < 0)) throw ctx.Fail("split sizes must be non-negative");
            if (d[axis].IsKnown && split.Sum() != d[axis].Value) throw ctx.Fail($"split [{string.Join(",", split)}] does not add up to {d[axis]}");
            for (int i = 0; i < n; i++) sizes[i] = split[i];
        }
        else if (ctx.HasInput(1) || !d[axis].IsKnown)
        {
            for (int i = 0; i < n; i++) sizes[i] = n == 1 && !ctx.HasInput(1) ? d[axis] : Dim.Unknown;
        }
        else
        {
            if (numOutputs > 0 && numOutputs != n) throw ctx.Fail($"num_outputs is {numOutputs} but the node has {n} outputs");
            long dim = d[axis].Value;
            if (numOutputs <= 0 && dim % n != 0) throw ctx.Fail($"axis size {dim} cannot be split into {n} equal parts");
            long chunk = (dim + n - 1) / n, left = dim;
            for (int i = 0; i < n; i++)
            {
                sizes[i] = Math.Min(chunk, left);
                left -= sizes[i].Value;
            }
        }
        for (int i = 0; i < n; i++)
        {
            var r = (Dim[])d.Clone();
            r[axis] = sizes[i];
            ctx.SetOutput(i, x.Elem, r);
        }
    }
}
