using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Softmax, LogSoftmax and Hardmax: normalisations along one axis (opset 13 form).</summary>
public sealed class SoftmaxOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        // Opaque as in TVM: a reduction and a broadcast back in one op.
        // dx = y·(dY − Σ dY·y) along the axis.
        Define(r, "Softmax", SoftmaxKernels.Softmax, FusionKind.Opaque).Gradient(g =>
        {
            var y = g.Y(0);
            var axis = g.Ints(g.Attributes.GetInt("axis"));
            var dot = g.Op("ReduceSum", [g.Op("Mul", g.dY(0), y), axis], ("keepdims", 1L));
            g.SetGrad(0, g.Op("Mul", y, g.Op("Sub", g.dY(0), dot)));
        });
        // dx = dY − softmax·Σ dY along the axis (softmax = exp(y)).
        Define(r, "LogSoftmax", SoftmaxKernels.LogSoftmax, FusionKind.Opaque).Gradient(g =>
        {
            var sum = g.Op("ReduceSum", [g.dY(0), g.Ints(g.Attributes.GetInt("axis"))], ("keepdims", 1L));
            g.SetGrad(0, g.Op("Sub", g.dY(0), g.Op("Mul", g.Op("Exp", g.Y(0)), sum)));
        });
        Define(r, "Hardmax", SoftmaxKernels.Hardmax, FusionKind.Opaque).ZeroGradient();
    }

    private static OpSchema Define(OpRegistry r, string name, Kernel kernel, FusionKind fusion) =>
        r.Add(name).Since(13).In("input").Out("output")
            .Attr("axis", -1L)
            .Infer(ctx =>
            {
                var t = ctx.Required(0);
                if (t.Dims is { Length: > 0 } d) Shapes.Axis(ctx, ctx.Attributes.GetInt("axis"), d.Length);
                ctx.SetOutput(0, t);
            })
            .WithKernel(kernel)
            .Fuses(fusion)
            .Upgrade(13, "opsets 1-12 coerce the input to 2-D at 'axis' (default 1): Flatten, normalise the last axis, Reshape back",
                ctx => CoerceTo2D(ctx, name));

    /// <summary>
    /// Before opset 13 these ops flattened the input to [prod(dims before axis), prod(dims from axis)]
    /// and normalised each row. The modern op normalises one axis, so the old form becomes
    /// Shape(x), Flatten(x, axis) → op(axis=-1) → Reshape(·, shape): this node turns into the Reshape.
    /// When the axis is already the last one, both forms agree and only the axis is rewritten.
    /// </summary>
    private static void CoerceTo2D(ImportRuleContext ctx, string name)
    {
        var node = ctx.Node;
        long axis = node.Attributes.HasExplicit("axis") ? node.Attributes.GetInt("axis") : 1;
        var x = node.Input(0) ?? throw ctx.Fail("input is required");
        int rank = x.Type.Rank;
        if (axis == -1 || (rank > 0 && axis == rank - 1))
        {
            node.Attributes.Set("axis", -1L);
            return;
        }
        var reg = ctx.Registry;
        var shape = NodeFactory.Create(reg.Get("Shape"), NodeFactory.FreshName(node.Name + "_shape"), [x]);
        var flat = NodeFactory.Create(reg.Get("Flatten"), NodeFactory.FreshName(node.Name + "_flatten"), [x], 1, ("axis", axis));
        var op = NodeFactory.Create(reg.Get(name), NodeFactory.FreshName(node.Name + "_2d"), [flat.Outputs[0]], 1, ("axis", -1L));
        ctx.EmitBefore(shape);
        ctx.EmitBefore(flat);
        ctx.EmitBefore(op);
        node.Attributes.Remove("axis");
        node.ClearInputs();
        node.Rebind(reg.Get("Reshape"));
        node.AddInput(op.Outputs[0]);
        node.AddInput(shape.Outputs[0]);
        // A zero in the original shape means a zero-sized dim, not "copy this dim".
        node.Attributes.Set("allowzero", 1L);
    }
}
