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
        Define(r, "MSELoss", PointwiseLossKernels.MSELoss, Mse);
        Define(r, "L1Loss", PointwiseLossKernels.L1Loss, L1);
        Define(r, "HuberLoss", PointwiseLossKernels.HuberLoss, Huber).Attr("delta", 1.0f);
        Define(r, "BCELoss", PointwiseLossKernels.BCELoss, Bce, weighted: true);
        Define(r, "BCEWithLogitsLoss", PointwiseLossKernels.BCEWithLogitsLoss, BceWithLogits, weighted: true);
        Define(r, "HingeLoss", PointwiseLossKernels.HingeLoss, Hinge).Attr("margin", 1.0f);
        Define(r, "KLDivLoss", PointwiseLossKernels.KLDivLoss, KlDiv).Attr("log_target", 0L);
    }

    /// <summary>
    /// The derivatives of one element's loss with respect to input and target (each built only when
    /// asked for), before the weight and the reduction's upstream factor are applied.
    /// </summary>
    private delegate (Func<Value>? Input, Func<Value>? Target) LocalGradient(GradientContext g, Value x, Value t);

    private static (Func<Value>?, Func<Value>?) L1(GradientContext g, Value x, Value t)
    {
        var d = g.Op("Sign", g.Op("Sub", x, t));
        return (() => d, () => g.Op("Neg", d));
    }

    private static (Func<Value>?, Func<Value>?) Mse(GradientContext g, Value x, Value t)
    {
        var d = g.Op("Mul", g.Op("Sub", x, t), g.ConstLike(2, x));
        return (() => d, () => g.Op("Neg", d));
    }

    private static (Func<Value>?, Func<Value>?) Huber(GradientContext g, Value x, Value t)
    {
        var delta = (double)g.Attributes.GetFloat("delta");
        var d = g.Op("Clip", g.Op("Sub", x, t), g.ConstLike(-delta, x), g.ConstLike(delta, x));
        return (() => d, () => g.Op("Neg", d));
    }

    /// <summary>(x − t) / max(x(1 − x), 1e-12) for the input (PyTorch's guard); clamped log-odds for the target.</summary>
    private static (Func<Value>?, Func<Value>?) Bce(GradientContext g, Value x, Value t)
    {
        Value Input()
        {
            var one = g.ConstLike(1, x);
            var denom = g.Op("Max", g.Op("Mul", x, g.Op("Sub", one, x)), g.ConstLike(1e-12, x));
            return g.Op("Div", g.Op("Sub", x, t), denom);
        }
        Value Target()
        {
            var floor = g.ConstLike(-100, x);
            var logX = g.Op("Max", g.Op("Log", x), floor);
            var log1mX = g.Op("Max", g.Op("Log", g.Op("Sub", g.ConstLike(1, x), x)), floor);
            return g.Op("Sub", log1mX, logX);
        }
        return (Input, Target);
    }

    private static (Func<Value>?, Func<Value>?) BceWithLogits(GradientContext g, Value x, Value t) =>
        (() => g.Op("Sub", g.Op("Sigmoid", x), t), () => g.Op("Neg", x));

    /// <summary>max(0, m − x·t): −t (input) and −x (target) where the margin is violated.</summary>
    private static (Func<Value>?, Func<Value>?) Hinge(GradientContext g, Value x, Value t)
    {
        var margin = (double)g.Attributes.GetFloat("margin");
        var active = g.Mask(g.Op("Greater", g.Op("Sub", g.ConstLike(margin, x), g.Op("Mul", x, t)), g.ConstLike(0, x)), x);
        return (() => g.Op("Neg", g.Op("Mul", t, active)), () => g.Op("Neg", g.Op("Mul", x, active)));
    }

    /// <summary>t·(log t − x): −t and log t + 1 − x (0 where t = 0); with log targets e^t·(t − x): −e^t and e^t·(t − x + 1).</summary>
    private static (Func<Value>?, Func<Value>?) KlDiv(GradientContext g, Value x, Value t)
    {
        if (g.Attributes.GetInt("log_target") != 0)
        {
            var et = g.Op("Exp", t);
            return (() => g.Op("Neg", et), () => g.Op("Mul", et, g.Op("Add", g.Op("Sub", t, x), g.ConstLike(1, x))));
        }
        Value Target()
        {
            var positive = g.Op("Greater", t, g.ConstLike(0, t));
            var safeT = g.Op("Where", positive, t, g.ConstLike(1, t));
            var d = g.Op("Sub", g.Op("Add", g.Op("Log", safeT), g.ConstLike(1, x)), x);
            return g.Op("Where", positive, d, g.ConstLike(0, x));
        }
        return (() => g.Op("Neg", t), Target);
    }

    private static void Gradient(GradientContext g, LocalGradient local)
    {
        var x = g.X(0);
        var t = g.X(1);
        var (dInput, dTarget) = local(g, x, t);
        var up = LossGradients.Upstream(g, g.dY(0)!);
        if (g.InputCount > 2 && g.HasX(2)) up = g.Op("Mul", up, g.X(2));
        if (g.NeedsGrad(0)) g.SetGrad(0, g.ExpandTo(g.Op("Mul", dInput!(), up), x));
        if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.ExpandTo(g.Op("Mul", dTarget!(), up), x), t));
    }

    private static OpSchema Define(OpRegistry r, string name, Runtime.Kernel kernel, LocalGradient local, bool weighted = false)
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
            .Fuses(FusionKind.Opaque)
            .NotDifferentiable(2)
            .Gradient(g => Gradient(g, local));
    }
}
