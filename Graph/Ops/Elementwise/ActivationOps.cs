using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Activation functions (elementwise; PRelu broadcasts its slope).</summary>
public sealed class ActivationOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        const string Drop = "drop consumed_inputs";
        UnaryMathOps.Unary(r, "Relu", 14, "X", "Y", ActivationKernels.Relu).Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            // Sign(Relu(x)) is 1 where x > 0, else 0: the same mask as x > 0, from the forward output and with float ops the
            // code generator fuses into one loop with the product (Greater → Cast would fall back to reference kernels).
            .Gradient(GradientRules.Elementwise(g => g.Op("Sign", g.Y(0))));
        UnaryMathOps.Unary(r, "Sigmoid", 13, "X", "Y", ActivationKernels.Sigmoid).Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(g => g.Op("Mul", g.Y(0), g.Op("Sub", One(g), g.Y(0)))));
        UnaryMathOps.Unary(r, "Tanh", 13, "input", "output", ActivationKernels.Tanh).Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(g => g.Op("Sub", One(g), g.Op("Mul", g.Y(0), g.Y(0)))));
        UnaryMathOps.Unary(r, "Softsign", 22, "input", "output", ActivationKernels.Softsign)
            .Gradient(GradientRules.Elementwise(g => g.Op("Reciprocal", Square(g, g.Op("Add", One(g), g.Op("Abs", g.X(0)))))));
        UnaryMathOps.Unary(r, "Softplus", 22, "X", "Y", ActivationKernels.Softplus)
            .Gradient(GradientRules.Elementwise(g => g.Op("Sigmoid", g.X(0))));
        UnaryMathOps.Unary(r, "HardSwish", 22, "X", "Y", ActivationKernels.HardSwish)
            .Gradient(GradientRules.Elementwise(g => g.Op("Add", g.Op("HardSigmoid", [g.X(0)], ("alpha", 1f / 6), ("beta", 0.5f)), g.Op("Mul", g.Op("Mul", g.X(0), g.ConstLike(1.0 / 6, g.X(0))), Between(g, g.X(0), -3, 3)))));
        UnaryMathOps.Unary(r, "Mish", 22, "X", "Y", ActivationKernels.Mish)
            .Gradient(GradientRules.Elementwise(MishDerivative));

        UnaryMathOps.Unary(r, "LeakyRelu", 16, "X", "Y", ActivationKernels.LeakyRelu)
            .Attr("alpha", 0.01f)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(g => PiecewiseSlope(g, g.ConstLike(g.Attributes.GetFloat("alpha"), g.X(0)))));

        UnaryMathOps.Unary(r, "Elu", 22, "X", "Y", ActivationKernels.Elu)
            .Attr("alpha", 1.0f)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(g => PiecewiseSlope(g, g.Op("Add", g.Y(0), g.ConstLike(g.Attributes.GetFloat("alpha"), g.X(0))))));

        UnaryMathOps.Unary(r, "Selu", 22, "X", "Y", ActivationKernels.Selu)
            .Attr("alpha", 1.67326319217681884765625f)
            .Attr("gamma", 1.05070102214813232421875f)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(g => g.Op("Where", g.Op("Greater", g.X(0), Zero(g)), g.ConstLike(g.Attributes.GetFloat("gamma"), g.X(0)), g.Op("Add", g.Y(0), g.ConstLike((double)g.Attributes.GetFloat("gamma") * g.Attributes.GetFloat("alpha"), g.X(0))))));

        UnaryMathOps.Unary(r, "Celu", 12, "X", "Y", ActivationKernels.Celu)
            .Attr("alpha", 1.0f)
            .Gradient(GradientRules.Elementwise(g => PiecewiseSlope(g, g.Op("Exp", g.Op("Div", g.X(0), g.ConstLike(g.Attributes.GetFloat("alpha"), g.X(0)))))));

        UnaryMathOps.Unary(r, "HardSigmoid", 22, "X", "Y", ActivationKernels.HardSigmoid)
            .Attr("alpha", 0.2f)
            .Attr("beta", 0.5f)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(HardSigmoidDerivative));

        UnaryMathOps.Unary(r, "ThresholdedRelu", 22, "X", "Y", ActivationKernels.ThresholdedRelu)
            .Attr("alpha", 1.0f)
            .Gradient(GradientRules.Elementwise(g => g.Mask(g.Op("Greater", g.X(0), g.ConstLike(g.Attributes.GetFloat("alpha"), g.X(0))), g.X(0))));

        UnaryMathOps.Unary(r, "Gelu", 20, "X", "Y", ActivationKernels.Gelu)
            .Attr("approximate", "none")
            .Gradient(GradientRules.Elementwise(GeluDerivative));

        UnaryMathOps.Unary(r, "Swish", 24, "X", "Y", ActivationKernels.Swish)
            .Attr("alpha", 1.0f)
            .Gradient(GradientRules.Elementwise(SwishDerivative));

        UnaryMathOps.Unary(r, "Shrink", 9, "input", "output", ActivationKernels.Shrink)
            .Attr("bias", 0.0f)
            .Attr("lambd", 0.5f)
            .Gradient(GradientRules.Elementwise(g => g.Op("Sub", One(g), Between(g, g.X(0), -g.Attributes.GetFloat("lambd"), g.Attributes.GetFloat("lambd"), inclusive: true))));

        r.Add("PRelu").Since(16).In("X", "slope").Out("Y")
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(ArithmeticKernels.PRelu)
            .Fuses(FusionKind.Broadcast)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            .Upgrade(7, "per-channel slope to numpy broadcasting", LegacyUpgrades.ChannelSlope)
            .Gradient(PReluGradient);
    }

    private static Value Zero(GradientContext g) => g.ConstLike(0, g.X(0));

    private static Value One(GradientContext g) => g.ConstLike(1, g.X(0));

    private static Value Square(GradientContext g, Value v) => g.Op("Mul", v, v);

    /// <summary>1 where x &gt; 0, else <paramref name="below"/>.</summary>
    private static Value PiecewiseSlope(GradientContext g, Value below) => g.Op("Where", g.Op("Greater", g.X(0), Zero(g)), One(g), below);

    /// <summary>1 where lo &lt; v &lt; hi (or ≤ with <paramref name="inclusive"/>), else 0.</summary>
    private static Value Between(GradientContext g, Value v, double lo, double hi, bool inclusive = false)
    {
        var (gt, lt) = inclusive ? ("GreaterOrEqual", "LessOrEqual") : ("Greater", "Less");
        return g.Mask(g.Op("And", g.Op(gt, v, g.ConstLike(lo, v)), g.Op(lt, v, g.ConstLike(hi, v))), v);
    }

    /// <summary>α on the linear part 0 &lt; αx + β &lt; 1, 0 where clamped.</summary>
    private static Value HardSigmoidDerivative(GradientContext g)
    {
        var x = g.X(0);
        double a = g.Attributes.GetFloat("alpha"), b = g.Attributes.GetFloat("beta");
        var u = g.Op("Add", g.Op("Mul", x, g.ConstLike(a, x)), g.ConstLike(b, x));
        return g.Op("Mul", g.ConstLike(a, x), Between(g, u, 0, 1));
    }

    /// <summary>mish = x·tanh(sp(x)): d = tanh(sp) + x·(1 − tanh²(sp))·σ(x).</summary>
    private static Value MishDerivative(GradientContext g)
    {
        var x = g.X(0);
        var t = g.Op("Tanh", g.Op("Softplus", x));
        return g.Op("Add", t, g.Op("Mul", g.Op("Mul", x, g.Op("Sub", One(g), Square(g, t))), g.Op("Sigmoid", x)));
    }

    /// <summary>swish = x·σ(αx): d = s + αx·s(1 − s).</summary>
    private static Value SwishDerivative(GradientContext g)
    {
        var x = g.X(0);
        var ax = g.Op("Mul", x, g.ConstLike(g.Attributes.GetFloat("alpha"), x));
        var s = g.Op("Sigmoid", ax);
        return g.Op("Add", s, g.Op("Mul", ax, g.Op("Mul", s, g.Op("Sub", One(g), s))));
    }

    /// <summary>Exact: Φ(x) + x·φ(x). Tanh form: ½(1 + t) + ½x(1 − t²)·c(1 + 3·0.044715x²), t = tanh(c(x + 0.044715x³)).</summary>
    private static Value GeluDerivative(GradientContext g)
    {
        var x = g.X(0);
        Value C(double v) => g.ConstLike(v, x);
        if (g.Attributes.GetString("approximate") == "tanh")
        {
            const double c = 0.79788456080286536;
            var x2 = Square(g, x);
            var t = g.Op("Tanh", g.Op("Mul", C(c), g.Op("Add", x, g.Op("Mul", C(0.044715), g.Op("Mul", x2, x)))));
            var left = g.Op("Mul", C(0.5), g.Op("Add", One(g), t));
            var du = g.Op("Mul", C(c), g.Op("Add", One(g), g.Op("Mul", C(3 * 0.044715), x2)));
            var right = g.Op("Mul", g.Op("Mul", C(0.5), x), g.Op("Mul", g.Op("Sub", One(g), Square(g, t)), du));
            return g.Op("Add", left, right);
        }
        var cdf = g.Op("Mul", C(0.5), g.Op("Add", One(g), g.Op("Erf", g.Op("Mul", x, C(0.70710678118654752)))));
        var pdf = g.Op("Mul", C(0.3989422804014327), g.Op("Exp", g.Op("Mul", C(-0.5), Square(g, x))));
        return g.Op("Add", cdf, g.Op("Mul", x, pdf));
    }

    /// <summary>y = x (x ≥ 0) or slope·x (x &lt; 0); the slope broadcasts, so its gradient is reduced back.</summary>
    private static void PReluGradient(GradientContext g)
    {
        var x = g.X(0);
        var slope = g.X(1);
        var neg = g.Op("Less", x, Zero(g));
        if (g.NeedsGrad(0)) g.SetGrad(0, g.ReduceToShape(g.Op("Where", neg, g.Op("Mul", g.dY(0), slope), g.dY(0)), x));
        if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("Mul", g.dY(0), g.Op("Mul", x, g.Mask(neg, x))), slope));
    }
}
