using Engine.Runtime;
using static Engine.Tests.Ops.Linalg.LinalgHarness;

namespace Engine.Tests.Ops.Linalg;

public class EinsumTests
{
    private static Tensor F(int seed, params int[] shape) => Tensor.FromArray(Random(shape.Aggregate(1, (a, b) => a * b), seed), shape);

    private static Tensor D(Tensor f) => Tensor.FromArray(f.As<float>().Select(v => (double)v).ToArray(), f.Shape);

    /// <summary>Einsum against ORT across equation features (float and double paths).</summary>
    [Theory]
    [InlineData("ij,jk->ik", new[] { 3, 4 }, new[] { 4, 5 })]
    [InlineData("ij,jk", new[] { 3, 4 }, new[] { 4, 5 })]
    [InlineData("bij,bjk->bik", new[] { 2, 3, 4 }, new[] { 2, 4, 5 })]
    [InlineData("bhqd,bhkd->bhqk", new[] { 2, 3, 4, 8 }, new[] { 2, 3, 5, 8 })]
    [InlineData("ij,kj->ki", new[] { 3, 4 }, new[] { 5, 4 })]
    [InlineData("i,i", new[] { 5 }, new[] { 5 })]
    [InlineData("i,j->ij", new[] { 3 }, new[] { 4 })]
    [InlineData("...ij,...jk->...ik", new[] { 2, 1, 3, 4 }, new[] { 1, 5, 4, 2 })]
    [InlineData("...ij,jk", new[] { 2, 3, 4 }, new[] { 4, 2 })]
    [InlineData("ij,ij->i", new[] { 3, 4 }, new[] { 3, 4 })]
    [InlineData("ijk,jl->kil", new[] { 2, 3, 4 }, new[] { 3, 5 })]
    [InlineData("ab,bc", new[] { 2, 3 }, new[] { 1, 4 })]
    public void TwoOperandsMatchOrt(string equation, int[] aShape, int[] bShape)
    {
        var a = F(1, aShape);
        var b = F(2, bShape);
        if (equation == "ab,bc")
        {
            // A size-1 letter dim broadcasts like numpy does; ORT rejects it, so check by hand.
            var y = Run("Einsum", [a, b], ("equation", equation));
            Assert.Equal(new[] { 2, 4 }, y.Shape);
            var av = a.As<float>();
            var bv = b.As<float>();
            var want = new double[8];
            for (int i = 0; i < 2; i++) for (int c = 0; c < 4; c++) for (int j = 0; j < 3; j++) want[i * 4 + c] += av[i * 3 + j] * bv[c];
            Close(want, y.ToDoubleArray());
            return;
        }
        MatchesOrt("Einsum", 12, [("a", a, false), ("b", b, false)], -1, ("equation", equation));
        var yd = Run("Einsum", [D(a), D(b)], ("equation", equation));
        var yf = Run("Einsum", [a, b], ("equation", equation));
        Close(yd, D(yf), 1e-5, 1e-6);
    }

    [Theory]
    [InlineData("ii->i", new[] { 4, 4 })]
    [InlineData("ii", new[] { 4, 4 })]
    [InlineData("ij->ji", new[] { 3, 4 })]
    [InlineData("ij->", new[] { 3, 4 })]
    [InlineData("ij->i", new[] { 3, 4 })]
    [InlineData("...ii->...i", new[] { 2, 3, 3 })]
    [InlineData("bii->b", new[] { 2, 3, 3 })]
    [InlineData("iji->j", new[] { 3, 2, 3 })]
    [InlineData("...", new[] { 2, 3 })]
    [InlineData("->", new int[0])]
    public void OneOperandMatchesOrt(string equation, int[] shape)
    {
        MatchesOrt("Einsum", 12, [("x", D(F(3, shape)), false)], -1, ("equation", equation));
    }

    [Fact]
    public void ThreeOperandsAndIntegers()
    {
        MatchesOrt("Einsum", 12, [("a", F(4, 2, 3), false), ("b", F(5, 3, 4), false), ("c", F(6, 4, 5), false)], -1, ("equation", "ij,jk,kl->il"));
        var a = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new long[] { 1, 0, 2, 1, 0, 3 }, 3, 2);
        var y = Run("Einsum", [a, b], ("equation", "ij,jk->ik"));
        Assert.Equal(new long[] { 1 * 1 + 2 * 2 + 3 * 0, 1 * 0 + 2 * 1 + 3 * 3, 4 * 1 + 5 * 2 + 6 * 0, 4 * 0 + 5 * 1 + 6 * 3 }, y.As<long>());
        var i32 = Run("Einsum", [Tensor.FromArray(new[] { int.MaxValue, 1 }, 2)], ("equation", "i->"));
        Assert.Equal(unchecked(int.MaxValue + 1), i32.As<int>()[0]);
    }

    [Fact]
    public void EmptyDimensionsGiveZeros()
    {
        var y = Run("Einsum", [Tensor.FromArray(new float[0], 3, 0), Tensor.FromArray(new float[0], 0, 2)], ("equation", "ij,jk->ik"));
        Assert.Equal(new[] { 3, 2 }, y.Shape);
        Assert.All(y.As<float>(), v => Assert.Equal(0f, v));
        var d = Run("Einsum", [Tensor.FromArray(new double[0], 3, 0), Tensor.FromArray(new double[0], 0, 2)], ("equation", "ij,jk->ik"));
        Assert.All(d.As<double>(), v => Assert.Equal(0.0, v));
    }

    [Theory]
    [InlineData("ij,jk->ik", new[] { 3, 4 }, new[] { 5, 6 })]
    [InlineData("ij->k", new[] { 3, 4 }, null)]
    [InlineData("ijk->ij", new[] { 3, 4 }, null)]
    [InlineData("ij,jk->ii", new[] { 3, 4 }, new[] { 4, 3 })]
    [InlineData("i.j->ij", new[] { 3, 4 }, null)]
    [InlineData("i$->i", new[] { 3, 4 }, null)]
    [InlineData("ij,jk", new[] { 3, 4 }, null)]
    public void BadEquationsFail(string equation, int[] aShape, int[]? bShape)
    {
        Tensor?[] inputs = bShape is null ? [F(1, aShape)] : [F(1, aShape), F(2, bShape)];
        Assert.ThrowsAny<EngineException>(() => Run("Einsum", inputs, ("equation", equation)));
    }
}
