using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen.Lowerings.Elementwise;

/// <summary>
/// The float32 elementwise ops the emitter writes as loops, with their scalar and vector forms.
/// Anything else runs through its reference kernel. Ops without an exact-enough vector form
/// (Tanh) make their loop scalar.
/// </summary>
internal static class ElementwiseOps
{
    public static IEnumerable<string> Ops => Supported;

    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Max", "Min", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Neg", "Abs",
        "Sqrt", "Reciprocal", "Clip", "LeakyRelu", "Sign",
    };

    private static readonly HashSet<string> ScalarOnly = new(StringComparer.Ordinal) { "Tanh" };

    /// <summary>
    /// Builds the expression of one ONNX-domain float node over operand leaves, or returns a reason
    /// it cannot be inlined. <paramref name="operandOf"/> maps a node input to a leaf (adding it);
    /// <paramref name="constant"/> returns a small initializer's data or null.
    /// </summary>
    public static ElementwiseExpr? TryBuild(Node node, Func<Value, ElementwiseExpr> operandOf, Func<Value, Tensor?> constant, out string reason)
    {
        reason = "";
        if (node.Domain.Length != 0 || !Supported.Contains(node.OpType))
        {
            reason = "no inline loop for this op";
            return null;
        }
        if (node.Outputs.Count != 1 || node.Outputs[0] is not { } y || y.Type.Elem != DataType.Float)
        {
            reason = "only single-output float32 ops get inline loops";
            return null;
        }
        foreach (var v in node.Inputs)
        {
            if (v is not null && v.Type.Elem != DataType.Float)
            {
                reason = "only float32 operands get inline loops";
                return null;
            }
        }
        var args = new List<ElementwiseExpr>();
        var ps = new List<float>();
        switch (node.OpType)
        {
            case "Clip":
                if (node.Inputs.Count == 0 || node.Inputs[0] is not { } x) { reason = "Clip without input"; return null; }
                args.Add(operandOf(x));
                for (int i = 1; i <= 2; i++)
                {
                    float bound = i == 1 ? float.NegativeInfinity : float.PositiveInfinity;
                    if (node.Input(i) is { } b)
                    {
                        if (constant(b) is not { Length: 1 } t) { reason = "Clip bounds are not constant scalars"; return null; }
                        bound = t.As<float>()[0];
                    }
                    ps.Add(bound);
                }
                break;
            case "LeakyRelu":
                args.Add(operandOf(node.Inputs[0]!));
                ps.Add(node.Attributes.GetFloat("alpha"));
                break;
            default:
                foreach (var v in node.Inputs)
                {
                    if (v is null) { reason = "absent input"; return null; }
                    args.Add(operandOf(v));
                }
                int arity = node.OpType is "Max" or "Min" ? -1 : node.OpType is "Add" or "Sub" or "Mul" or "Div" ? 2 : 1;
                if ((arity > 0 && args.Count != arity) || args.Count == 0) { reason = "unexpected input count"; return null; }
                break;
        }
        return new OpExpr(node.OpType, args.ToArray(), ps.ToArray());
    }

    public static bool Vectorizable(ElementwiseExpr e) => e switch
    {
        LeafExpr => true,
        OpExpr o => !ScalarOnly.Contains(o.Op) && o.Args.All(Vectorizable),
        _ => false,
    };

    /// <summary>Scalar C# for one op over already-computed float locals.</summary>
    public static string Scalar(OpExpr o, string[] a)
    {
        string F(int i) => SafeText.Float(o.Params[i]);
        return o.Op switch
        {
            "Add" => $"{a[0]} + {a[1]}",
            "Sub" => $"{a[0]} - {a[1]}",
            "Mul" => $"{a[0]} * {a[1]}",
            "Div" => $"{a[0]} / {a[1]}",
            "Max" => Fold(a, "MathF.Max"),
            "Min" => Fold(a, "MathF.Min"),
            "Relu" => $"MathF.Max({a[0]}, 0f)",
            "Sigmoid" => $"1f / (1f + MathF.Exp(-{a[0]}))",
            "Tanh" => $"MathF.Tanh({a[0]})",
            "Exp" => $"MathF.Exp({a[0]})",
            "Log" => $"MathF.Log({a[0]})",
            "Neg" => $"-{a[0]}",
            "Abs" => $"MathF.Abs({a[0]})",
            "Sqrt" => $"MathF.Sqrt({a[0]})",
            "Reciprocal" => $"1f / {a[0]}",
            "Clip" => $"MathF.Min(MathF.Max({a[0]}, {F(0)}), {F(1)})",
            "LeakyRelu" => $"{a[0]} < 0f ? {F(0)} * {a[0]} : {a[0]}",
            // Zeros (either sign) and NaN pass through unchanged, as ONNX Sign defines.
            "Sign" => $"({a[0]} > 0f ? 1f : {a[0]} < 0f ? -1f : {a[0]})",
            _ => throw new InvalidOperationException($"no scalar form for {o.Op}"),
        };
    }

    /// <summary>Vector C# (<paramref name="vt"/> is Vector256 or Vector512) for one op over vector locals.</summary>
    public static string Vector(OpExpr o, string[] a, string vt)
    {
        string C(int i) => $"{vt}.Create({SafeText.Float(o.Params[i])})";
        return o.Op switch
        {
            "Add" => $"{a[0]} + {a[1]}",
            "Sub" => $"{a[0]} - {a[1]}",
            "Mul" => $"{a[0]} * {a[1]}",
            "Div" => $"{a[0]} / {a[1]}",
            "Max" => Fold(a, vt + ".Max"),
            "Min" => Fold(a, vt + ".Min"),
            "Relu" => $"{vt}.Max({a[0]}, {vt}<float>.Zero)",
            "Sigmoid" => $"{vt}<float>.One / ({vt}<float>.One + {vt}.Exp(-{a[0]}))",
            "Exp" => $"{vt}.Exp({a[0]})",
            "Log" => $"{vt}.Log({a[0]})",
            "Neg" => $"-{a[0]}",
            "Abs" => $"{vt}.Abs({a[0]})",
            "Sqrt" => $"{vt}.Sqrt({a[0]})",
            "Reciprocal" => $"{vt}<float>.One / {a[0]}",
            "Clip" => $"{vt}.Min({vt}.Max({a[0]}, {C(0)}), {C(1)})",
            "LeakyRelu" => $"{vt}.ConditionalSelect({vt}.LessThan({a[0]}, {vt}<float>.Zero), {a[0]} * {C(0)}, {a[0]})",
            "Sign" => $"{vt}.ConditionalSelect({vt}.GreaterThan({a[0]}, {vt}<float>.Zero), {vt}<float>.One, "
                + $"{vt}.ConditionalSelect({vt}.LessThan({a[0]}, {vt}<float>.Zero), -{vt}<float>.One, {a[0]}))",
            _ => throw new InvalidOperationException($"no vector form for {o.Op}"),
        };
    }

    private static string Fold(string[] a, string fn)
    {
        string acc = a[0];
        for (int i = 1; i < a.Length; i++) acc = $"{fn}({acc}, {a[i]})";
        return acc;
    }
}
