using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// The ReduceXxx family. Canonical form: 'axes' is the optional second input (ReduceSum since 13,
/// the others since 18); older opsets carried it as an attribute, which the upgrade rule moves.
/// </summary>
public sealed class ReduceOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        // Every rule first restores the reduced axes (Unsqueeze when keepdims = 0), so the incoming
        // gradient and the forward result broadcast against the input.
        Define(r, "ReduceSum", 13, 13, ReduceKernels.ReduceSum).Gradient(g =>
            g.SetGrad(0, g.ExpandTo(Restore(g, g.dY(0)!), g.X(0))));
        Define(r, "ReduceMean", 18, 18, ReduceKernels.ReduceMean).Gradient(g =>
            g.SetGrad(0, g.ExpandTo(g.Op("Div", Restore(g, g.dY(0)!), ReducedCount(g)), g.X(0))));
        Define(r, "ReduceMax", 20, 18, ReduceKernels.ReduceMax).Gradient(SelectedGradient);
        Define(r, "ReduceMin", 20, 18, ReduceKernels.ReduceMin).Gradient(SelectedGradient);
        // d(Πx)/dx_i = Π/x_i: exact away from zeros (a zero element gives inf/NaN, not a silent 0).
        Define(r, "ReduceProd", 18, 18, ReduceKernels.ReduceProd).Gradient(g =>
            g.SetGrad(0, g.Op("Div", g.Op("Mul", Restore(g, g.dY(0)!), Restore(g, g.Y(0))), g.X(0))));
        Define(r, "ReduceL1", 18, 18, ReduceKernels.ReduceL1).Gradient(g =>
            g.SetGrad(0, g.Op("Mul", g.Op("Sign", g.X(0)), Restore(g, g.dY(0)!))));
        Define(r, "ReduceL2", 18, 18, ReduceKernels.ReduceL2).Gradient(g =>
            g.SetGrad(0, g.Op("Mul", g.X(0), g.Op("Div", Restore(g, g.dY(0)!), Restore(g, g.Y(0))))));
        Define(r, "ReduceLogSum", 18, 18, ReduceKernels.ReduceLogSum).Gradient(g =>
            g.SetGrad(0, g.ExpandTo(g.Op("Div", Restore(g, g.dY(0)!), g.Op("Exp", Restore(g, g.Y(0)))), g.X(0))));
        Define(r, "ReduceLogSumExp", 18, 18, ReduceKernels.ReduceLogSumExp).Gradient(g =>
            g.SetGrad(0, g.Op("Mul", Restore(g, g.dY(0)!), g.Op("Exp", g.Op("Sub", g.X(0), Restore(g, g.Y(0)))))));
        Define(r, "ReduceSumSquare", 18, 18, ReduceKernels.ReduceSumSquare).Gradient(g =>
            g.SetGrad(0, g.Op("Mul", g.Op("Mul", g.X(0), g.ConstLike(2, g.X(0))), Restore(g, g.dY(0)!))));
    }

    /// <summary>
    /// <paramref name="v"/> (shaped like the result) with the reduced axes put back as size-1 dims, so it
    /// broadcasts against the input. Without axes (and noop_with_empty_axes = 0) every axis was reduced.
    /// </summary>
    private static Value Restore(GradientContext g, Value v)
    {
        if (g.Attributes.GetInt("keepdims") != 0) return v;
        Value? axes = g.HasX(1) ? g.X(1) : null;
        if (axes is not null && g.ConstantOf(axes) is { Length: 0 }) axes = null;
        // No axes: either nothing was reduced (noop) or everything was, and a scalar broadcasts as it is.
        return axes is null ? v : g.Op("Unsqueeze", v, axes);
    }

    /// <summary>How many input elements went into each result element (a constant when shapes are static).</summary>
    private static Value ReducedCount(GradientContext g)
    {
        var x = g.X(0);
        var y = g.Y(0);
        if (x.Type.IsStatic && y.Type.IsStatic)
            return g.ConstLike(Runtime.Tensor.ElementCount(x.Type.StaticShape()) / Math.Max(1, Runtime.Tensor.ElementCount(y.Type.StaticShape())), x);
        return g.Op("Div", g.Cast(g.Op("Size", x), x.Type.Elem), g.Cast(g.Op("Size", y), x.Type.Elem));
    }

    /// <summary>ReduceMax/Min: the gradient goes to the elements equal to the result, split evenly between ties.</summary>
    private static void SelectedGradient(GradientContext g)
    {
        var x = g.X(0);
        var mask = g.Mask(g.Op("Equal", x, Restore(g, g.Y(0))), x);
        var count = g.Attributes.GetInt("keepdims") != 0 ? CountLike(g, mask) : Restore(g, CountLike(g, mask));
        g.SetGrad(0, g.Op("Mul", mask, g.Op("Div", Restore(g, g.dY(0)!), count)));
    }

    /// <summary>The forward reduction's ReduceSum over the same axes (same attributes).</summary>
    private static Value CountLike(GradientContext g, Value v) =>
        g.Op("ReduceSum", [v, g.HasX(1) ? g.X(1) : null],
            ("keepdims", g.Attributes.GetInt("keepdims")), ("noop_with_empty_axes", g.Attributes.GetInt("noop_with_empty_axes")));

    private static OpSchema Define(OpRegistry r, string name, int version, int axesInputSince, Kernel kernel) =>
        r.Add(name).Since(version).In("data", "axes?").Out("reduced")
            .Attr("keepdims", 1L)
            .Attr("noop_with_empty_axes", 0L)
            .Infer(Infer)
            .WithKernel(kernel)
            .Fuses(FusionKind.CommReduce)
            .Upgrade(axesInputSince, "'axes' attribute becomes the optional second input",
                ctx => ctx.MoveAttributeToInput("axes", 1, DataType.Int64))
            .NotDifferentiable(1);

    /// <summary>Shared inference: exact when the axes are constant (or absent), rank-only otherwise.</summary>
    public static void Infer(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        bool keepDims = ctx.Attributes.GetInt("keepdims") != 0;
        bool noop = ctx.Attributes.GetInt("noop_with_empty_axes") != 0;
        if (x.Dims is null)
        {
            // Reducing every axis without keepdims gives a scalar whatever the rank.
            bool all = !ctx.HasInput(1) && !keepDims && !noop;
            ctx.SetOutput(0, x.Elem, all ? [] : null);
            return;
        }
        long[]? axes = null;
        if (ctx.HasInput(1))
        {
            if (ctx.ConstantInput(1) is not { } c)
            {
                // Which axes go is unknown: with keepdims the rank survives, otherwise nothing is known.
                ctx.SetOutput(0, x.Elem, keepDims ? Shapes.UnknownOfRank(x.Rank) : null);
                return;
            }
            axes = c.ToInt64Array();
        }
        var mask = ReduceAxes.Mask(x.Rank, axes, noop, m => ctx.Fail(m));
        var dims = new List<Dim>(x.Rank);
        for (int i = 0; i < x.Rank; i++)
        {
            if (!mask[i]) dims.Add(x.Dims[i]);
            else if (keepDims) dims.Add(1);
        }
        ctx.SetOutput(0, x.Elem, dims.ToArray());
    }
}
