using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// Optimizer update rules as graph ops (ai.engine), so forward, backward and update compile into one
/// program. Every rule reads (param, grad, state slots…, lr, step) and returns (new param, new slots…):
/// pure, no in-place writes; the training step feeds the outputs back as the next step's inputs.
/// lr is a float scalar input (schedules change it without recompiling), step the 1-based update
/// count (int64 scalar) for bias corrections. <c>weight_decay</c> is the coupled L2 term
/// (g ← g + λθ) except in AdamWUpdate, where it is decoupled. Not differentiable: they run after
/// the backward graph. Defaults are PyTorch's.
/// </summary>
public sealed class OptimizerOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        Update(r, "SGDUpdate", [], OptimizerKernels.Sgd)
            .Attr("weight_decay", 0f);

        Update(r, "MomentumUpdate", ["velocity"], OptimizerKernels.Momentum)
            .Attr("momentum", 0.9f).Attr("dampening", 0f).Attr("nesterov", 0L).Attr("weight_decay", 0f);

        Update(r, "AdagradUpdate", ["sum_sq"], OptimizerKernels.Adagrad)
            .Attr("epsilon", 1e-10f).Attr("lr_decay", 0f).Attr("weight_decay", 0f);

        Update(r, "RMSpropUpdate", ["sq_avg"], OptimizerKernels.RmsProp)
            .Attr("alpha", 0.99f).Attr("epsilon", 1e-8f).Attr("weight_decay", 0f);

        Update(r, "AdadeltaUpdate", ["sq_avg", "delta_avg"], OptimizerKernels.Adadelta)
            .Attr("rho", 0.9f).Attr("epsilon", 1e-6f).Attr("weight_decay", 0f);

        Update(r, "AdamUpdate", ["m", "v"], (c, i) => OptimizerKernels.Adam(c, i, decoupled: false))
            .Attr("beta1", 0.9f).Attr("beta2", 0.999f).Attr("epsilon", 1e-8f).Attr("weight_decay", 0f);

        Update(r, "AdamWUpdate", ["m", "v"], (c, i) => OptimizerKernels.Adam(c, i, decoupled: true))
            .Attr("beta1", 0.9f).Attr("beta2", 0.999f).Attr("epsilon", 1e-8f).Attr("weight_decay", 0.01f);

        Update(r, "NadamUpdate", ["m", "v", "mu_product"], OptimizerKernels.Nadam)
            .Attr("beta1", 0.9f).Attr("beta2", 0.999f).Attr("epsilon", 1e-8f).Attr("weight_decay", 0f)
            .Attr("momentum_decay", 0.004f);

        Update(r, "YogiUpdate", ["m", "v"], OptimizerKernels.Yogi)
            .Attr("beta1", 0.9f).Attr("beta2", 0.999f).Attr("epsilon", 1e-3f).Attr("weight_decay", 0f);

        r.Add(OpRegistry.EngineDomain, "ClipByGlobalNorm").Since(1).In("grads+").Out("clipped+")
            .RequiredAttr("max_norm", AttrType.Float)
            .Infer(ctx =>
            {
                if (ctx.InputCount != ctx.OutputCount) throw ctx.Fail($"has {ctx.InputCount} inputs but {ctx.OutputCount} outputs");
                for (int i = 0; i < ctx.InputCount; i++) ctx.SetOutput(i, ctx.Required(i));
            })
            .WithKernel(GradientTransformKernels.ClipByGlobalNorm)
            .Fuses(FusionKind.Opaque);

        r.Add(OpRegistry.EngineDomain, "WeightPenalty").Since(1).In("param", "grad").Out("penalized_grad")
            .Attr("l1", 0f).Attr("l2", 0f)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(1)))
            .WithKernel(GradientTransformKernels.WeightPenalty)
            .Fuses(FusionKind.Opaque);
    }

    /// <summary>An update op with the shared signature; output i+1 is the new value of slot i.</summary>
    private static OpSchema Update(OpRegistry r, string name, string[] slots, Kernel kernel) =>
        r.Add(OpRegistry.EngineDomain, name).Since(1)
            .In(["param", "grad", .. slots, "lr", "step"])
            .Out(["new_param", .. slots.Select(s => "new_" + s)])
            .Infer(ctx =>
            {
                ctx.SetOutput(0, ctx.Required(0));
                for (int i = 0; i < slots.Length; i++) ctx.SetOutput(i + 1, ctx.Required(2 + i));
                if (ctx.Input(2 + slots.Length) is { Elem: not DataType.Float and not DataType.Undefined } lr)
                    throw ctx.Fail($"lr must be float32, got {DataTypes.ShortName(lr.Elem)}");
            })
            .WithKernel(kernel)
            .Fuses(FusionKind.Opaque);
}
