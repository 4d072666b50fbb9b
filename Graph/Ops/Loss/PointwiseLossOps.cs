using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// Element-by-element losses in our domain (ONNX has none): ai.engine::MSELoss, L1Loss (MAE),
/// HuberLoss, BCELoss, BCEWithLogitsLoss, HingeLoss and KLDivLoss. Inputs (input, target[, weight]),
/// target and weight broadcasting to the input; the output is the input's shape for reduction
/// "none" and a scalar otherwise.
/// </summary>
public sealed class PointwiseLossOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        Define(r, "MSELoss", PointwiseLossKernels.MSELoss);
        Define(r, "L1Loss", PointwiseLossKernels.L1Loss);
        Define(r, "HuberLoss", PointwiseLossKernels.HuberLoss).Attr("delta", 1.0f);
        Define(r, "BCELoss", PointwiseLossKernels.BCELoss, weighted: true);
        Define(r, "BCEWithLogitsLoss", PointwiseLossKernels.BCEWithLogitsLoss, weighted: true);
        Define(r, "HingeLoss", PointwiseLossKernels.HingeLoss).Attr("margin", 1.0f);
        Define(r, "KLDivLoss", PointwiseLossKernels.KLDivLoss).Attr("log_target", 0L);
    }

    private static OpSchema Define(OpRegistry r, string name, Runtime.Kernel kernel, bool weighted = false)
    {
        var s = r.Add(OpRegistry.EngineDomain, name).Since(1).In("input", "target");
        if (weighted) s.In("weight?");
        return s.Out("loss")
            .Attr("reduction", "mean")
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                ctx.SetOutput(0, x.Elem, ctx.Attributes.GetString("reduction") == "none" ? x.Dims : []);
            })
            .WithKernel(kernel)
            .Fuses(FusionKind.Opaque);
    }
}
