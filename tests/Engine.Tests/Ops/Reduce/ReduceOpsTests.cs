using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

public class ReduceOpsTests
{
    // [[[1,2],[3,4]],[[5,6],[7,8]],[[9,10],[11,12]]] : shape [3,2,2]
    private static Tensor Data() => Tensor.FromArray(Enumerable.Range(1, 12).Select(i => (float)i).ToArray(), 3, 2, 2);

    private static Tensor Axes(params long[] a) => Tensor.FromArray(a, a.Length);

    /// <summary>Reduces naively over the masked axes with a fold, for comparison.</summary>
    private static double[] Naive(double[] x, int[] shape, bool[] mask, Func<IEnumerable<double>, double> f)
    {
        var outShape = shape.Select((d, i) => mask[i] ? 1 : d).ToArray();
        var groups = new Dictionary<int, List<double>>();
        var idx = new int[shape.Length];
        var outStr = Tensor.StridesOf(outShape);
        for (int k = 0; k < x.Length; k++)
        {
            int rem = k, o = 0;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                idx[d] = rem % shape[d];
                rem /= shape[d];
                if (!mask[d]) o += idx[d] * outStr[d];
            }
            if (!groups.TryGetValue(o, out var l)) groups[o] = l = new List<double>();
            l.Add(x[k]);
        }
        int n = (int)Tensor.ElementCount(outShape);
        return Enumerable.Range(0, n).Select(o => f(groups.TryGetValue(o, out var l) ? l : [])).ToArray();
    }

    public static TheoryData<string, long[]> Cases() => new()
    {
        { "ReduceSum", [1] }, { "ReduceSum", [0, 2] }, { "ReduceSum", [-1] }, { "ReduceSum", [] },
        { "ReduceMean", [0, 1] }, { "ReduceMax", [2] }, { "ReduceMin", [0, 2] }, { "ReduceProd", [1, 2] },
        { "ReduceL1", [0] }, { "ReduceL2", [1] }, { "ReduceLogSum", [0, 1, 2] }, { "ReduceLogSumExp", [0, 2] },
        { "ReduceSumSquare", [2, 0] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesNaiveFoldForEveryKind(string op, long[] axes)
    {
        var rng = new Random(op.GetHashCode() ^ axes.Length);
        int[] shape = [3, 4, 5];
        var xs = Enumerable.Range(0, 60).Select(_ => (float)(rng.NextDouble() * 2 - 0.5)).ToArray();
        var x = Tensor.FromArray(xs, shape);
        var y = ReduceFamilyRunner.Run(op, [x, Axes(axes)], 1, constantInputs: true, attrs: ("keepdims", 1))[0];
        var mask = new bool[3];
        if (axes.Length == 0) Array.Fill(mask, true);
        foreach (var a in axes) mask[a < 0 ? a + 3 : a] = true;
        Func<IEnumerable<double>, double> f = op switch
        {
            "ReduceSum" => s => s.Sum(),
            "ReduceMean" => s => s.Average(),
            "ReduceMax" => s => s.Max(),
            "ReduceMin" => s => s.Min(),
            "ReduceProd" => s => s.Aggregate(1.0, (p, v) => p * v),
            "ReduceL1" => s => s.Sum(Math.Abs),
            "ReduceL2" => s => Math.Sqrt(s.Sum(v => v * v)),
            "ReduceLogSum" => s => Math.Log(s.Sum()),
            "ReduceLogSumExp" => s => Math.Log(s.Sum(Math.Exp)),
            _ => s => s.Sum(v => v * v),
        };
        var expected = Naive(xs.Select(v => (double)v).ToArray(), shape, mask, f);
        Assert.Equal(shape.Select((d, i) => mask[i] ? 1 : d).ToArray(), y.Shape);
        ReduceFamilyRunner.Close(expected, y, rtol: 1e-4);
    }

    [Fact]
    public void KeepDimsZeroDropsReducedAxes()
    {
        var y = ReduceFamilyRunner.Run("ReduceSum", [Data(), Axes(1)], 1, true, 0, ("keepdims", 0))[0];
        Assert.Equal(new[] { 3, 2 }, y.Shape);
        Assert.Equal(new float[] { 4, 6, 12, 14, 20, 22 }, y.As<float>());
    }

    [Fact]
    public void EmptyAxesReduceEverythingUnlessNoop()
    {
        var all = ReduceFamilyRunner.Run("ReduceSum", [Data(), Axes()], 1, true, 0)[0];
        Assert.Equal(new[] { 1, 1, 1 }, all.Shape);
        Assert.Equal(78f, all.As<float>()[0]);
        var absent = ReduceFamilyRunner.Run1("ReduceMax", [Data()], ("keepdims", 0));
        Assert.Empty(absent.Shape);
        Assert.Equal(12f, absent.As<float>()[0]);
        // noop: no reduction, but the elementwise part of the op still applies (square for SumSquare).
        var noop = ReduceFamilyRunner.Run("ReduceSumSquare", [Data(), Axes()], 1, true, 0, ("noop_with_empty_axes", 1))[0];
        Assert.Equal(new[] { 3, 2, 2 }, noop.Shape);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (float)(i * i)).ToArray(), noop.As<float>());
    }

    [Theory]
    [InlineData("ReduceSum", 0.0)]
    [InlineData("ReduceProd", 1.0)]
    [InlineData("ReduceMax", double.NegativeInfinity)]
    [InlineData("ReduceMin", double.PositiveInfinity)]
    [InlineData("ReduceLogSum", double.NegativeInfinity)]
    [InlineData("ReduceLogSumExp", double.NegativeInfinity)]
    [InlineData("ReduceL2", 0.0)]
    public void EmptySetGivesIdentity(string op, double identity)
    {
        var x = Tensor.Zeros(DataType.Float, 2, 0, 4);
        var y = ReduceFamilyRunner.Run(op, [x, Axes(1)], 1, true, 0)[0];
        Assert.Equal(new[] { 2, 1, 4 }, y.Shape);
        Assert.All(y.As<float>(), v => Assert.Equal(identity, (double)v));
    }

    [Fact]
    public void EmptyNonReducedAxisGivesEmptyOutput()
    {
        var y = ReduceFamilyRunner.Run("ReduceSum", [Tensor.Zeros(DataType.Float, 2, 0, 4), Axes(2)], 1, true, 0)[0];
        Assert.Equal(new[] { 2, 0, 1 }, y.Shape);
    }

    [Fact]
    public void IntegerReductionsStayExact()
    {
        var x = Tensor.FromArray(new long[] { long.MaxValue - 3, 1, 2, -7, 9, 4 }, 2, 3);
        var max = ReduceFamilyRunner.Run("ReduceMax", [x, Axes(1)], 1, true, 0, ("keepdims", 0))[0];
        Assert.Equal(new[] { long.MaxValue - 3, 9 }, max.As<long>());
        var empty = ReduceFamilyRunner.Run("ReduceMax", [Tensor.Zeros(DataType.Int32, 0, 3), Axes(0)], 1, true, 0)[0];
        Assert.Equal(new[] { int.MinValue, int.MinValue, int.MinValue }, empty.As<int>());
        var mean = ReduceFamilyRunner.Run("ReduceMean", [Tensor.FromArray(new int[] { 1, 2, -3, -4 }, 2, 2), Axes(1)], 1, true, 0)[0];
        Assert.Equal(new[] { 1, -3 }, mean.As<int>());
        var u8 = ReduceFamilyRunner.Run("ReduceSum", [Tensor.FromArray(new byte[] { 200, 100 }, 2), Axes(0)], 1, true, 0)[0];
        Assert.Equal((byte)44, u8.As<byte>()[0]);
        var l1 = ReduceFamilyRunner.Run("ReduceL1", [Tensor.FromArray(new sbyte[] { -3, 4 }, 2), Axes()], 1, true, 0)[0];
        Assert.Equal((sbyte)7, l1.As<sbyte>()[0]);
    }

    [Fact]
    public void BoolMaxIsAnyAndMinIsAll()
    {
        var x = Tensor.FromArray(new[] { true, false, false, false, true, true }, 3, 2);
        var max = ReduceFamilyRunner.Run("ReduceMax", [x, Axes(1)], 1, true, 0, ("keepdims", 0))[0];
        var min = ReduceFamilyRunner.Run("ReduceMin", [x, Axes(1)], 1, true, 0, ("keepdims", 0))[0];
        Assert.Equal(new[] { true, false, true }, max.As<bool>());
        Assert.Equal(new[] { false, false, true }, min.As<bool>());
    }

    [Fact]
    public void HalfAndBFloat16RoundOnce()
    {
        var h = Tensor.FromArray(new[] { (Half)1.5, (Half)2.25, (Half)(-1) }, 3);
        var y = ReduceFamilyRunner.Run("ReduceSum", [h, Axes()], 1, true, 0)[0];
        Assert.Equal((Half)2.75, y.As<Half>()[0]);
        var bf = Tensor.BFloat16(new[] { BFloat16Bits.FromFloat(3), BFloat16Bits.FromFloat(4) }, 2);
        var l2 = ReduceFamilyRunner.Run("ReduceL2", [bf, Axes()], 1, true, 0)[0];
        Assert.Equal(5f, BFloat16Bits.ToFloat(l2.As<ushort>()[0]));
    }

    [Fact]
    public void NaNPropagatesThroughMax()
    {
        var x = Tensor.FromArray(new[] { 1f, float.NaN, 3f, 4f }, 2, 2);
        var y = ReduceFamilyRunner.Run("ReduceMax", [x, Axes(1)], 1, true, 0)[0];
        Assert.True(float.IsNaN(y.As<float>()[0]));
        Assert.Equal(4f, y.As<float>()[1]);
    }

    [Fact]
    public void LogSumExpIsStableForLargeInputs()
    {
        var x = Tensor.FromArray(new[] { 1000.0, 1000.0, double.NegativeInfinity, double.NegativeInfinity }, 2, 2);
        var y = ReduceFamilyRunner.Run("ReduceLogSumExp", [x, Axes(1)], 1, true, 0)[0];
        Assert.Equal(1000 + Math.Log(2), y.As<double>()[0], 9);
        Assert.Equal(double.NegativeInfinity, y.As<double>()[1]);
    }

    [Fact]
    public void BadAxesFailWithNodeName()
    {
        var e = Assert.Throws<EngineException>(() => ReduceFamilyRunner.Run("ReduceSum", [Data(), Axes(3)], 1, false, 0));
        Assert.Contains("'n'", e.Message);
        e = Assert.Throws<EngineException>(() => ReduceFamilyRunner.Run("ReduceSum", [Data(), Axes(1, -2)], 1, false, 0));
        Assert.Contains("twice", e.Message);
    }

    [Fact]
    public void InferenceHandlesSymbolicAndUnknownAxes()
    {
        var x = new TensorType(DataType.Float, [Dim.Sym("N"), 4, 5]);
        var known = ReduceFamilyRunner.Infer("ReduceMean", [x, TensorType.Of(DataType.Int64, 1)], [null, Axes(-1)], ("keepdims", 0));
        Assert.Equal("f32[N,4]", known.ToString());
        var unknownKeep = ReduceFamilyRunner.Infer("ReduceMean", [x, TensorType.Of(DataType.Int64, 1)]);
        Assert.Equal("f32[?,?,?]", unknownKeep.ToString());
        var unknownDrop = ReduceFamilyRunner.Infer("ReduceMean", [x, TensorType.Of(DataType.Int64, 1)], null, ("keepdims", 0));
        Assert.Null(unknownDrop.Dims);
        var all = ReduceFamilyRunner.Infer("ReduceSum", [x]);
        Assert.Equal("f32[1,1,1]", all.ToString());
    }

    [Fact]
    public void SchemasFollowLatestOpsetAndFuseAsReductions()
    {
        Assert.Equal(13, OpRegistry.Default.Get("ReduceSum").Version);
        Assert.Equal(20, OpRegistry.Default.Get("ReduceMax").Version);
        Assert.Equal(18, OpRegistry.Default.Get("ReduceLogSumExp").Version);
        Assert.Equal(FusionKind.CommReduce, OpRegistry.Default.Get("ReduceMean").Fusion);
    }

    [Fact]
    public void UpgradeMovesAxesAttributeToInput()
    {
        var g = new Graph.Graph("t");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 3, 2, 2));
        var node = NodeFactory.Create(OpRegistry.Default.Get("ReduceL2"), "r", [x], 1, ("axes", new long[] { 0, 2 }));
        g.AddNode(node);
        var rules = node.Schema.ImportRules.Where(r => r.IntroducedIn > 13).ToList();
        Assert.Single(rules);
        rules[0].Rule(new ImportRuleContext(node, 13, OpRegistry.Default, (t, h) => g.AddInitializer(h, t), _ => { }));
        Assert.False(node.Attributes.HasExplicit("axes"));
        Assert.Equal(new long[] { 0, 2 }, g.InitializerData(node.Inputs[1]!)!.As<long>());
        g.Outputs.Add(node.Outputs[0]!);
        TypePropagation.Run(g);
        Assert.Equal("f32[1,2,1]", node.Outputs[0]!.Type.ToString());
    }
}
