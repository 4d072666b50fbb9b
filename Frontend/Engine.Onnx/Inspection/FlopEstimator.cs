using Engine.Graph;

namespace Engine.Onnx.Inspection;

/// <summary>FLOPs of one node: null when the shapes it needs are not static.</summary>
public delegate double? FlopRule(FlopContext ctx);

/// <summary>How a node's FLOPs were found.</summary>
public enum FlopStatus
{
    Known,
    /// <summary>The op has a rule but the shapes it needs are symbolic or unknown.</summary>
    UnknownShape,
    /// <summary>No rule for this op.</summary>
    NoRule,
}

public readonly record struct FlopEstimate(double Flops, FlopStatus Status);

/// <summary>
/// Estimated floating-point operations per node from static shapes. One multiply-add counts as
/// 2 FLOPs; elementwise ops count 1 per output element; data movement counts 0. Subgraph bodies
/// are counted once (trip counts are not known statically).
/// Each rule is a small function keyed by op name, so the table can later move into the op
/// registry as a per-op attribute (like inference and kernels) without changing the rules.
/// </summary>
public static class FlopEstimator
{
    private static readonly FlopRule Zero = _ => 0;

    private static readonly FlopRule PerOutputElement = c => c.OutputElements();

    private static readonly FlopRule PerInputElement = c => c.InputElements(0);

    private static FlopRule PerInputElementTimes(double k) => c => c.InputElements(0) * k;

    /// <summary>Rules for ai.onnx ops, by op name.</summary>
    public static IReadOnlyDictionary<string, FlopRule> Rules { get; } = BuildRules();

    public static FlopEstimate Estimate(Node n)
    {
        if (n.Domain.Length != 0 || !Rules.TryGetValue(n.OpType, out var rule)) return new(0, FlopStatus.NoRule);
        double? f;
        try
        {
            f = rule(new FlopContext(n));
        }
        catch (Runtime.EngineException)
        {
            // An attribute of the wrong kind on an op we cannot check (e.g. a placeholder): no estimate.
            f = null;
        }
        return f is { } v && double.IsFinite(v) && v >= 0 ? new(v, FlopStatus.Known) : new(0, FlopStatus.UnknownShape);
    }

    private static Dictionary<string, FlopRule> BuildRules()
    {
        var r = new Dictionary<string, FlopRule>(StringComparer.Ordinal)
        {
            ["Conv"] = c => Conv(c, weight: 1, bias: 2),
            ["ConvInteger"] = c => Conv(c, weight: 1, bias: -1),
            ["QLinearConv"] = c => Conv(c, weight: 3, bias: 8),
            ["ConvTranspose"] = ConvTranspose,
            ["MatMul"] = MatMul,
            ["MatMulInteger"] = MatMul,
            ["QLinearMatMul"] = MatMul,
            ["Gemm"] = Gemm,
            ["RNN"] = Recurrent,
            ["GRU"] = Recurrent,
            ["LSTM"] = Recurrent,
            ["MaxPool"] = WindowPool,
            ["AveragePool"] = WindowPool,
            ["LpPool"] = WindowPool,
            ["GlobalAveragePool"] = PerInputElement,
            ["GlobalMaxPool"] = PerInputElement,
            ["GlobalLpPool"] = PerInputElement,
            // exp, sum and divide per element.
            ["Softmax"] = PerInputElementTimes(3),
            ["LogSoftmax"] = PerInputElementTimes(3),
            ["Hardmax"] = PerInputElement,
            // Inference form: one scale and one shift per element.
            ["BatchNormalization"] = PerInputElementTimes(2),
            // mean, variance (subtract, square, sum), normalise, scale, shift.
            ["LayerNormalization"] = PerInputElementTimes(7),
            ["InstanceNormalization"] = PerInputElementTimes(7),
            ["GroupNormalization"] = PerInputElementTimes(7),
            ["RMSNormalization"] = PerInputElementTimes(5),
            ["LRN"] = c => c.InputElements(0) * (c.Attributes.GetInt("size", 1) + 3),
        };
        foreach (var op in new[]
                 {
                     "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                     "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "CumSum", "TopK",
                 })
        {
            r[op] = PerInputElement;
        }
        foreach (var op in new[]
                 {
                     "Add", "Sub", "Mul", "Div", "Pow", "Mod", "PRelu", "BitShift", "Abs", "Neg", "Reciprocal", "Sqrt",
                     "Exp", "Log", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Tanh", "Asinh", "Acosh",
                     "Atanh", "Erf", "Sign", "Floor", "Ceil", "Round", "Relu", "LeakyRelu", "Elu", "Selu", "Celu",
                     "Sigmoid", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "ThresholdedRelu", "Gelu", "Mish",
                     "Swish", "Clip", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor",
                     "Not", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot", "Where", "IsNaN", "IsInf",
                     "QuantizeLinear", "DequantizeLinear", "Shrink",
                 })
        {
            r[op] = PerOutputElement;
        }
        // Variadic elementwise: one op per extra input per output element.
        foreach (var op in new[] { "Sum", "Max", "Min", "Mean" })
        {
            r[op] = c => c.OutputElements() * Math.Max(1, c.InputCount - 1);
        }
        foreach (var op in new[]
                 {
                     "Identity", "Constant", "ConstantOfShape", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
                     "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND", "ScatterND",
                     "ScatterElements", "Expand", "Tile", "Pad", "Shape", "Size", "Cast", "CastLike", "Dropout",
                     "DepthToSpace", "SpaceToDepth", "Range", "NonZero", "OneHot", "EyeLike", "Trilu", "ReverseSequence",
                     "Compress", "Unique", "If", "Loop", "Scan", "Optional", "OptionalGetElement", "OptionalHasElement",
                 })
        {
            r[op] = Zero;
        }
        return r;
    }

    /// <summary>2·(C/group)·prod(kernel) per output element, plus one add per output for a bias.</summary>
    private static double? Conv(FlopContext c, int weight, int bias)
    {
        var y = c.OutputElements();
        var perOutput = FlopContext.ProductFrom(c.Input(weight), 1);
        if (y is null || perOutput is null) return null;
        return 2 * y.Value * perOutput.Value + (bias >= 0 && c.HasInput(bias) ? y.Value : 0);
    }

    /// <summary>Every input element is scattered through (M/group)·prod(kernel) weights.</summary>
    private static double? ConvTranspose(FlopContext c)
    {
        var x = c.InputElements(0);
        var perInput = FlopContext.ProductFrom(c.Input(1), 1);
        if (x is null || perInput is null) return null;
        double bias = c.HasInput(2) ? c.OutputElements() ?? 0 : 0;
        return 2 * x.Value * perInput.Value + bias;
    }

    /// <summary>2·K per output element, K being A's last dim.</summary>
    private static double? MatMul(FlopContext c) => 2 * c.OutputElements() * FlopContext.DimOf(c.Input(0), -1);

    /// <summary>2·M·N·K, plus M·N for the C term.</summary>
    private static double? Gemm(FlopContext c)
    {
        var y = c.OutputElements();
        var k = FlopContext.DimOf(c.Input(0), c.Attributes.GetInt("transA", 0) != 0 ? 0 : 1);
        if (y is null || k is null) return null;
        return 2 * y.Value * k.Value + (c.HasInput(2) ? y.Value : 0);
    }

    /// <summary>
    /// RNN/GRU/LSTM: every (time step, batch row) multiplies its input by W and its state by R,
    /// for every direction and gate — 2·(|W| + |R|) per step and row. Gate nonlinearities are not counted.
    /// </summary>
    private static double? Recurrent(FlopContext c)
    {
        var x = c.InputElements(0);
        var inputSize = FlopContext.DimOf(c.Input(0), -1);
        var w = c.InputElements(1);
        var r = c.InputElements(2);
        if (x is null || inputSize is null or 0 || w is null || r is null) return null;
        return 2 * (x.Value / inputSize.Value) * (w.Value + r.Value);
    }

    /// <summary>prod(kernel_shape) per output element.</summary>
    private static double? WindowPool(FlopContext c)
    {
        var y = c.OutputElements();
        var kernel = c.Attributes.GetIntsOrNull("kernel_shape");
        if (y is null || kernel is null) return null;
        double k = 1;
        foreach (var d in kernel) k *= d;
        return y.Value * k;
    }
}
