using CsCheck;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Autodiff;

/// <summary>Shape and indexing ops: random shapes, axes, permutations, strides and index patterns (with repeats).</summary>
public class ShapeGradientTests
{
    private const int Iter = 10;

    private static Gen<(int[] Shape, int Seed)> Shaped(int minRank = 1, int maxRank = 3) => Gen.Select(GradGen.Shape(minRank, maxRank), GradGen.Seed);

    private static string P(int[] s, int seed) => $"{GradGen.Text(s)} seed {seed}";

    [Fact]
    public void Reshape() => Shaped(0).Sample(c =>
        GradCheck.Run((b, x) => b.Op("Reshape", x[0], b.Ints(-1, 1)), [GradCheck.Random(c.Seed, c.Shape)]), iter: Iter, threads: 1, print: c => P(c.Shape, c.Seed));

    [Fact]
    public void Flatten() => Gen.Select(Shaped(), Gen.Int[0, 3]).Sample(c =>
        GradCheck.Run((b, x) => b.Op("Flatten", [x[0]], ("axis", (long)(c.Item2 % (c.Item1.Shape.Length + 1)))), [GradCheck.Random(c.Item1.Seed, c.Item1.Shape)]),
        iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" axis {c.Item2}");

    [Fact]
    public void SqueezeAndUnsqueeze() => Shaped(0).Sample(c =>
        GradCheck.Run((b, x) =>
        {
            var u = b.Op("Unsqueeze", x[0], b.Ints(0, -1));
            return b.Op("Mul", b.Op("Squeeze", u, b.Ints(0)), b.Const(2.5, DataType.Double));
        }, [GradCheck.Random(c.Seed, c.Shape)]), iter: Iter, threads: 1, print: c => P(c.Shape, c.Seed));

    [Fact]
    public void Transpose() => Gen.Select(Shaped(), Gen.Int[0, 1000]).Sample(c =>
    {
        var perm = Enumerable.Range(0, c.Item1.Shape.Length).Select(i => (long)i).OrderBy(i => (i * 7919 + c.Item2) % 13).ToArray();
        GradCheck.Run((b, x) => b.Op("Transpose", [x[0]], ("perm", perm)), [GradCheck.Random(c.Item1.Seed, c.Item1.Shape)]);
    }, iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" perm seed {c.Item2}");

    [Fact]
    public void TransposeWithoutPerm() => GradCheck.Run((b, x) => b.Op("Transpose", x[0]), [GradCheck.Random(1, [2, 3, 4])]);

    [Fact]
    public void Concat() => Gen.Select(Shaped(), Gen.Int[1, 3].Array[3], Gen.Int[0, 2]).Sample(c =>
    {
        int axis = c.Item3 % c.Item1.Shape.Length;
        var inputs = c.Item2.Select((n, i) =>
        {
            var s = (int[])c.Item1.Shape.Clone();
            s[axis] = n;
            return GradCheck.Random(c.Item1.Seed + i, s);
        }).ToArray();
        GradCheck.Run((b, x) => b.Op("Concat", x.Cast<Value?>().ToArray(), ("axis", (long)(axis - c.Item1.Shape.Length))), inputs);
    }, iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" sizes {GradGen.Text(c.Item2)} axis {c.Item3}");

    [Fact]
    public void Split() => Gen.Select(Shaped(), Gen.Int[1, 3].Array[1, 3], Gen.Int[0, 2]).Sample(c =>
    {
        int axis = c.Item3 % c.Item1.Shape.Length;
        var s = (int[])c.Item1.Shape.Clone();
        s[axis] = c.Item2.Sum();
        // Only some outputs enter the loss: the others must contribute zeros.
        GradCheck.RunMulti((b, x) => b.OpN("Split", c.Item2.Length, [x[0], b.Ints(c.Item2.Select(v => (long)v).ToArray())], ("axis", (long)axis))
            .Where((_, i) => i % 2 == 0).ToArray(), [GradCheck.Random(c.Item1.Seed, s)]);
    }, iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" sizes {GradGen.Text(c.Item2)} axis {c.Item3}");

    [Fact]
    public void Slice() => Gen.Select(Shaped(), Gen.Int[-6, 6].Array[3], Gen.Int[-6, 6].Array[3], Gen.Int[-3, 3].Array[3]).Sample(c =>
    {
        int rank = c.Item1.Shape.Length;
        var steps = c.Item4.Take(rank).Select(v => (long)(v == 0 ? 1 : v)).ToArray();
        var axes = Enumerable.Range(0, rank).Select(i => (long)(i % 2 == 0 ? i : i - rank)).ToArray();
        GradCheck.Run((b, x) => b.Op("Slice", x[0], b.Ints(c.Item2.Take(rank).Select(v => (long)v).ToArray()),
            b.Ints(c.Item3.Take(rank).Select(v => (long)v).ToArray()), b.Ints(axes), b.Ints(steps)), [GradCheck.Random(c.Item1.Seed, c.Item1.Shape)]);
    }, iter: 25, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" starts {GradGen.Text(c.Item2)} ends {GradGen.Text(c.Item3)} steps {GradGen.Text(c.Item4)}");

    [Fact]
    public void SliceWithHugeBoundsAndDefaults() =>
        GradCheck.Run((b, x) => b.Op("Slice", x[0], b.Ints(1), b.Ints(long.MaxValue)), [GradCheck.Random(3, [4, 3])]);

    [Fact]
    public void Gather() => Gen.Select(Shaped(), Gen.Int[0, 2], Gen.Int[0, 3].Array[0, 2], Gen.Int[0, 99]).Sample(c =>
    {
        int axis = c.Item2 % c.Item1.Shape.Length;
        int dim = c.Item1.Shape[axis];
        int n = (int)Tensor.ElementCount(c.Item3);
        var rng = new Random(c.Item4);
        // Repeats on purpose (an embedding row used twice sums); negative indices count from the end.
        var idx = Enumerable.Range(0, n).Select(_ => (long)rng.Next(-dim, dim)).ToArray();
        GradCheck.Run((b, x) => b.Op("Gather", [x[0], x[1]], ("axis", (long)axis)),
            [GradCheck.Random(c.Item1.Seed, c.Item1.Shape), Tensor.FromArray(idx, c.Item3)]);
    }, iter: 20, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" axis {c.Item2} indices {GradGen.Text(c.Item3)} seed {c.Item4}");

    [Fact]
    public void GatherElements() => Gen.Select(Shaped(), Gen.Int[0, 2], Gen.Int[0, 99]).Sample(c =>
    {
        int axis = c.Item2 % c.Item1.Shape.Length;
        var rng = new Random(c.Item3);
        int dim = c.Item1.Shape[axis];
        var idx = Enumerable.Range(0, (int)Tensor.ElementCount(c.Item1.Shape)).Select(_ => (long)rng.Next(0, dim)).ToArray();
        GradCheck.Run((b, x) => b.Op("GatherElements", [x[0], x[1]], ("axis", (long)axis)),
            [GradCheck.Random(c.Item1.Seed, c.Item1.Shape), Tensor.FromArray(idx, c.Item1.Shape)]);
    }, iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" axis {c.Item2} seed {c.Item3}");

    [Fact]
    public void GatherND() =>
        GradCheck.Run((b, x) => b.Op("GatherND", x[0], x[1]),
            [GradCheck.Random(4, [3, 2, 2]), Tensor.FromArray(new long[] { 0, 1, 2, 0, 0, 1 }, 3, 2)]);

    [Fact]
    public void ScatterElements() =>
        GradCheck.Run((b, x) => b.Op("ScatterElements", [x[0], x[1], x[2]], ("axis", 1L)),
            [GradCheck.Random(5, [2, 4]), Tensor.FromArray(new long[] { 3, 0, 1, 2 }, 2, 2), GradCheck.Random(6, [2, 2])]);

    [Fact]
    public void ScatterND() =>
        GradCheck.Run((b, x) => b.Op("ScatterND", x[0], x[1], x[2]),
            [GradCheck.Random(5, [3, 2]), Tensor.FromArray(new long[] { 2, 0 }, 2, 1), GradCheck.Random(6, [2, 2])]);

    [Fact]
    public void Pad() => Gen.Select(Shaped(), Gen.Int[-1, 2].Array[6], Gen.Int[0, 3]).Sample(c =>
    {
        int rank = c.Item1.Shape.Length;
        var mode = new[] { "constant", "edge", "reflect", "wrap" }[c.Item3];
        var pads = new long[2 * rank];
        for (int i = 0; i < rank; i++)
        {
            // Negative pads crop; keep at least one element, and reflect within the input.
            int dim = c.Item1.Shape[i];
            int lo = Math.Max(c.Item2[i], mode == "reflect" ? 0 : -(dim - 1) / 2);
            int hi = Math.Max(c.Item2[i + 3], mode == "reflect" ? 0 : -(dim - 1) / 2);
            if (mode == "reflect") { lo = Math.Min(lo, dim - 1); hi = Math.Min(hi, dim - 1); }
            pads[i] = lo;
            pads[i + rank] = hi;
        }
        GradCheck.Run((b, x) => b.Op("Pad", [x[0], b.Ints(pads), mode == "constant" ? x[1] : null], ("mode", mode)),
            [GradCheck.Random(c.Item1.Seed, c.Item1.Shape), Tensor.Scalar(0.5)], new GradCheckOptions { Wrt = mode == "constant" ? [0, 1] : [0] });
    }, iter: 20, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" pads {GradGen.Text(c.Item2)} mode {c.Item3}");

    [Fact]
    public void PadOnSelectedAxes() =>
        GradCheck.Run((b, x) => b.Op("Pad", x[0], b.Ints(1, 0, 2, 1), null, b.Ints(-1, 0)), [GradCheck.Random(2, [2, 3])]);

    [Fact]
    public void Expand() => Gen.Select(GradGen.BroadcastPair(), GradGen.Seed).Sample(c =>
    {
        GradCheck.Run((b, x) => b.Op("Expand", x[0], b.Ints(c.Item1.B.Select(v => (long)v).ToArray())), [GradCheck.Random(c.Item2, c.Item1.A)]);
    }, iter: Iter, threads: 1, print: c => $"{GradGen.Text(c.Item1.A)} to {GradGen.Text(c.Item1.B)} seed {c.Item2}");

    [Fact]
    public void Tile() => Gen.Select(Shaped(), Gen.Int[1, 3].Array[3]).Sample(c =>
        GradCheck.Run((b, x) => b.Op("Tile", x[0], b.Ints(c.Item2.Take(c.Item1.Shape.Length).Select(v => (long)v).ToArray())),
            [GradCheck.Random(c.Item1.Seed, c.Item1.Shape)]),
        iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" repeats {GradGen.Text(c.Item2)}");

    [Fact]
    public void CumSum() => Gen.Select(Shaped(), Gen.Int[0, 2], Gen.Int[0, 3]).Sample(c =>
        GradCheck.Run((b, x) => b.Op("CumSum", [x[0], b.Const(Tensor.Scalar((long)(c.Item2 % c.Item1.Shape.Length)))],
                ("exclusive", (long)(c.Item3 & 1)), ("reverse", (long)(c.Item3 >> 1))),
            [GradCheck.Random(c.Item1.Seed, c.Item1.Shape)]),
        iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" axis {c.Item2} flags {c.Item3}");

    [Fact]
    public void Trilu() => Gen.Select(Shaped(2, 3), Gen.Int[-2, 2], Gen.Bool).Sample(c =>
        GradCheck.Run((b, x) => b.Op("Trilu", [x[0], b.Const(Tensor.Scalar((long)c.Item2))], ("upper", c.Item3 ? 1L : 0L)),
            [GradCheck.Random(c.Item1.Seed, c.Item1.Shape)]),
        iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" k {c.Item2} upper {c.Item3}");

    [Fact]
    public void TopK() => Gen.Select(Shaped(), Gen.Int[0, 2], Gen.Int[1, 4], Gen.Bool).Sample(c =>
    {
        int axis = c.Item2 % c.Item1.Shape.Length;
        long k = Math.Min(c.Item3, c.Item1.Shape[axis]);
        GradCheck.RunMulti((b, x) => b.OpN("TopK", 2, [x[0], b.Ints(k)], ("axis", (long)axis), ("largest", c.Item4 ? 1L : 0L)),
            [GradCheck.Distinct(c.Item1.Seed, c.Item1.Shape)]);
    }, iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" axis {c.Item2} k {c.Item3} largest {c.Item4}");

    [Theory]
    [InlineData("DCR")]
    [InlineData("CRD")]
    public void DepthToSpace(string mode) =>
        GradCheck.Run((b, x) => b.Op("DepthToSpace", [x[0]], ("blocksize", 2L), ("mode", mode)), [GradCheck.Random(3, [2, 8, 2, 3])]);

    [Fact]
    public void SpaceToDepth() =>
        GradCheck.Run((b, x) => b.Op("SpaceToDepth", [x[0]], ("blocksize", 2L)), [GradCheck.Random(4, [1, 3, 4, 2])]);

    [Fact]
    public void ReverseSequence() =>
        GradCheck.Run((b, x) => b.Op("ReverseSequence", [x[0], x[1]], ("batch_axis", 1L), ("time_axis", 0L)),
            [GradCheck.Random(5, [4, 3, 2]), Tensor.FromArray(new long[] { 4, 1, 2 }, 3)]);

    [Fact]
    public void CenterCropPad() => Gen.Select(Shaped(1, 3), Gen.Int[1, 5].Array[3], Gen.Bool).Sample(c =>
    {
        int rank = c.Item1.Shape.Length;
        var target = c.Item2.Take(rank).Select(v => (long)v).ToArray();
        GradCheck.Run((b, x) => c.Item3 && rank > 1
                ? b.Op("CenterCropPad", [x[0], b.Ints(target[0], target[^1])], ("axes", new long[] { 0, -1 }))
                : b.Op("CenterCropPad", x[0], b.Ints(target)),
            [GradCheck.Random(c.Item1.Seed, c.Item1.Shape)]);
    }, iter: Iter, threads: 1, print: c => P(c.Item1.Shape, c.Item1.Seed) + $" to {GradGen.Text(c.Item2)} axes {c.Item3}");
}
