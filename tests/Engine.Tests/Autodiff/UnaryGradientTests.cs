using CsCheck;

namespace Engine.Tests.Autodiff;

/// <summary>Finite-difference checks of unary math and activation rules (inputs kept off kinks and outside domains' edges).</summary>
public class UnaryGradientTests
{
    private const int Iter = 6;

    private static void Unary(string op, double lo = -2, double hi = 2, (string, object)[]? attrs = null, double gap = 0, params double[] kinks) =>
        Gen.Select(GradGen.Shape(0, 3), GradGen.Seed).Sample(c =>
            GradCheck.Run((b, x) => b.Op(op, [x[0]], attrs ?? []), [GradCheck.Random(c.Item2, c.Item1, lo, hi, gap, kinks)]),
            iter: Iter, threads: 1, print: c => $"{op} {GradGen.Text(c.Item1)} seed {c.Item2}");

    private static void Kinked(string op, (string, object)[]? attrs = null, params double[] kinks) => Unary(op, -3, 3, attrs, 0.05, kinks);

    [Fact] public void Abs() => Kinked("Abs", null, 0);
    [Fact] public void Neg() => Unary("Neg");
    [Fact] public void Sqrt() => Unary("Sqrt", 0.2, 3);
    [Fact] public void Reciprocal() => Unary("Reciprocal", 0.3, 3);
    [Fact] public void Exp() => Unary("Exp");
    [Fact] public void Log() => Unary("Log", 0.2, 3);
    [Fact] public void Sin() => Unary("Sin");
    [Fact] public void Cos() => Unary("Cos");
    [Fact] public void Tan() => Unary("Tan", -1.2, 1.2);
    [Fact] public void Asin() => Unary("Asin", -0.9, 0.9);
    [Fact] public void Acos() => Unary("Acos", -0.9, 0.9);
    [Fact] public void Atan() => Unary("Atan");
    [Fact] public void Sinh() => Unary("Sinh");
    [Fact] public void Cosh() => Unary("Cosh");
    [Fact] public void Asinh() => Unary("Asinh");
    [Fact] public void Acosh() => Unary("Acosh", 1.2, 3);
    [Fact] public void Atanh() => Unary("Atanh", -0.9, 0.9);
    [Fact] public void Erf() => Unary("Erf");
    [Fact] public void Identity() => Unary("Identity");
    [Fact] public void Relu() => Kinked("Relu", null, 0);
    [Fact] public void Sigmoid() => Unary("Sigmoid", -4, 4);
    [Fact] public void Tanh() => Unary("Tanh");
    [Fact] public void Softsign() => Kinked("Softsign", null, 0);
    [Fact] public void Softplus() => Unary("Softplus", -4, 4);
    [Fact] public void HardSwish() => Kinked("HardSwish", null, -3, 3);
    [Fact] public void Mish() => Unary("Mish", -3, 3);
    [Fact] public void LeakyRelu() => Kinked("LeakyRelu", [("alpha", 0.07f)], 0);
    [Fact] public void Elu() => Kinked("Elu", [("alpha", 0.8f)], 0);
    [Fact] public void Selu() => Kinked("Selu", null, 0);
    [Fact] public void Celu() => Kinked("Celu", [("alpha", 1.5f)], 0);
    [Fact] public void HardSigmoid() => Kinked("HardSigmoid", [("alpha", 0.3f), ("beta", 0.4f)], -0.4 / 0.3, 0.6 / 0.3);
    [Fact] public void ThresholdedRelu() => Kinked("ThresholdedRelu", [("alpha", 0.5f)], 0.5);
    [Fact] public void GeluExact() => Unary("Gelu");
    [Fact] public void GeluTanh() => Unary("Gelu", attrs: [("approximate", "tanh")]);
    [Fact] public void Swish() => Unary("Swish", attrs: [("alpha", 1.3f)]);
    [Fact] public void Shrink() => Kinked("Shrink", [("lambd", 0.7f), ("bias", 0.2f)], -0.7, 0.7);

    [Fact] public void Cast() => Unary("Cast", attrs: [("to", (long)Runtime.DataType.Double)]);

    [Fact]
    public void FloorHasAZeroGradient() => Kinked("Floor", null, -2, -1, 0, 1, 2);

    [Fact]
    public void PRelu() =>
        Gen.Select(GradGen.BroadcastPair(), GradGen.Seed).Sample(c =>
            GradCheck.Run((b, x) => b.Op("PRelu", x[0], x[1]),
                [GradCheck.Random(c.Item2, c.Item1.A, -2, 2, 0.05, 0), GradCheck.Random(c.Item2 + 1, c.Item1.B, 0.05, 0.5)]),
            iter: 10, threads: 1, print: c => $"{GradGen.Text(c.Item1.A)} {GradGen.Text(c.Item1.B)} seed {c.Item2}");

    [Fact]
    public void ClipWithBounds() =>
        Gen.Select(GradGen.Shape(0, 3), GradGen.Seed).Sample(c =>
            GradCheck.Run((b, x) => b.Op("Clip", x[0], x[1], x[2]),
                [GradCheck.Random(c.Item2, c.Item1, -2, 2, 0.05, -0.5, 0.7), Runtime.Tensor.Scalar(-0.5), Runtime.Tensor.Scalar(0.7)]),
            iter: 10, threads: 1, print: c => $"{GradGen.Text(c.Item1)} seed {c.Item2}");

    [Fact]
    public void ClipWithOnlyAMaximum() =>
        GradCheck.Run((b, x) => b.Op("Clip", x[0], null, x[1]),
            [GradCheck.Random(5, [3, 4], -2, 2, 0.05, 0.3), Runtime.Tensor.Scalar(0.3)]);

    [Fact]
    public void Where() =>
        Gen.Select(GradGen.Broadcast(3), GradGen.Seed).Sample(c =>
        {
            var cond = GradCheck.Random(c.Item2 + 7, c.Item1[0]).ToDoubleArray().Select(v => v > 0).ToArray();
            GradCheck.Run((b, x) => b.Op("Where", x[0], x[1], x[2]),
                [Runtime.Tensor.FromArray(cond, c.Item1[0]), GradCheck.Random(c.Item2, c.Item1[1]), GradCheck.Random(c.Item2 + 1, c.Item1[2])]);
        }, iter: 10, threads: 1, print: c => string.Join(" ", c.Item1.Select(GradGen.Text)) + $" seed {c.Item2}");
}
