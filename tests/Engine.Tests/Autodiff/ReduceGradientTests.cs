using CsCheck;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Autodiff;

/// <summary>Reductions with random axes (incl. negative, none = all), keepdims on and off.</summary>
public class ReduceGradientTests
{
    private const int Iter = 8;

    private record Case(int[] Shape, bool[] Axes, bool Negative, bool KeepDims, bool OmitAxes, int Seed)
    {
        public long[] AxisList => Enumerable.Range(0, Shape.Length).Where(i => Axes[i]).Select(i => (long)(Negative ? i - Shape.Length : i)).ToArray();

        public override string ToString() => $"{GradGen.Text(Shape)} axes [{string.Join(",", AxisList)}]{(OmitAxes ? " (omitted)" : "")} keepdims {KeepDims} seed {Seed}";
    }

    private static readonly Gen<Case> Cases =
        Gen.Select(GradGen.Shape(1, 3), Gen.Bool.Array[3], Gen.Bool, Gen.Bool, Gen.Int[0, 4], GradGen.Seed,
            (s, a, n, k, omit, seed) => new Case(s, a, n, k, omit == 0, seed));

    private static void Reduce(string op, double lo = -1, double hi = 1, bool distinct = false) =>
        Cases.Sample(c =>
            GradCheck.Run((b, x) =>
                {
                    Value? axes = c.OmitAxes || c.AxisList.Length == 0 ? null : b.Ints(c.AxisList);
                    return b.Op(op, [x[0], axes], ("keepdims", c.KeepDims ? 1L : 0L));
                },
                [distinct ? GradCheck.Distinct(c.Seed, c.Shape, lo, hi) : GradCheck.Random(c.Seed, c.Shape, lo, hi)]),
            iter: Iter, threads: 1, print: c => c.ToString());

    [Fact] public void ReduceSum() => Reduce("ReduceSum");
    [Fact] public void ReduceMean() => Reduce("ReduceMean");
    [Fact] public void ReduceMax() => Reduce("ReduceMax", distinct: true);
    [Fact] public void ReduceMin() => Reduce("ReduceMin", distinct: true);
    [Fact] public void ReduceProd() => Reduce("ReduceProd", 0.5, 1.5);
    [Fact] public void ReduceSumSquare() => Reduce("ReduceSumSquare");
    [Fact] public void ReduceL1() => Reduce("ReduceL1", 0.1, 1);
    [Fact] public void ReduceL2() => Reduce("ReduceL2");
    [Fact] public void ReduceLogSum() => Reduce("ReduceLogSum", 0.1, 1);
    [Fact] public void ReduceLogSumExp() => Reduce("ReduceLogSumExp");

    [Fact]
    public void EmptyAxesWithNoopIsTheIdentity() =>
        GradCheck.Run((b, x) => b.Op("ReduceSum", [x[0]], ("keepdims", 0L), ("noop_with_empty_axes", 1L)), [GradCheck.Random(1, [2, 3])]);

    [Fact]
    public void AxesComputedAtRuntime() =>
        // The axes come from a graph input: the rule cannot see them, so it must work without constants.
        GradCheck.Run((b, x) => b.Op("ReduceMean", [x[0], x[1]], ("keepdims", 1L)),
            [GradCheck.Random(2, [2, 3, 4]), Tensor.FromArray(new long[] { 0, 2 }, 2)]);
}
