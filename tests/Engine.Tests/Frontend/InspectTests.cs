using Engine.Graph;
using Engine.Onnx.Inspection;
using Engine.Onnx.Proto;
using static Engine.Tests.Frontend.OnnxBuilder;
using DataType = Engine.Runtime.DataType;

namespace Engine.Tests.Frontend;

/// <summary>The model inspector and its FLOP estimator, on models whose shapes are all declared.</summary>
public class InspectTests
{
    /// <summary>Conv → MaxPool → Relu, MatMul, Gemm, a symbolic-shape Relu and a foreign op, every shape declared.</summary>
    internal static ModelProto CnnModel()
    {
        var magic = Node("Magic", ["a"], ["m"], "magic0");
        magic.Domain = "com.example";
        var g = MakeGraph("cnn",
        [
            Value("x", DataType.Float, 1, 3, 8, 8), Value("a", DataType.Float, 2, 5, 7), Value("b", DataType.Float, 7, 3),
            Value("ga", DataType.Float, 4, 6), Value("gb", DataType.Float, 6, 5), Value("gc", DataType.Float, 5),
            Value("s", DataType.Float, "batch", 4),
        ],
        [
            Value("r", DataType.Float, 1, 4, 4, 4), Value("mm", DataType.Float, 2, 5, 3), Value("gy", DataType.Float, 4, 5),
            Value("sr", DataType.Float, "batch", 4), Value("m", DataType.Float, 2, 5, 7),
        ],
        [
            Node("Conv", ["x", "w", "bias"], ["c"], "conv0", Attr("pads", 1L, 1L, 1L, 1L), Attr("kernel_shape", 3L, 3L)),
            Node("MaxPool", ["c"], ["p"], "pool0", Attr("kernel_shape", 2L, 2L), Attr("strides", 2L, 2L)),
            Node("Relu", ["p"], ["r"], "relu0"),
            Node("MatMul", ["a", "b"], ["mm"], "matmul0"),
            Node("Gemm", ["ga", "gb", "gc"], ["gy"], "gemm0"),
            Node("Relu", ["s"], ["sr"], "relu_sym"),
            magic,
        ],
        [Floats("w", new float[4 * 3 * 3 * 3], 4, 3, 3, 3), Floats("bias", [1, 2, 3, 4], 4)]);
        g.ValueInfo.Add(Value("c", DataType.Float, 1, 4, 8, 8));
        g.ValueInfo.Add(Value("p", DataType.Float, 1, 4, 4, 4));
        return Model(g, 13, ("com.example", 1L));
    }

    private static ModelReport Inspect(ModelProto m) => ModelInspector.Inspect(m, "cnn.onnx", null);

    [Fact]
    public void FlopsFollowTheRulesPerOpType()
    {
        var r = Inspect(CnnModel());
        OpEntry Op(string name) => r.Ops.Single(o => o.Op == name);
        Assert.Equal(2 * 256 * 27 + 256, Op("Conv").Flops);   // 4×8×8 outputs, 3·3·3 MACs each, plus bias
        Assert.Equal(64 * 4, Op("MaxPool").Flops);            // 2×2 window per output
        Assert.Equal(2 * 30 * 7, Op("MatMul").Flops);
        Assert.Equal(2 * 20 * 6 + 20, Op("Gemm").Flops);
        Assert.Equal(64, Op("Relu").Flops);                   // the static one; the symbolic one is unknown
        Assert.Equal(2, Op("Relu").Count);
        Assert.Equal(1, Op("Relu").FlopsUnknownNodes);
        Assert.Equal(1, Op("com.example::Magic").FlopsUnknownNodes);
        Assert.False(Op("com.example::Magic").HasFlopRule);
        Assert.Equal(14080 + 256 + 420 + 260 + 64, r.Flops.Total);
        Assert.Equal(5, r.Flops.KnownNodes);
        Assert.Equal(1, r.Flops.UnknownShapeNodes);
        Assert.Equal(1, r.Flops.NoRuleNodes);
    }

    [Fact]
    public void ReportsSignatureOpsetsParametersAndUnsupportedOps()
    {
        var r = Inspect(CnnModel());
        Assert.Equal(new[] { "x", "a", "b", "ga", "gb", "gc", "s" }, r.Inputs.Select(i => i.Name));
        var s = r.Inputs.Single(i => i.Name == "s");
        Assert.Equal("[batch,4]", s.Shape);
        Assert.Equal(new object?[] { "batch", 4L }, s.Dims);
        Assert.Equal(new[] { ("ai.onnx", 13L), ("com.example", 1L) }, r.Opsets.Select(o => (o.Domain, o.Version)));
        Assert.Equal("tests", r.Producer);
        Assert.Equal(new TensorStats(2, 108 + 4, 112 * 4), r.Parameters);
        Assert.Equal(7, r.Nodes);
        Assert.Contains("com.example::Magic@1", r.UnsupportedOps);
    }

    [Fact]
    public void SubgraphNodesAreCounted()
    {
        var body = MakeGraph("body", [], [Value("inner", DataType.Float, 2)], [Node("Identity", ["x"], ["inner"], "deep")]);
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("y", DataType.Float, 2)],
            [Node("Wrapper", ["x"], ["y"], "w", Attr("body", body))]));
        var r = Inspect(m);
        Assert.Equal(2, r.Nodes);
        Assert.Equal(1, r.Subgraphs);
        Assert.Equal(1, r.Ops.Single(o => o.Op == "Identity").Count);
        Assert.True(r.Ops.Single(o => o.Op == "Identity").Supported);
        Assert.False(r.Ops.Single(o => o.Op == "Wrapper").Supported);
    }

    [Fact]
    public void EveryRuleSurvivesUnknownShapesAndOddAttributes()
    {
        // Each rule on a node whose values have unknown rank, then symbolic dims, then a wrong-kind
        // attribute: never an exception, and unknown unless the op is free data movement.
        foreach (var op in FlopEstimator.Rules.Keys)
        {
            foreach (var type in new[] { TensorType.Unknown(DataType.Float), new TensorType(DataType.Float, [Dim.Sym("n"), 3]) })
            {
                var n = new Node(new OpSchema("", op), "probe");
                n.AddInput(new Value("x", type));
                n.AddInput(new Value("w", type));
                n.AddOutput(new Value("y", type));
                n.Attributes.Set("kernel_shape", "not ints");
                n.Attributes.Set("transA", 1.5f);
                var e = FlopEstimator.Estimate(n);
                Assert.True(e.Status == FlopStatus.UnknownShape || e.Flops == 0, op);
            }
        }
    }

    [Fact]
    public void OpsWithoutARuleAreNoRule()
    {
        var n = new Node(new OpSchema("", "SomethingNew"), "n");
        Assert.Equal(FlopStatus.NoRule, FlopEstimator.Estimate(n).Status);
        var foreign = new Node(new OpSchema("com.example", "Conv"), "c");
        Assert.Equal(FlopStatus.NoRule, FlopEstimator.Estimate(foreign).Status);
    }

    [Fact]
    public void RealModelFlopsAreExact()
    {
        // MNIST (CNTK): conv 5×5 (1→8, 28×28) and (8→16, 14×14) without bias, adds, relus, pools 2×2 and 3×3, a 256×10 MatMul.
        var r = ModelInspector.Inspect(SharedData.Path("models", "mnist", "model.onnx"));
        Assert.Equal(0, r.Flops.UnknownShapeNodes + r.Flops.NoRuleNodes);
        Assert.Equal(6272 * 25 * 2 + 3136 * 200 * 2.0, r.Ops.Single(o => o.Op == "Conv").Flops);
        Assert.Equal(1568 * 4 + 256 * 9.0, r.Ops.Single(o => o.Op == "MaxPool").Flops);
        Assert.Equal(1_600_522, r.Flops.Total);
        Assert.Empty(r.UnsupportedOps);
    }

    [Fact]
    public void RecurrentFlopsCountBothMatmulsPerStep()
    {
        var n = new Node(new OpSchema("", "LSTM"), "lstm");
        n.AddInput(new Value("x", TensorType.Of(DataType.Float, 7, 2, 5)));       // seq 7, batch 2, input 5
        n.AddInput(new Value("w", TensorType.Of(DataType.Float, 2, 4 * 3, 5)));   // 2 directions, 4 gates, hidden 3
        n.AddInput(new Value("r", TensorType.Of(DataType.Float, 2, 4 * 3, 3)));
        n.AddOutput(new Value("y", TensorType.Unknown(DataType.Float)));
        var e = FlopEstimator.Estimate(n);
        Assert.Equal(FlopStatus.Known, e.Status);
        Assert.Equal(2.0 * 7 * 2 * (2 * 12 * 5 + 2 * 12 * 3), e.Flops);
    }

    [Fact]
    public void QuantizedConvReadsItsWeightFromInput3()
    {
        var n = new Node(new OpSchema("", "QLinearConv"), "q");
        var scalar = TensorType.Of(DataType.Float);
        n.AddInput(new Value("x", TensorType.Of(DataType.UInt8, 1, 2, 5, 5)));
        n.AddInput(new Value("xs", scalar));
        n.AddInput(new Value("xz", TensorType.Of(DataType.UInt8)));
        n.AddInput(new Value("w", TensorType.Of(DataType.UInt8, 4, 2, 3, 3)));
        n.AddOutput(new Value("y", TensorType.Of(DataType.UInt8, 1, 4, 3, 3)));
        Assert.Equal(2.0 * 36 * 18, FlopEstimator.Estimate(n).Flops);
    }
}
