using System.Numerics;
using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Unary math: Abs Neg Sign (all numeric types), the float functions (vectorized with
/// TensorPrimitives), Round (half to even), Erf, IsNaN, IsInf, Not and BitwiseNot.
/// </summary>
public static class UnaryMathKernels
{
    public static Tensor?[] Abs(KernelContext ctx, Tensor?[] inputs) => Numeric(ctx, "Abs", inputs, NumericFn.Abs);

    public static Tensor?[] Neg(KernelContext ctx, Tensor?[] inputs) => Numeric(ctx, "Neg", inputs, NumericFn.Neg);

    public static Tensor?[] Sign(KernelContext ctx, Tensor?[] inputs) => Numeric(ctx, "Sign", inputs, NumericFn.Sign);

    public static Tensor?[] Sqrt(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Sqrt", inputs, FloatFn.Kind.Sqrt);

    public static Tensor?[] Exp(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Exp", inputs, FloatFn.Kind.Exp);

    public static Tensor?[] Log(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Log", inputs, FloatFn.Kind.Log);

    public static Tensor?[] Sin(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Sin", inputs, FloatFn.Kind.Sin);

    public static Tensor?[] Cos(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Cos", inputs, FloatFn.Kind.Cos);

    public static Tensor?[] Tan(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Tan", inputs, FloatFn.Kind.Tan);

    public static Tensor?[] Asin(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Asin", inputs, FloatFn.Kind.Asin);

    public static Tensor?[] Acos(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Acos", inputs, FloatFn.Kind.Acos);

    public static Tensor?[] Atan(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Atan", inputs, FloatFn.Kind.Atan);

    public static Tensor?[] Sinh(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Sinh", inputs, FloatFn.Kind.Sinh);

    public static Tensor?[] Cosh(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Cosh", inputs, FloatFn.Kind.Cosh);

    public static Tensor?[] Asinh(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Asinh", inputs, FloatFn.Kind.Asinh);

    public static Tensor?[] Acosh(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Acosh", inputs, FloatFn.Kind.Acosh);

    public static Tensor?[] Atanh(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Atanh", inputs, FloatFn.Kind.Atanh);

    public static Tensor?[] Ceil(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Ceil", inputs, FloatFn.Kind.Ceil);

    public static Tensor?[] Floor(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Floor", inputs, FloatFn.Kind.Floor);

    public static Tensor?[] Round(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Round", inputs, FloatFn.Kind.Round);

    public static Tensor?[] Reciprocal(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Reciprocal", inputs, FloatFn.Kind.Reciprocal);

    public static Tensor?[] Erf(KernelContext ctx, Tensor?[] inputs) => Float(ctx, "Erf", inputs, FloatFn.Kind.Erf);

    public static Tensor?[] IsNaN(KernelContext ctx, Tensor?[] inputs) =>
        [FloatPredicate(ctx, "IsNaN", KernelInputs.Required(ctx, inputs, 0), double.IsNaN)];

    public static Tensor?[] IsInf(KernelContext ctx, Tensor?[] inputs)
    {
        bool neg = ctx.Attributes.GetInt("detect_negative") != 0;
        bool pos = ctx.Attributes.GetInt("detect_positive") != 0;
        return [FloatPredicate(ctx, "IsInf", KernelInputs.Required(ctx, inputs, 0),
            v => pos && double.IsPositiveInfinity(v) || neg && double.IsNegativeInfinity(v))];
    }

    public static Tensor?[] Not(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelInputs.Required(ctx, inputs, 0);
        if (x.Type != DataType.Bool) throw TypedDispatch.Unsupported(ctx, "Not", x.Type);
        var src = x.As<bool>();
        var r = new bool[src.Length];
        for (int i = 0; i < r.Length; i++) r[i] = !src[i];
        return [new Tensor(DataType.Bool, x.Shape, r)];
    }

    public static Tensor?[] BitwiseNot(KernelContext ctx, Tensor?[] inputs) =>
        [TypedDispatch.Integer(ctx, "BitwiseNot", KernelInputs.Required(ctx, inputs, 0), OnesComplement.Instance)];

    private static Tensor?[] Numeric(KernelContext ctx, string op, Tensor?[] inputs, NumericFn f) =>
        [TypedDispatch.Unary(ctx, op, KernelInputs.Required(ctx, inputs, 0), f)];

    private static Tensor?[] Float(KernelContext ctx, string op, Tensor?[] inputs, FloatFn.Kind k) =>
        [TypedDispatch.Float(ctx, op, KernelInputs.Required(ctx, inputs, 0), FloatFn.Of(k))];

    private static Tensor FloatPredicate(KernelContext ctx, string op, Tensor x, Func<double, bool> p)
    {
        if (!DataTypes.IsFloat(x.Type)) throw TypedDispatch.Unsupported(ctx, op, x.Type);
        var v = x.ToDoubleArray();
        var r = new bool[v.Length];
        for (int i = 0; i < r.Length; i++) r[i] = p(v[i]);
        return new Tensor(DataType.Bool, x.Shape, r);
    }

    private sealed class NumericFn : NumericUnaryOp
    {
        public static readonly NumericFn Abs = new(0), Neg = new(1), Sign = new(2);

        private readonly int _kind;

        private NumericFn(int kind) => _kind = kind;

        public override void Row<T>(ReadOnlySpan<T> x, Span<T> d)
        {
            switch (_kind)
            {
                // Integer Abs/Neg wrap at the minimum value (as C++ and numpy), where T.Abs would throw.
                case 0:
                    for (int i = 0; i < d.Length; i++) d[i] = T.IsNegative(x[i]) ? T.Zero - x[i] : x[i];
                    break;
                case 1:
                    for (int i = 0; i < d.Length; i++) d[i] = T.Zero - x[i];
                    break;
                default:
                    for (int i = 0; i < d.Length; i++)
                    {
                        var v = x[i];
                        d[i] = T.IsNaN(v) ? v : T.IsZero(v) ? T.Zero : T.IsNegative(v) ? T.Zero - T.One : T.One;
                    }
                    break;
            }
        }
    }

    private sealed class OnesComplement : IntegerUnaryOp
    {
        public static readonly OnesComplement Instance = new();

        public override void Row<T>(ReadOnlySpan<T> x, Span<T> d) => TensorPrimitives.OnesComplement(x, d);
    }
}

/// <summary>The float unary functions, one instance per function, vectorized where TensorPrimitives is.</summary>
internal sealed class FloatFn : FloatUnaryOp
{
    public enum Kind
    {
        Sqrt, Exp, Log, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh,
        Ceil, Floor, Round, Reciprocal, Erf, Sigmoid, Tanh, Softsign,
    }

    private static readonly FloatFn[] Instances = Enum.GetValues<Kind>().Select(k => new FloatFn(k)).ToArray();

    private readonly Kind _kind;

    private FloatFn(Kind kind) => _kind = kind;

    public static FloatFn Of(Kind k) => Instances[(int)k];

    public override void Row<T>(ReadOnlySpan<T> x, Span<T> d)
    {
        switch (_kind)
        {
            case Kind.Sqrt: TensorPrimitives.Sqrt(x, d); break;
            case Kind.Exp: TensorPrimitives.Exp(x, d); break;
            case Kind.Log: TensorPrimitives.Log(x, d); break;
            case Kind.Sin: TensorPrimitives.Sin(x, d); break;
            case Kind.Cos: TensorPrimitives.Cos(x, d); break;
            case Kind.Tan: TensorPrimitives.Tan(x, d); break;
            case Kind.Asin: TensorPrimitives.Asin(x, d); break;
            case Kind.Acos: TensorPrimitives.Acos(x, d); break;
            case Kind.Atan: TensorPrimitives.Atan(x, d); break;
            case Kind.Sinh: TensorPrimitives.Sinh(x, d); break;
            case Kind.Cosh: TensorPrimitives.Cosh(x, d); break;
            case Kind.Asinh: TensorPrimitives.Asinh(x, d); break;
            case Kind.Acosh: TensorPrimitives.Acosh(x, d); break;
            case Kind.Atanh: TensorPrimitives.Atanh(x, d); break;
            case Kind.Ceil: TensorPrimitives.Ceiling(x, d); break;
            case Kind.Floor: TensorPrimitives.Floor(x, d); break;
            // MidpointRounding.ToEven: ONNX Round rounds halves to even.
            case Kind.Round: TensorPrimitives.Round(x, d); break;
            case Kind.Reciprocal: TensorPrimitives.Reciprocal(x, d); break;
            case Kind.Sigmoid: TensorPrimitives.Sigmoid(x, d); break;
            case Kind.Tanh: TensorPrimitives.Tanh(x, d); break;
            case Kind.Erf:
                for (int i = 0; i < d.Length; i++) d[i] = T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x[i])));
                break;
            case Kind.Softsign:
                for (int i = 0; i < d.Length; i++) d[i] = x[i] / (T.One + T.Abs(x[i]));
                break;
        }
    }
}
