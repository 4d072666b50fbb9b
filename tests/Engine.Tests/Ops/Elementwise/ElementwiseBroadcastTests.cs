using Engine.Runtime;
using Engine.Runtime.Kernels;
using static Engine.Tests.Ops.ElementwiseRunner;

namespace Engine.Tests.Ops;

public class ElementwiseBroadcastTests
{
    /// <summary>Plain index-by-index reference: Offsets maps each output element to its input elements.</summary>
    private static float[] Naive(float[] a, int[] sa, float[] b, int[] sb, Func<float, float, float> f)
    {
        var shape = Broadcasting.Shape("ref", sa, sb);
        var oa = Broadcasting.Offsets(sa, shape);
        var ob = Broadcasting.Offsets(sb, shape);
        return oa.Select((_, i) => f(a[oa[i]], b[ob[i]])).ToArray();
    }

    public static TheoryData<int[], int[]> ShapePairs => new()
    {
        { [3, 4, 5], [3, 4, 5] },
        { [3, 4, 5], [5] },
        { [3, 4, 5], [] },
        { [], [2, 3] },
        { [1], [2, 3] },
        { [3, 1], [1, 4] },
        { [2, 3, 4], [3, 1] },
        { [1, 4, 1, 6], [3, 1, 5, 6] },
        { [2, 1, 3, 1], [1, 5, 1, 7] },
        { [4, 1], [4, 5] },
        { [1, 1, 1], [1] },
        { [2, 3, 1, 1], [2, 1, 1, 5] },
    };

    [Theory]
    [MemberData(nameof(ShapePairs))]
    public void SubMatchesNaiveBroadcastBothWays(int[] sa, int[] sb)
    {
        var a = Values((int)Tensor.ElementCount(sa), 1);
        var b = Values((int)Tensor.ElementCount(sb), 2);
        var r = Run("Sub", Tensor.FromArray(a, sa), Tensor.FromArray(b, sb));
        Assert.Equal(Broadcasting.Shape("x", sa, sb), r.Shape);
        Assert.Equal(Naive(a, sa, b, sb, (x, y) => x - y), r.As<float>());
        var r2 = Run("Sub", Tensor.FromArray(b, sb), Tensor.FromArray(a, sa));
        Assert.Equal(Naive(b, sb, a, sa, (x, y) => x - y), r2.As<float>());
    }

    [Theory]
    [MemberData(nameof(ShapePairs))]
    public void IntegerDivAndComparisonsBroadcastLikeFloats(int[] sa, int[] sb)
    {
        var a = Values((int)Tensor.ElementCount(sa), 3).Select(v => (int)(v * 10)).ToArray();
        var b = Values((int)Tensor.ElementCount(sb), 4).Select(v => (int)(v * 10) | 1).ToArray();
        var div = Run("Div", Tensor.FromArray(a, sa), Tensor.FromArray(b, sb));
        var af = a.Select(v => (float)v).ToArray();
        var bf = b.Select(v => (float)v).ToArray();
        var expected = Naive(af, sa, bf, sb, (x, y) => (float)Math.Truncate(x / y)).Select(v => (int)v).ToArray();
        Assert.Equal(expected, div.As<int>());
        var less = Run("Less", Tensor.FromArray(a, sa), Tensor.FromArray(b, sb));
        Assert.Equal(Naive(af, sa, bf, sb, (x, y) => x < y ? 1 : 0).Select(v => v == 1).ToArray(), less.As<bool>());
    }

    [Fact]
    public void EmptyDimsBroadcastToEmpty()
    {
        var r = Run("Add", Tensor.FromArray(new float[0], 0, 3), Tensor.FromArray(new float[] { 1, 2, 3 }, 1, 3));
        Assert.Equal(new[] { 0, 3 }, r.Shape);
        Assert.Empty(r.As<float>());
        var w = Run("Where", Tensor.FromArray(new bool[0], 0), F(1), F(2));
        Assert.Equal(new[] { 0 }, w.Shape);
    }

    [Fact]
    public void IncompatibleShapesFailNamingTheNode()
    {
        var e = Assert.Throws<EngineException>(() => Run("Mul", F(1, 2, 3), F(1, 2)));
        Assert.Contains("n_Mul", e.Message);
    }

    [Fact]
    public void MixedElementTypesFail()
    {
        var e = Assert.Throws<EngineException>(() => Run("Add", F(1), I(1)));
        Assert.Contains("element type", e.Message);
    }

    [Fact]
    public void LargeSameShapeAndScalarRowsAreExact()
    {
        // Long rows go through TensorPrimitives' vector paths, tails included.
        int n = 1037;
        var a = Values(n, 5);
        var b = Values(n, 6);
        Assert.Equal(a.Zip(b, (x, y) => x * y).ToArray(), Run("Mul", F(a), F(b)).As<float>());
        Assert.Equal(a.Select(x => 2.5f / x).ToArray(), Run("Div", Tensor.Scalar(2.5f), F(a)).As<float>());
        Assert.Equal(a.Select(x => Math.Max(x, 0.5f)).ToArray(), Run("Max", F(a), Tensor.Scalar(0.5f)).As<float>());
    }

    [Fact]
    public void ThreadedRunsMatchSequentialOnes()
    {
        var a = Tensor.FromArray(Values(3 * 200 * 300, 7), 3, 200, 300);
        var b = Tensor.FromArray(Values(200 * 1, 8), 200, 1);
        var c = Tensor.FromArray(Values(3 * 200 * 300, 9), 3, 200, 300);
        foreach (var (op, x, y) in new[] { ("Add", a, b), ("Mul", a, c), ("Max", b, a), ("Sub", a, Tensor.Scalar(1f)) })
            Assert.Equal(RunThreads(op, 1, [], x, y).As<float>(), RunThreads(op, 4, [], x, y).As<float>());
        Assert.Equal(RunThreads("Exp", 1, [], a).As<float>(), RunThreads("Exp", 3, [], a).As<float>());
        Assert.Equal(RunThreads("Less", 1, [], a, c).As<bool>(), RunThreads("Less", 2, [], a, c).As<bool>());
        // A failure inside a worker surfaces as the kernel's own error, not an AggregateException.
        var ints = Tensor.FromArray(Enumerable.Range(1, 300_000).ToArray(), 300_000);
        var zeros = Tensor.FromArray(new int[300_000], 300_000);
        var e = Assert.Throws<EngineException>(() => RunThreads("Div", 4, [], ints, zeros));
        Assert.Contains("division by zero", e.Message);
    }

    [Fact]
    public void VariadicOpsBroadcastAcrossAllInputs()
    {
        var s = Run("Sum", Tensor.FromArray(new float[] { 1, 2 }, 2, 1), F(10, 20, 30), Tensor.Scalar(100f));
        Assert.Equal(new[] { 2, 3 }, s.Shape);
        Assert.Equal(new float[] { 111, 121, 131, 112, 122, 132 }, s.As<float>());
        Assert.Equal(new float[] { 2, 4 }, Run("Mean", F(1, 3), F(3, 5)).As<float>());
        Assert.Equal(new float[] { 5, 6 }, Run("Sum", F(5, 6)).As<float>());
        Assert.Equal(new float[] { 3, 1 }, Run("Max", F(1, 1), F(3, -1)).As<float>());
        Assert.Equal(new float[] { 1, -1, 0 }, Run("Min", F(1, 1, 4), F(3, -1, 9), F(7, 7, 0)).As<float>());
    }

    [Fact]
    public void WhereBroadcastsThreeWaysForAnyType()
    {
        var c = Tensor.FromArray(new[] { true, false }, 2, 1);
        var r = Run("Where", c, Tensor.FromArray(new long[] { 1, 2, 3 }, 3), Tensor.Scalar(-1L));
        Assert.Equal(new[] { 2, 3 }, r.Shape);
        Assert.Equal(new long[] { 1, 2, 3, -1, -1, -1 }, r.As<long>());
        var s = Run("Where", B(true, false), Tensor.FromArray(new[] { "a", "b" }, 2), Tensor.Scalar("z"));
        Assert.Equal(new[] { "a", "z" }, s.As<string>());
        // int16 data must stay short[] (the CLR would let it pass as ushort[]).
        var i16 = Run("Where", B(false, true), Tensor.FromArray(new short[] { -1, -2 }, 2), Tensor.FromArray(new short[] { 7, 8 }, 2));
        Assert.Equal(DataType.Int16, i16.Type);
        Assert.Equal(new short[] { 7, -2 }, i16.As<short>());
    }

    [Fact]
    public void PReluBroadcastsSlope()
    {
        var x = Tensor.FromArray(new float[] { -1, 2, -3, 4, -5, 6 }, 2, 3);
        var r = Run("PRelu", x, F(0.1f, 0.2f, 0.3f));
        Assert.Equal(new float[] { -0.1f, 2, -0.90000004f, 4, -1f, 6 }, r.As<float>());
    }
}
