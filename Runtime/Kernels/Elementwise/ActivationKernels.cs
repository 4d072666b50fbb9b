using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Activations. Relu, Sigmoid and Tanh run on TensorPrimitives; the parametrised ones compute each
/// element in double (from the float attributes, as the ONNX reference does) and round once.
/// </summary>
public static class ActivationKernels
{
    public static Tensor?[] Relu(KernelContext ctx, Tensor?[] inputs) =>
        [TypedDispatch.Unary(ctx, "Relu", KernelInputs.Required(ctx, inputs, 0), ReluOp.Instance)];

    public static Tensor?[] Sigmoid(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Sigmoid", inputs, FloatFn.Of(FloatFn.Kind.Sigmoid));

    public static Tensor?[] Tanh(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Tanh", inputs, FloatFn.Of(FloatFn.Kind.Tanh));

    public static Tensor?[] Softsign(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Softsign", inputs, FloatFn.Of(FloatFn.Kind.Softsign));

    public static Tensor?[] LeakyRelu(KernelContext ctx, Tensor?[] inputs)
    {
        double a = ctx.Attributes.GetFloat("alpha");
        // For 0 ≤ alpha ≤ 1, max(x, alpha·x) is the same function, and vectorizes.
        return a is >= 0 and <= 1 ? Float(ctx, "LeakyRelu", inputs, new LeakyReluOp(a)) : Each(ctx, "LeakyRelu", inputs, v => v < 0 ? a * v : v);
    }

    public static Tensor?[] Elu(KernelContext ctx, Tensor?[] inputs)
    {
        double a = ctx.Attributes.GetFloat("alpha");
        return Each(ctx, "Elu", inputs, v => v < 0 ? a * (Math.Exp(v) - 1) : v);
    }

    public static Tensor?[] Selu(KernelContext ctx, Tensor?[] inputs)
    {
        double a = ctx.Attributes.GetFloat("alpha"), g = ctx.Attributes.GetFloat("gamma");
        return Each(ctx, "Selu", inputs, v => v > 0 ? g * v : g * (a * Math.Exp(v) - a));
    }

    public static Tensor?[] Celu(KernelContext ctx, Tensor?[] inputs)
    {
        double a = ctx.Attributes.GetFloat("alpha");
        if (a == 0) throw ctx.Fail("Celu: alpha must not be 0");
        return Each(ctx, "Celu", inputs, v => Math.Max(0, v) + Math.Min(0, a * (Math.Exp(v / a) - 1)));
    }

    public static Tensor?[] HardSigmoid(KernelContext ctx, Tensor?[] inputs) =>
        Float(ctx, "HardSigmoid", inputs, new HardSigmoidOp(ctx.Attributes.GetFloat("alpha"), ctx.Attributes.GetFloat("beta"), timesX: false));

    public static Tensor?[] HardSwish(KernelContext ctx, Tensor?[] inputs) =>
        Float(ctx, "HardSwish", inputs, new HardSigmoidOp(1.0 / 6, 0.5, timesX: true));

    public static Tensor?[] Softplus(KernelContext ctx, Tensor?[] inputs) => Each(ctx, "Softplus", inputs, Softplus);

    public static Tensor?[] Mish(KernelContext ctx, Tensor?[] inputs) =>
        Each(ctx, "Mish", inputs, v => v * Math.Tanh(Softplus(v)));

    public static Tensor?[] Swish(KernelContext ctx, Tensor?[] inputs) =>
        Float(ctx, "Swish", inputs, new SwishOp(ctx.Attributes.GetFloat("alpha")));

    public static Tensor?[] ThresholdedRelu(KernelContext ctx, Tensor?[] inputs)
    {
        double a = ctx.Attributes.GetFloat("alpha");
        return Each(ctx, "ThresholdedRelu", inputs, v => v > a ? v : 0);
    }

    public static Tensor?[] Gelu(KernelContext ctx, Tensor?[] inputs)
    {
        var mode = ctx.Attributes.GetString("approximate");
        const double Sqrt2OverPi = 0.79788456080286536, InvSqrt2 = 0.70710678118654752;
        return mode switch
        {
            "none" => Each(ctx, "Gelu", inputs, v => 0.5 * v * (1 + SpecialFunctions.Erf(v * InvSqrt2))),
            "tanh" => Each(ctx, "Gelu", inputs, v => 0.5 * v * (1 + Math.Tanh(Sqrt2OverPi * (v + 0.044715 * v * v * v)))),
            _ => throw ctx.Fail($"Gelu: approximate must be 'none' or 'tanh', got '{mode}'"),
        };
    }

    /// <summary>Shrink works on every numeric type: the result converts back to the input's type.</summary>
    public static Tensor?[] Shrink(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelInputs.Required(ctx, inputs, 0);
        double bias = ctx.Attributes.GetFloat("bias"), lambd = ctx.Attributes.GetFloat("lambd");
        if (!DataTypes.IsNumeric(x.Type)) throw TypedDispatch.Unsupported(ctx, "Shrink", x.Type);
        var v = x.ToDoubleArray();
        var r = new double[v.Length];
        for (int i = 0; i < r.Length; i++) r[i] = v[i] < -lambd ? v[i] + bias : v[i] > lambd ? v[i] - bias : 0;
        return [CastKernels.Convert(new Tensor(DataType.Double, x.Shape, r), x.Type)];
    }

    /// <summary>log(1 + e^x) without overflow for large x.</summary>
    private static double Softplus(double v) => Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v)));

    private static Tensor?[] Float(KernelContext ctx, string op, Tensor?[] inputs, FloatUnaryOp f) =>
        [TypedDispatch.Float(ctx, op, KernelInputs.Required(ctx, inputs, 0), f)];

    private static Tensor?[] Each(KernelContext ctx, string op, Tensor?[] inputs, Func<double, double> f) =>
        Float(ctx, op, inputs, new PerElement(f));

    private sealed class PerElement(Func<double, double> f) : FloatUnaryOp
    {
        public override void Row<T>(ReadOnlySpan<T> x, Span<T> d)
        {
            for (int i = 0; i < d.Length; i++) d[i] = T.CreateTruncating(f(double.CreateTruncating(x[i])));
        }
    }

    private sealed class LeakyReluOp(double alpha) : FloatUnaryOp
    {
        public override void Row<T>(ReadOnlySpan<T> x, Span<T> d)
        {
            TensorPrimitives.Multiply(x, T.CreateTruncating(alpha), d);
            TensorPrimitives.Max(x, d, d);
        }
    }

    /// <summary>clamp(alpha·x + beta, 0, 1), times x for HardSwish; NaN stays NaN.</summary>
    private sealed class HardSigmoidOp(double alpha, double beta, bool timesX) : FloatUnaryOp
    {
        public override void Row<T>(ReadOnlySpan<T> x, Span<T> d)
        {
            TensorPrimitives.Multiply(x, T.CreateTruncating(alpha), d);
            TensorPrimitives.Add(d, T.CreateTruncating(beta), d);
            TensorPrimitives.Max(d, T.Zero, d);
            TensorPrimitives.Min(d, T.One, d);
            if (timesX) TensorPrimitives.Multiply(d, x, d);
        }
    }

    /// <summary>x · sigmoid(alpha·x).</summary>
    private sealed class SwishOp(double alpha) : FloatUnaryOp
    {
        public override void Row<T>(ReadOnlySpan<T> x, Span<T> d)
        {
            TensorPrimitives.Multiply(x, T.CreateTruncating(alpha), d);
            TensorPrimitives.Sigmoid(d, d);
            TensorPrimitives.Multiply(d, x, d);
        }
    }

    private sealed class ReluOp : NumericUnaryOp
    {
        public static readonly ReluOp Instance = new();

        // Max propagates NaN, as numpy's maximum(x, 0) does.
        public override void Row<T>(ReadOnlySpan<T> x, Span<T> d) => TensorPrimitives.Max(x, T.Zero, d);
    }
}
