using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>Small predicates shared by the pattern rule sets.</summary>
internal static class PatternUtil
{
    /// <summary>Relative tolerance for the well-known constants of a pattern (0.5, √2, 0.044715, …), written as float32 by exporters.</summary>
    public const double Tolerance = 1e-6;

    public static bool Is(Node? n, string op) => n is not null && n.OpType == op && n.Domain == "";

    public static bool IsFloat(DataType t) => t is DataType.Float or DataType.Double or DataType.Float16;

    public static bool Near(double value, double expected) =>
        Math.Abs(value - expected) <= Tolerance * Math.Max(Math.Abs(expected), 1e-30);

    /// <summary>The value of a one-element floating constant, else null.</summary>
    public static double? Scalar(RewriteContext c, Value? v)
    {
        if (c.ConstantOf(v) is not { } t || t.Length != 1 || !IsFloat(t.Type)) return null;
        return t.ToDoubleArray()[0];
    }

    /// <summary>The value of a one-element numeric constant of any element type (Pow exponents may be integers).</summary>
    public static double? Exponent(RewriteContext c, Value? v)
    {
        if (c.ConstantOf(v) is not { } t || t.Length != 1 || t.Type is DataType.String or DataType.Bool) return null;
        return t.ToDoubleArray()[0];
    }

    /// <summary>
    /// The value of a one-element floating constant operand that, combined elementwise with
    /// <paramref name="x"/>, cannot change x's shape (its rank does not exceed x's).
    /// </summary>
    public static double? ScalarFor(RewriteContext c, Value? k, Value x)
    {
        if (Scalar(c, k) is not { } s) return null;
        var t = c.ConstantOf(k)!;
        if (t.Type != x.Type.Elem) return null;
        if (t.Rank > 0 && (!x.Type.HasRank || t.Rank > x.Type.Rank)) return null;
        return s;
    }

    /// <summary>True when <paramref name="k"/> is a shape-preserving scalar constant within tolerance of <paramref name="expected"/>.</summary>
    public static bool IsScalar(RewriteContext c, Value? k, Value x, double expected) =>
        ScalarFor(c, k, x) is { } s && Near(s, expected);

    /// <summary>For a binary commutative node: the operand other than <paramref name="known"/>, or null.</summary>
    public static Value? Other(Node n, Value known)
    {
        if (n.Inputs.Count != 2) return null;
        if (n.Inputs[0] == known) return n.Inputs[1];
        if (n.Inputs[1] == known) return n.Inputs[0];
        return null;
    }

    /// <summary>A two-operand addition: Add, or Sum of two inputs (ONNX function bodies write Sum).</summary>
    public static bool IsAdd(Node? n) => n is not null && n.Inputs.Count == 2 && (Is(n, "Add") || Is(n, "Sum"));

    /// <summary>The producer of <paramref name="v"/> when it is a two-operand addition.</summary>
    public static Node? AddProducer(Value? v) => IsAdd(v?.Producer) ? v!.Producer : null;

    /// <summary>The only reader of <paramref name="v"/> when it is a two-operand addition.</summary>
    public static Node? AddUser(Value? v) => v is { Users.Count: 1 } && IsAdd(v.Users[0]) ? v.Users[0] : null;

    /// <summary>The only reader of <paramref name="v"/> when it is of op <paramref name="op"/>.</summary>
    public static Node? SoleUser(Value? v, string op) =>
        v is { Users.Count: 1 } && Is(v.Users[0], op) ? v.Users[0] : null;

    /// <summary>For Mul(x, k)/Mul(k, x) with a scalar constant k: x and k's value.</summary>
    public static (Value X, double K)? MulByScalar(Node? n, RewriteContext c)
    {
        if (!Is(n, "Mul") || n!.Inputs.Count != 2) return null;
        for (int side = 0; side < 2; side++)
        {
            var x = n.Inputs[1 - side];
            if (x is not null && ScalarFor(c, n.Inputs[side], x) is { } k) return (x, k);
        }
        return null;
    }

    /// <summary>For Div(x, k) with a scalar constant k: x and k's value.</summary>
    public static (Value X, double K)? DivByScalar(Node? n, RewriteContext c)
    {
        if (!Is(n, "Div") || n!.Inputs.Count != 2 || n.Inputs[0] is not { } x) return null;
        return ScalarFor(c, n.Inputs[1], x) is { } k ? (x, k) : null;
    }

    /// <summary>
    /// The reduction axes of a Reduce* node (opset-18 form: axes input), normalized and sorted, when
    /// it keeps dims; null when unknown or not keepdims. No axes input means all axes.
    /// </summary>
    public static int[]? ReduceAxes(Node r, RewriteContext c, int rank)
    {
        if (rank < 0 || r.Attributes.GetInt("keepdims") != 1) return null;
        if (r.Input(1) is not { } axesValue)
        {
            if (r.Attributes.GetInt("noop_with_empty_axes") != 0) return null;
            return Enumerable.Range(0, rank).ToArray();
        }
        if (c.ConstantOf(axesValue) is not { } t) return null;
        var axes = t.ToInt64Array();
        if (axes.Length == 0) return r.Attributes.GetInt("noop_with_empty_axes") != 0 ? null : Enumerable.Range(0, rank).ToArray();
        var result = new SortedSet<int>();
        foreach (var a in axes)
        {
            if (a < -rank || a >= rank) return null;
            if (!result.Add((int)(a < 0 ? a + rank : a))) return null;
        }
        return result.ToArray();
    }

    /// <summary>True when both types are fully known to be the same: ranks known and no unknown (anonymous) dims.</summary>
    public static bool SameKnownType(TensorType a, TensorType b) =>
        a.HasRank && a.Dims!.All(d => d.IsKnown || d.IsSymbolic) && a.Equals(b);
}
