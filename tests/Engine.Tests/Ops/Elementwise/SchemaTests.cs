using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.OpRunner;

namespace Engine.Tests.Ops;

public class SchemaTests
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
}
