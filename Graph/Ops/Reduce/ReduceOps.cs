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
        Define(r, "ReduceSum", 13, 13, ReduceKernels.ReduceSum);
        Define(r, "ReduceMean", 18, 18, ReduceKernels.ReduceMean);
        Define(r, "ReduceMax", 20, 18, ReduceKernels.ReduceMax);
        Define(r, "ReduceMin", 20, 18, ReduceKernels.ReduceMin);
        Define(r, "ReduceProd", 18, 18, ReduceKernels.ReduceProd);
        Define(r, "ReduceL1", 18, 18, ReduceKernels.ReduceL1);
        Define(r, "ReduceL2", 18, 18, ReduceKernels.ReduceL2);
        Define(r, "ReduceLogSum", 18, 18, ReduceKernels.ReduceLogSum);
        Define(r, "ReduceLogSumExp", 18, 18, ReduceKernels.ReduceLogSumExp);
        Define(r, "ReduceSumSquare", 18, 18, ReduceKernels.ReduceSumSquare);
    }

    private static void Define(OpRegistry r, string name, int version, int axesInputSince, Kernel kernel)
    {
        r.Add(name).Since(version).In("data", "axes?").Out("reduced")
            .Attr("keepdims", 1L)
            .Attr("noop_with_empty_axes", 0L)
            .Infer(Infer)
            .WithKernel(kernel)
            .Fuses(FusionKind.CommReduce)
            .Upgrade(axesInputSince, "'axes' attribute becomes the optional second input",
                ctx => ctx.MoveAttributeToInput("axes", 1, DataType.Int64));
    }

    /// <summary>Shared inference: exact when the axes are constant (or absent), rank-only otherwise.</summary>
    public static void Infer(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        bool keepDims = ctx.Attributes.GetInt("keepdims") != 0;
        bool noop = ctx.Attributes.GetInt("noop_with_empty_axes") != 0;
        if (x.Dims is null)
        {
            ctx.SetOutput(0, x.Elem, null);
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
