using CsCheck;
using Engine.Runtime;

namespace Engine.Tests.Autodiff;

/// <summary>Finite-difference checks of the broadcasting arithmetic rules (random shapes incl. size-1 dims and rank differences).</summary>
public class ArithmeticGradientTests
{
    private const int Iter = 12;

    private static void Binary(string op, double lo = -1, double hi = 1, double loB = -1, double hiB = 1) =>
        Gen.Select(GradGen.BroadcastPair(), GradGen.Seed).Sample(c =>
            GradCheck.Run((b, x) => b.Op(op, x[0], x[1]),
                [GradCheck.Random(c.Item2, c.Item1.A, lo, hi), GradCheck.Random(c.Item2 + 1, c.Item1.B, loB, hiB)]),
            iter: Iter, threads: 1, print: c => $"{GradGen.Text(c.Item1.A)} {GradGen.Text(c.Item1.B)} seed {c.Item2}");

    [Fact] public void Add() => Binary("Add");

    [Fact] public void Sub() => Binary("Sub");

    [Fact] public void Mul() => Binary("Mul");

    [Fact] public void Div() => Binary("Div", loB: 0.5, hiB: 2);

    [Fact] public void Pow() => Binary("Pow", lo: 0.5, hi: 2, loB: -2, hiB: 2);

    [Fact]
    public void PowWithAnIntegerExponentDifferentiatesTheBase() =>
        GradCheck.Run((b, x) => b.Op("Pow", x[0], x[1]),
            [GradCheck.Random(3, [2, 3], -2, 2), Tensor.FromArray(new long[] { 3 }, 1)]);

    private static void Variadic(string op, bool distinct) =>
        Gen.Select(GradGen.Broadcast(3), GradGen.Seed).Sample(c =>
            GradCheck.Run((b, x) => b.Op(op, x[0], x[1], x[2]),
                c.Item1.Select((shape, k) => distinct
                    ? GradCheck.Distinct(c.Item2 + k, shape, -1 + 0.013 * k, 1 + 0.013 * k)
                    : GradCheck.Random(c.Item2 + k, shape)).ToArray()),
            iter: Iter, threads: 1, print: c => string.Join(" ", c.Item1.Select(GradGen.Text)) + $" seed {c.Item2}");

    [Fact] public void Sum() => Variadic("Sum", distinct: false);

    [Fact] public void Mean() => Variadic("Mean", distinct: false);

    [Fact] public void Max() => Variadic("Max", distinct: true);

    [Fact] public void Min() => Variadic("Min", distinct: true);
}
