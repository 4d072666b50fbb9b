using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Activation functions (elementwise; PRelu broadcasts its slope).</summary>
public sealed class ActivationOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        const string Drop = "drop consumed_inputs";
        UnaryMathOps.Unary(r, "Relu", 14, "X", "Y", ActivationKernels.Relu).Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs);
        UnaryMathOps.Unary(r, "Sigmoid", 13, "X", "Y", ActivationKernels.Sigmoid).Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs);
        UnaryMathOps.Unary(r, "Tanh", 13, "input", "output", ActivationKernels.Tanh).Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs);
        UnaryMathOps.Unary(r, "Softsign", 22, "input", "output", ActivationKernels.Softsign);
        UnaryMathOps.Unary(r, "Softplus", 22, "X", "Y", ActivationKernels.Softplus);
        UnaryMathOps.Unary(r, "HardSwish", 22, "X", "Y", ActivationKernels.HardSwish);
        UnaryMathOps.Unary(r, "Mish", 22, "X", "Y", ActivationKernels.Mish);

        UnaryMathOps.Unary(r, "LeakyRelu", 16, "X", "Y", ActivationKernels.LeakyRelu)
            .Attr("alpha", 0.01f)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs);

        UnaryMathOps.Unary(r, "Elu", 22, "X", "Y", ActivationKernels.Elu)
            .Attr("alpha", 1.0f)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs);

        UnaryMathOps.Unary(r, "Selu", 22, "X", "Y", ActivationKernels.Selu)
            .Attr("alpha", 1.67326319217681884765625f)
            .Attr("gamma", 1.05070102214813232421875f)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs);

        UnaryMathOps.Unary(r, "Celu", 12, "X", "Y", ActivationKernels.Celu)
            .Attr("alpha", 1.0f);

        UnaryMathOps.Unary(r, "HardSigmoid", 22, "X", "Y", ActivationKernels.HardSigmoid)
            .Attr("alpha", 0.2f)
            .Attr("beta", 0.5f)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs);

        UnaryMathOps.Unary(r, "ThresholdedRelu", 22, "X", "Y", ActivationKernels.ThresholdedRelu)
            .Attr("alpha", 1.0f);

        UnaryMathOps.Unary(r, "Gelu", 20, "X", "Y", ActivationKernels.Gelu)
            .Attr("approximate", "none");

        UnaryMathOps.Unary(r, "Swish", 24, "X", "Y", ActivationKernels.Swish)
            .Attr("alpha", 1.0f);

        UnaryMathOps.Unary(r, "Shrink", 9, "input", "output", ActivationKernels.Shrink)
            .Attr("bias", 0.0f)
            .Attr("lambd", 0.5f);

        r.Add("PRelu").Since(16).In("X", "slope").Out("Y")
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(ArithmeticKernels.PRelu)
            .Fuses(FusionKind.Broadcast)
            .Upgrade(6, Drop, LegacyUpgrades.DropConsumedInputs)
            .Upgrade(7, "per-channel slope to numpy broadcasting", LegacyUpgrades.ChannelSlope);
    }
}
