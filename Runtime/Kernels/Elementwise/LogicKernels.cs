using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Engine.Runtime.Kernels;

/// <summary>Comparisons, boolean logic, bitwise ops and BitShift, all broadcasting.</summary>
public static class LogicKernels
{
    public static Tensor?[] Equal(KernelContext ctx, Tensor?[] inputs)
    {
        var a = KernelInputs.Required(ctx, inputs, 0);
        var b = KernelInputs.Required(ctx, inputs, 1);
        if (a.Type == DataType.String && b.Type == DataType.String)
        {
            return [BroadcastLoop.Run<string, string, bool>(ctx, a, b, DataType.Bool,
                static (x, y, d) => BroadcastLoop.Map(x, y, d, static (p, q) => string.Equals(p, q, StringComparison.Ordinal)))];
        }
        return [TypedDispatch.Compare(ctx, "Equal", a, b, Cmp.Eq)];
    }

    public static Tensor?[] Less(KernelContext ctx, Tensor?[] inputs) => Compare(ctx, "Less", inputs, Cmp.Lt);

    public static Tensor?[] LessOrEqual(KernelContext ctx, Tensor?[] inputs) => Compare(ctx, "LessOrEqual", inputs, Cmp.Le);

    public static Tensor?[] Greater(KernelContext ctx, Tensor?[] inputs) => Compare(ctx, "Greater", inputs, Cmp.Gt);

    public static Tensor?[] GreaterOrEqual(KernelContext ctx, Tensor?[] inputs) => Compare(ctx, "GreaterOrEqual", inputs, Cmp.Ge);

    public static Tensor?[] And(KernelContext ctx, Tensor?[] inputs) => Logic(ctx, "And", inputs, static (p, q) => p & q);

    public static Tensor?[] Or(KernelContext ctx, Tensor?[] inputs) => Logic(ctx, "Or", inputs, static (p, q) => p | q);

    public static Tensor?[] Xor(KernelContext ctx, Tensor?[] inputs) => Logic(ctx, "Xor", inputs, static (p, q) => p ^ q);

    public static Tensor?[] BitwiseAnd(KernelContext ctx, Tensor?[] inputs) => Bitwise(ctx, "BitwiseAnd", inputs, BitOp.And);

    public static Tensor?[] BitwiseOr(KernelContext ctx, Tensor?[] inputs) => Bitwise(ctx, "BitwiseOr", inputs, BitOp.Or);

    public static Tensor?[] BitwiseXor(KernelContext ctx, Tensor?[] inputs) => Bitwise(ctx, "BitwiseXor", inputs, BitOp.Xor);

    public static Tensor?[] BitShift(KernelContext ctx, Tensor?[] inputs)
    {
        var dir = ctx.Attributes.GetString("direction");
        var op = dir switch
        {
            "LEFT" => BitOp.Left,
            "RIGHT" => BitOp.Right,
            _ => throw ctx.Fail($"BitShift: direction must be LEFT or RIGHT, got '{dir}'"),
        };
        return Bitwise(ctx, "BitShift", inputs, op);
    }

    private static Tensor?[] Compare(KernelContext ctx, string op, Tensor?[] inputs, Cmp f) =>
        [TypedDispatch.Compare(ctx, op, KernelInputs.Required(ctx, inputs, 0), KernelInputs.Required(ctx, inputs, 1), f)];

    private static Tensor?[] Bitwise(KernelContext ctx, string op, Tensor?[] inputs, BitOp f) =>
        [TypedDispatch.Integer(ctx, op, KernelInputs.Required(ctx, inputs, 0), KernelInputs.Required(ctx, inputs, 1), f)];

    private static Tensor?[] Logic(KernelContext ctx, string op, Tensor?[] inputs, Func<bool, bool, bool> f)
    {
        var a = KernelInputs.Required(ctx, inputs, 0);
        var b = KernelInputs.Required(ctx, inputs, 1);
        if (a.Type != DataType.Bool || b.Type != DataType.Bool)
            throw ctx.Fail($"{op} needs bool inputs, got {DataTypes.ShortName(a.Type)} and {DataTypes.ShortName(b.Type)}");
        return [BroadcastLoop.Run<bool, bool, bool>(ctx, a, b, DataType.Bool, (x, y, d) => BroadcastLoop.Map(x, y, d, f))];
    }

    private sealed class Cmp : ComparisonOp
    {
        public static readonly Cmp Eq = new(0), Lt = new(1), Le = new(2), Gt = new(3), Ge = new(4);

        private readonly int _kind;

        private Cmp(int kind) => _kind = kind;

        // IEEE comparisons: anything against NaN is false (Equal included).
        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> d)
        {
            switch (_kind)
            {
                case 0: BroadcastLoop.Map(x, y, d, static (p, q) => p == q); break;
                case 1: BroadcastLoop.Map(x, y, d, static (p, q) => p < q); break;
                case 2: BroadcastLoop.Map(x, y, d, static (p, q) => p <= q); break;
                case 3: BroadcastLoop.Map(x, y, d, static (p, q) => p > q); break;
                default: BroadcastLoop.Map(x, y, d, static (p, q) => p >= q); break;
            }
        }
    }

    private sealed class BitOp : IntegerBinaryOp
    {
        public static readonly BitOp And = new(0), Or = new(1), Xor = new(2), Left = new(3), Right = new(4);

        private readonly int _kind;

        private BitOp(int kind) => _kind = kind;

        public override void Row<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            switch (_kind)
            {
                case 0: Apply(x, y, d, TensorPrimitives.BitwiseAnd, TensorPrimitives.BitwiseAnd); break;
                case 1: Apply(x, y, d, TensorPrimitives.BitwiseOr, TensorPrimitives.BitwiseOr); break;
                case 2: Apply(x, y, d, TensorPrimitives.Xor, TensorPrimitives.Xor); break;
                case 3: BroadcastLoop.Map(x, y, d, ShiftLeft); break;
                default: BroadcastLoop.Map(x, y, d, ShiftRight); break;
            }
        }

        private delegate void SpanSpan<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d);

        private delegate void SpanScalar<T>(ReadOnlySpan<T> x, T y, Span<T> d);

        /// <summary>A commutative vectorized op on a row: both full, or one side a broadcast scalar.</summary>
        private static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d, SpanSpan<T> vv, SpanScalar<T> vs)
        {
            if (x.Length == d.Length && y.Length == d.Length) vv(x, y, d);
            else if (y.Length == 1) vs(x, y[0], d);
            else vs(y, x[0], d);
        }

        // Shifting by the bit width or more gives 0 (numpy), where C# would mask the count.
        private static T ShiftLeft<T>(T v, T s) where T : IBinaryInteger<T> =>
            T.IsNegative(s) || s >= T.CreateTruncating(Unsafe.SizeOf<T>() * 8) ? T.Zero : v << int.CreateTruncating(s);

        private static T ShiftRight<T>(T v, T s) where T : IBinaryInteger<T> =>
            T.IsNegative(s) || s >= T.CreateTruncating(Unsafe.SizeOf<T>() * 8) ? (T.IsNegative(v) ? T.Zero - T.One : T.Zero) : v >> int.CreateTruncating(s);
    }
}
