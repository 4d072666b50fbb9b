using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// Backward ops of NN layers whose gradient is a data-dependent routing that registered ops would
/// express only through large index tensors: ai.engine::MaxPoolGrad (argmax routing) and
/// ai.engine::AveragePoolGrad (per-window divisors with padding and ceil_mode overhang). Inputs
/// (dY, X), attributes those of the forward pool; output dX.
/// </summary>
public sealed class NnGradOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        PoolAttrs(r.Add(OpRegistry.EngineDomain, "MaxPoolGrad").Since(1).In("dY", "X").Out("dX"))
            .Attr("storage_order", 0L)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(1)))
            .WithKernel(PoolGradKernels.MaxPoolGrad);
        PoolAttrs(r.Add(OpRegistry.EngineDomain, "AveragePoolGrad").Since(1).In("dY", "X").Out("dX"))
            .Attr("count_include_pad", 0L)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(1)))
            .WithKernel(PoolGradKernels.AveragePoolGrad);
    }

    private static OpSchema PoolAttrs(OpSchema s) => s
        .Attr("auto_pad", "NOTSET")
        .Attr("ceil_mode", 0L)
        .OptionalAttr("dilations", AttrType.Ints)
        .RequiredAttr("kernel_shape", AttrType.Ints)
        .OptionalAttr("pads", AttrType.Ints)
        .OptionalAttr("strides", AttrType.Ints);
}
