using CsCheck;
using Engine.Graph;

namespace Engine.Tests.Autodiff;

/// <summary>MatMul with broadcast batch dims and 1-D operands; Gemm with every transpose/α/β/C-shape combination.</summary>
public class MatMulGradientTests
{
    [Fact]
    public void MatMul() =>
        Gen.Select(GradGen.BroadcastPair(maxRank: 2, maxDim: 3), Gen.Int[1, 4].Array[3], Gen.Int[0, 3], GradGen.Seed).Sample(c =>
        {
            var (batchA, batchB) = c.Item1;
            int m = c.Item2[0], k = c.Item2[1], n = c.Item2[2];
            bool aVec = (c.Item3 & 1) != 0, bVec = (c.Item3 & 2) != 0;
            int[] a = aVec ? [k] : [.. batchA, m, k];
            int[] b = bVec ? [k] : [.. batchB, k, n];
            GradCheck.Run((g, x) => g.Op("MatMul", x[0], x[1]), [GradCheck.Random(c.Item4, a), GradCheck.Random(c.Item4 + 1, b)]);
        }, iter: 25, threads: 1, print: c => $"batch {GradGen.Text(c.Item1.A)} {GradGen.Text(c.Item1.B)} mkn {GradGen.Text(c.Item2)} vec {c.Item3} seed {c.Item4}");

    [Fact]
    public void Gemm() =>
        Gen.Select(Gen.Int[1, 4].Array[3], Gen.Int[0, 3], Gen.Int[0, 5], Gen.Double[-2, 2], Gen.Double[-2, 2], GradGen.Seed).Sample(c =>
        {
            int m = c.Item1[0], k = c.Item1[1], n = c.Item1[2];
            bool ta = (c.Item2 & 1) != 0, tb = (c.Item2 & 2) != 0;
            int[] a = ta ? [k, m] : [m, k];
            int[] b = tb ? [n, k] : [k, n];
            int[]? cShape = c.Item3 switch { 0 => null, 1 => [], 2 => [n], 3 => [1, n], 4 => [m, 1], _ => [m, n] };
            var inputs = new List<Runtime.Tensor> { GradCheck.Random(c.Item6, a), GradCheck.Random(c.Item6 + 1, b) };
            if (cShape is not null) inputs.Add(GradCheck.Random(c.Item6 + 2, cShape));
            GradCheck.Run((g, x) => g.Op("Gemm", x.Cast<Value?>().ToArray(),
                ("alpha", (float)c.Item4), ("beta", (float)c.Item5), ("transA", ta ? 1L : 0L), ("transB", tb ? 1L : 0L)), inputs.ToArray());
        }, iter: 25, threads: 1, print: c => $"mkn {GradGen.Text(c.Item1)} trans {c.Item2} C {c.Item3} alpha {c.Item4} beta {c.Item5} seed {c.Item6}");

    [Theory]
    [InlineData("ij,jk->ik", new[] { 2, 3 }, new[] { 3, 4 })]
    [InlineData("bij,bjk->bik", new[] { 2, 2, 3 }, new[] { 2, 3, 2 })]
    [InlineData("ij,kj", new[] { 3, 2 }, new[] { 4, 2 })]
    [InlineData("ij,j->i", new[] { 3, 4 }, new[] { 4 })]
    [InlineData("bhqd,bhkd->bhqk", new[] { 1, 2, 3, 2 }, new[] { 1, 2, 2, 2 })]
    [InlineData("ijk,k->i", new[] { 2, 3, 2 }, new[] { 2 })]
    public void Einsum(string equation, int[] a, int[] b) =>
        GradCheck.Run((g, x) => g.Op("Einsum", [x[0], x[1]], ("equation", equation)), [GradCheck.Random(1, a), GradCheck.Random(2, b)]);

    [Fact]
    public void EinsumSumOfOneOperand() =>
        GradCheck.Run((g, x) => g.Op("Einsum", [x[0]], ("equation", "ij->j")), [GradCheck.Random(3, [3, 2])]);
}
