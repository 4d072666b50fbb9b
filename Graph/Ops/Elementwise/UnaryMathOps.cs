using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Unary math ops: same shape out; IsNaN/IsInf give bool.</summary>
public sealed class UnaryMathOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        // Ops that carried opset-1's 'consumed_inputs' attribute.
        Unary(r, "Abs", 13, "X", "Y", UnaryMathKernels.Abs).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
        Unary(r, "Neg", 13, "X", "Y", UnaryMathKernels.Neg).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
        Unary(r, "Sqrt", 13, "X", "Y", UnaryMathKernels.Sqrt).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
        Unary(r, "Exp", 13, "input", "output", UnaryMathKernels.Exp).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
        Unary(r, "Log", 13, "input", "output", UnaryMathKernels.Log).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
        Unary(r, "Ceil", 13, "X", "Y", UnaryMathKernels.Ceil).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
        Unary(r, "Floor", 13, "X", "Y", UnaryMathKernels.Floor).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
        Unary(r, "Reciprocal", 13, "X", "Y", UnaryMathKernels.Reciprocal).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);

        Unary(r, "Sin", 22, "input", "output", UnaryMathKernels.Sin);
        Unary(r, "Cos", 22, "input", "output", UnaryMathKernels.Cos);
        Unary(r, "Tan", 22, "input", "output", UnaryMathKernels.Tan);
        Unary(r, "Asin", 22, "input", "output", UnaryMathKernels.Asin);
        Unary(r, "Acos", 22, "input", "output", UnaryMathKernels.Acos);
        Unary(r, "Atan", 22, "input", "output", UnaryMathKernels.Atan);
        Unary(r, "Sinh", 22, "input", "output", UnaryMathKernels.Sinh);
        Unary(r, "Cosh", 22, "input", "output", UnaryMathKernels.Cosh);
        Unary(r, "Asinh", 22, "input", "output", UnaryMathKernels.Asinh);
        Unary(r, "Acosh", 22, "input", "output", UnaryMathKernels.Acosh);
        Unary(r, "Atanh", 22, "input", "output", UnaryMathKernels.Atanh);
        Unary(r, "Round", 22, "X", "Y", UnaryMathKernels.Round);
        Unary(r, "Sign", 13, "input", "output", UnaryMathKernels.Sign);
        Unary(r, "Erf", 13, "input", "output", UnaryMathKernels.Erf);
        Unary(r, "Not", 1, "X", "Y", UnaryMathKernels.Not);
        Unary(r, "BitwiseNot", 18, "X", "Y", UnaryMathKernels.BitwiseNot);

        r.Add("IsNaN").Since(20).In("X").Out("Y")
            .Infer(ElementwiseInference.UnaryToBool)
            .WithKernel(UnaryMathKernels.IsNaN)
            .Fuses(FusionKind.ElemWise);

        r.Add("IsInf").Since(20).In("X").Out("Y")
            .Attr("detect_negative", 1)
            .Attr("detect_positive", 1)
            .Infer(ElementwiseInference.UnaryToBool)
            .WithKernel(UnaryMathKernels.IsInf)
            .Fuses(FusionKind.ElemWise);
    }

    internal static OpSchema Unary(OpRegistry r, string name, int since, string input, string output, Kernel kernel) =>
        r.Add(name).Since(since).In(input).Out(output)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(kernel)
            .Fuses(FusionKind.ElemWise);
}
