using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.ElementwiseRunner;

namespace Engine.Tests.Ops;

public class ElementwiseSchemaTests
{
    private static readonly string[] Unary =
    [
        "Abs", "Neg", "Sqrt", "Exp", "Log", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
        "Ceil", "Floor", "Round", "Sign", "Erf", "IsNaN", "IsInf", "Reciprocal", "Not", "BitwiseNot", "Relu", "LeakyRelu", "Elu",
        "Selu", "Celu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Softplus", "Softsign", "Gelu", "Mish", "Swish",
        "ThresholdedRelu", "Shrink", "Cast", "CastLike", "BitCast", "Clip",
    ];

    private static readonly string[] Broadcasting =
    [
        "PRelu", "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Min", "Max", "Sum", "Mean", "And", "Or", "Xor", "Equal", "Less",
        "Greater", "LessOrEqual", "GreaterOrEqual", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "Where",
    ];

    [Fact]
    public void EveryOpHasAKernelInferenceAndFusionKind()
    {
        foreach (var name in Unary.Concat(Broadcasting))
        {
            var s = OpRegistry.Default.Get(name);
            Assert.NotNull(s.Kernel);
            Assert.NotNull(s.Inference);
            Assert.Equal(Broadcasting.Contains(name) ? FusionKind.Broadcast : FusionKind.ElemWise, s.Fusion);
        }
    }

    private static Node Infer(string op, TensorType[] inputs, params (string, object)[] attrs)
    {
        var n = NodeFactory.Create(OpRegistry.Default.Get(op), "n", inputs.Select((t, i) => new Value("in" + i, t)), 1, attrs);
        TypePropagation.InferNode(n);
        return n;
    }

    private static TensorType T(DataType e, params Dim[] dims) => new(e, dims);

    [Fact]
    public void BroadcastInferencePassesSymbolsThrough()
    {
        var n = Infer("Add", [T(DataType.Float, Dim.Sym("batch"), 1, 4), T(DataType.Float, 3, 1)]);
        Assert.Equal("f32[batch,3,4]", n.Outputs[0]!.Type.ToString());
        Assert.Equal("bool[batch,3,4]", Infer("Less", [T(DataType.Float, Dim.Sym("batch"), 1, 4), T(DataType.Float, 3, 1)]).Outputs[0]!.Type.ToString());
        Assert.Null(Infer("Mul", [TensorType.Unknown(DataType.Float), T(DataType.Float, 3)]).Outputs[0]!.Type.Dims);
        Assert.Equal("f32[2,3]", Infer("Sum", [T(DataType.Float, 2, 1), T(DataType.Float, 3), T(DataType.Float)]).Outputs[0]!.Type.ToString());
        Assert.Throws<EngineException>(() => Infer("Add", [T(DataType.Float, 3), T(DataType.Float, 4)]));
        Assert.Throws<EngineException>(() => Infer("Add", [T(DataType.Float, 3), T(DataType.Int32, 3)]));
    }

    [Fact]
    public void TypeChangingOpsInferTheirOutputType()
    {
        Assert.Equal("i64[2,?]", Infer("Cast", [T(DataType.Float, 2, Dim.Unknown)], ("to", (long)DataType.Int64)).Outputs[0]!.Type.ToString());
        Assert.Equal("f16[5]", Infer("CastLike", [T(DataType.Float, 5), T(DataType.Float16, 0)]).Outputs[0]!.Type.ToString());
        Assert.Equal("i32[5]", Infer("BitCast", [T(DataType.Float, 5)], ("to", (long)DataType.Int32)).Outputs[0]!.Type.ToString());
        Assert.Equal("i32[3]", Infer("Pow", [T(DataType.Int32, 3), T(DataType.Float, 1)]).Outputs[0]!.Type.ToString());
        Assert.Equal("bool[4]", Infer("IsNaN", [T(DataType.Float16, 4)]).Outputs[0]!.Type.ToString());
        Assert.Equal("i64[2,3]", Infer("Where", [T(DataType.Bool, 2, 1), T(DataType.Int64, 3), T(DataType.Int64)]).Outputs[0]!.Type.ToString());
        Assert.Throws<EngineException>(() => Infer("Where", [T(DataType.Float, 2), T(DataType.Int64, 2), T(DataType.Int64, 2)]));
        Assert.Throws<EngineException>(() => Infer("Cast", [T(DataType.Float, 2)], ("to", 99L)));
    }

    private static Node Upgrade(string op, long opset, Tensor?[] constants, TensorType[] inputs, params (string, object)[] attrs)
    {
        var n = NodeFactory.Create(OpRegistry.Default.Get(op), "old", inputs.Select((t, i) => new Value("in" + i, t)), 1, attrs);
        var emitted = new List<Node>();
        foreach (var rule in n.Schema.ImportRules.Where(r => r.IntroducedIn > opset))
        {
            var ctx = new ImportRuleContext(n, opset, OpRegistry.Default, (t, hint) =>
            {
                var v = new Value(hint, TensorType.Of(t));
                constants[0] = t;
                return v;
            }, emitted.Add);
            rule.Rule(ctx);
        }
        return n;
    }

    [Fact]
    public void ClipOneBoundsBecomeInputs()
    {
        var captured = new Tensor?[1];
        var n = Upgrade("Clip", 1, captured, [T(DataType.Float, 3)], ("max", 2.5f), ("consumed_inputs", new long[] { 0 }));
        Assert.False(n.Attributes.HasExplicit("max"));
        Assert.False(n.Attributes.HasExplicit("consumed_inputs"));
        Assert.Null(n.Input(1));
        Assert.NotNull(n.Input(2));
        Assert.Equal(2.5f, captured[0]!.ScalarAsDouble());
        // And the kernel accepts the float bound for a double input.
        Assert.Equal(new[] { 1, 2.5 }, Run("Clip", Tensor.FromArray(new[] { 1.0, 7 }, 2), null, captured[0]).As<double>());
    }

    [Fact]
    public void CastOneTypeNamesBecomeCodes()
    {
        var n = Upgrade("Cast", 1, new Tensor?[1], [T(DataType.Int32, 2)], ("to", "FLOAT16"));
        Assert.Equal((long)DataType.Float16, n.Attributes.GetInt("to"));
        Assert.Throws<EngineException>(() => Upgrade("Cast", 5, new Tensor?[1], [T(DataType.Int32, 2)], ("to", "COMPLEX_THING")));
        var modern = Upgrade("Cast", 13, new Tensor?[1], [T(DataType.Int32, 2)], ("to", 7L));
        Assert.Equal(7L, modern.Attributes.GetInt("to"));
    }

    [Fact]
    public void LegacyBroadcastAttributesAreDropped()
    {
        // Trailing alignment (no axis, or an axis that already ends at A's last dim) is numpy's.
        var n = Upgrade("Add", 6, new Tensor?[1], [T(DataType.Float, 2, 3, 4), T(DataType.Float, 3, 4)], ("broadcast", 1L), ("axis", 1L));
        Assert.False(n.Attributes.HasExplicit("broadcast"));
        Assert.False(n.Attributes.HasExplicit("axis"));
        Assert.Equal("in1", n.Input(1)!.Name);
        var e = Assert.Throws<EngineException>(() =>
            Upgrade("Mul", 6, new Tensor?[1], [TensorType.Unknown(DataType.Float), T(DataType.Float, 3)], ("broadcast", 1L), ("axis", 0L)));
        Assert.Contains("rank", e.Message);
        var same = Upgrade("Sub", 5, new Tensor?[1], [T(DataType.Float, 3), T(DataType.Float, 3)], ("consumed_inputs", new long[] { 0, 0 }));
        Assert.Equal(0, same.Attributes.Count);
    }

    [Fact]
    public void PReluSixChannelSlopeIsAlignedWithAxisOne()
    {
        var prelu = OpRegistry.Default.Get("PRelu");
        var g = new Engine.Graph.Graph();
        var x = g.AddInput("x", T(DataType.Float, 2, 3, 4, 5));
        var slope = g.AddInitializer("slope", F(0.1f, 0.2f, 0.3f));
        var n = NodeFactory.Create(prelu, "p", [x, slope]);
        g.AddNode(n);
        Tensor? added = null;
        var emitted = new List<Node>();
        foreach (var rule in prelu.ImportRules.Where(r => r.IntroducedIn > 6))
            rule.Rule(new ImportRuleContext(n, 6, OpRegistry.Default, (t, h) => { added = t; return g.AddInitializer(h, t); }, emitted.Add));
        Assert.Empty(emitted);
        Assert.Equal(new[] { 3, 1, 1 }, added!.Shape);
        Assert.Same(g.InitializerValues[^1], n.Input(1));

        // A slope fed at run time gets an Unsqueeze in the graph instead.
        var g2 = new Engine.Graph.Graph();
        var x2 = g2.AddInput("x", T(DataType.Float, 2, 3, 4));
        var s2 = g2.AddInput("slope", T(DataType.Float, 3));
        var n2 = NodeFactory.Create(prelu, "p", [x2, s2]);
        g2.AddNode(n2);
        foreach (var rule in prelu.ImportRules.Where(r => r.IntroducedIn > 6))
            rule.Rule(new ImportRuleContext(n2, 6, OpRegistry.Default, (t, h) => { added = t; return g2.AddInitializer(h, t); }, emitted.Add));
        Assert.Single(emitted);
        Assert.Equal("Unsqueeze", emitted[0].OpType);
        Assert.Equal(new long[] { 1 }, added!.ToInt64Array());
        Assert.Same(emitted[0].Outputs[0], n2.Input(1));

        // Mismatched channel counts are an import error, a single shared slope is left alone.
        var g3 = new Engine.Graph.Graph();
        var n3 = NodeFactory.Create(prelu, "p", [g3.AddInput("x", T(DataType.Float, 2, 4, 4)), g3.AddInitializer("s", F(1, 2, 3))]);
        g3.AddNode(n3);
        Assert.Throws<EngineException>(() => prelu.ImportRules.Last().Rule(new ImportRuleContext(n3, 6, OpRegistry.Default, (t, h) => g3.AddInitializer(h, t), _ => { })));
        var single = g3.AddInitializer("one", F(0.5f));
        n3.SetInput(1, single);
        prelu.ImportRules.Last().Rule(new ImportRuleContext(n3, 6, OpRegistry.Default, (t, h) => g3.AddInitializer(h, t), _ => { }));
        Assert.Same(single, n3.Input(1));
    }

    [Fact]
    public void LegacyAxisBroadcastRunsLikeOpsetSix()
    {
        // Add-6 with broadcast=1, axis=1: B [3] lines up with A's dim 1, not its last dim.
        var add = OpRegistry.Default.Get("Add");
        var g = new Engine.Graph.Graph();
        var a = g.AddInput("a", T(DataType.Float, 2, 3, 2));
        var b = g.AddInput("b", T(DataType.Float, 3));
        var n = NodeFactory.Create(add, "add", [a, b], 1, ("broadcast", 1L), ("axis", 1L));
        g.AddNode(n);
        g.Outputs.Add(n.Outputs[0]!);
        foreach (var rule in add.ImportRules.Where(r => r.IntroducedIn > 6))
            rule.Rule(new ImportRuleContext(n, 6, OpRegistry.Default, (t, h) => g.AddInitializer(h, t), e => g.InsertNode(g.IndexOf(n), e)));
        Assert.Equal(0, n.Attributes.Count);
        TypePropagation.Run(g);
        Assert.Equal("f32[2,3,2]", n.Outputs[0]!.Type.ToString());
        var av = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        var outs = new ReferenceExecutor(g).Run(new Dictionary<string, Tensor>
        {
            ["a"] = Tensor.FromArray(av, 2, 3, 2),
            ["b"] = F(100, 200, 300),
        });
        Assert.Equal(new float[] { 100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311 }, outs[n.Outputs[0]!.Name].As<float>());
    }
}
