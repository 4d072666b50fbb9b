using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Unary math ops: same shape out; IsNaN/IsInf give bool.</summary>
public sealed class UnaryMathOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        // Ops that carried opset-1's 'consumed_inputs' attribute.
        Unary(r, "Abs", 13, "X", "Y", UnaryMathKernels.Abs).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(g => g.Op("Sign", g.X(0))));
        Unary(r, "Neg", 13, "X", "Y", UnaryMathKernels.Neg).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Gradient(g => g.SetGrad(0, g.Op("Neg", g.dY(0))));
        Unary(r, "Sqrt", 13, "X", "Y", UnaryMathKernels.Sqrt).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Gradient(g => g.SetGrad(0, g.Op("Div", g.dY(0), g.Op("Mul", g.Y(0), g.ConstLike(2, g.Y(0))))));
        Unary(r, "Exp", 13, "input", "output", UnaryMathKernels.Exp).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(g => g.Y(0)));
        Unary(r, "Log", 13, "input", "output", UnaryMathKernels.Log).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Gradient(g => g.SetGrad(0, g.Op("Div", g.dY(0), g.X(0))));
        Unary(r, "Ceil", 13, "X", "Y", UnaryMathKernels.Ceil).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs).ZeroGradient();
        Unary(r, "Floor", 13, "X", "Y", UnaryMathKernels.Floor).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs).ZeroGradient();
        Unary(r, "Reciprocal", 13, "X", "Y", UnaryMathKernels.Reciprocal).Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Gradient(GradientRules.Elementwise(g => g.Op("Neg", g.Op("Mul", g.Y(0), g.Y(0)))));

        Unary(r, "Sin", 22, "input", "output", UnaryMathKernels.Sin)
            .Gradient(GradientRules.Elementwise(g => g.Op("Cos", g.X(0))));
        Unary(r, "Cos", 22, "input", "output", UnaryMathKernels.Cos)
            .Gradient(GradientRules.Elementwise(g => g.Op("Neg", g.Op("Sin", g.X(0)))));
        Unary(r, "Tan", 22, "input", "output", UnaryMathKernels.Tan)
            .Gradient(GradientRules.Elementwise(g => g.Op("Add", g.ConstLike(1, g.Y(0)), g.Op("Mul", g.Y(0), g.Y(0)))));
        Unary(r, "Asin", 22, "input", "output", UnaryMathKernels.Asin)
            .Gradient(GradientRules.Elementwise(g => g.Op("Reciprocal", g.Op("Sqrt", OneMinusSquare(g)))));
        Unary(r, "Acos", 22, "input", "output", UnaryMathKernels.Acos)
            .Gradient(GradientRules.Elementwise(g => g.Op("Neg", g.Op("Reciprocal", g.Op("Sqrt", OneMinusSquare(g))))));
        Unary(r, "Atan", 22, "input", "output", UnaryMathKernels.Atan)
            .Gradient(GradientRules.Elementwise(g => g.Op("Reciprocal", g.Op("Add", g.ConstLike(1, g.X(0)), g.Op("Mul", g.X(0), g.X(0))))));
        Unary(r, "Sinh", 22, "input", "output", UnaryMathKernels.Sinh)
            .Gradient(GradientRules.Elementwise(g => g.Op("Cosh", g.X(0))));
        Unary(r, "Cosh", 22, "input", "output", UnaryMathKernels.Cosh)
            .Gradient(GradientRules.Elementwise(g => g.Op("Sinh", g.X(0))));
        Unary(r, "Asinh", 22, "input", "output", UnaryMathKernels.Asinh)
            .Gradient(GradientRules.Elementwise(g => g.Op("Reciprocal", g.Op("Sqrt", g.Op("Add", g.Op("Mul", g.X(0), g.X(0)), g.ConstLike(1, g.X(0)))))));
        Unary(r, "Acosh", 22, "input", "output", UnaryMathKernels.Acosh)
            .Gradient(GradientRules.Elementwise(g => g.Op("Reciprocal", g.Op("Sqrt", g.Op("Sub", g.Op("Mul", g.X(0), g.X(0)), g.ConstLike(1, g.X(0)))))));
        Unary(r, "Atanh", 22, "input", "output", UnaryMathKernels.Atanh)
            .Gradient(GradientRules.Elementwise(g => g.Op("Reciprocal", OneMinusSquare(g))));
        Unary(r, "Round", 22, "X", "Y", UnaryMathKernels.Round).ZeroGradient();
        Unary(r, "Sign", 13, "input", "output", UnaryMathKernels.Sign).ZeroGradient();
        Unary(r, "Erf", 13, "input", "output", UnaryMathKernels.Erf)
            .Gradient(GradientRules.Elementwise(g => g.Op("Mul", g.ConstLike(2 / Math.Sqrt(Math.PI), g.X(0)), g.Op("Exp", g.Op("Neg", g.Op("Mul", g.X(0), g.X(0)))))));
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

    /// <summary>1 − x² (the arcsine/arctanh family's derivatives).</summary>
    private static Value OneMinusSquare(GradientContext g) => g.Op("Sub", g.ConstLike(1, g.X(0)), g.Op("Mul", g.X(0), g.X(0)));

    internal static OpSchema Unary(OpRegistry r, string name, int since, string input, string output, Kernel kernel) =>
        r.Add(name).Since(since).In(input).Out(output)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(kernel)
            .Fuses(FusionKind.ElemWise);
}
