using Engine.Graph;
using Engine.Runtime;
using static Engine.Passes.PatternUtil;

namespace Engine.Passes;

/// <summary>
/// LayerNormalization spelled out: mean = ReduceMean(x), d = x − mean, var = ReduceMean(d² or d·d),
/// d / Sqrt(var + ε) (or d · Reciprocal(Sqrt(var + ε))), then optionally ·γ and +β. Both reductions
/// must cover the same trailing axes with keepdims; γ and β must have exactly the normalized shape.
/// </summary>
public static class NormalizationPatterns
{
    public static RuleSet Create() => new("fuse-layernorm", 2,
    [
        new("layernorm", LayerNorm),
    ]);

    private static bool LayerNorm(Node norm, RewriteContext c)
    {
        var m = new PatternMatch(c);
        Value? d, sd;
        Node? sqrt;
        if (Is(norm, "Div") && norm.Inputs.Count == 2)
        {
            (d, sd) = (norm.Inputs[0], norm.Inputs[1]);
            sqrt = m.Take(sd, "Sqrt");
        }
        else if (Is(norm, "Mul") && norm.Inputs.Count == 2)
        {
            var recip = RewriteContext.Producer(norm.Inputs[1], "Reciprocal") ?? RewriteContext.Producer(norm.Inputs[0], "Reciprocal");
            if (recip is null) return false;
            m.Add(recip);
            d = Other(norm, recip.Outputs[0]!);
            sqrt = m.Take(recip.Inputs[0], "Sqrt");
        }
        else return false;
        m.Add(norm);
        if (d is null || sqrt is null) return false;

        // d = x − ReduceMean(x)
        var sub = m.Take(d, "Sub");
        // Double stays decomposed: LayerNormalization would keep its statistics in float (stash_type 1).
        if (sub is null || sub.Inputs[0] is not { } x || x.Type.Elem is not (DataType.Float or DataType.Float16)) return false;
        var mean = m.Take(sub.Inputs[1], "ReduceMean");
        if (mean is null || mean.Inputs[0] != x) return false;
        int rank = x.Type.Rank;
        if (rank < 1 || !SameKnownType(x.Type, d.Type)) return false;
        var axes = ReduceAxes(mean, c, rank);
        // The normalized axes must be the trailing ones: [axis, rank).
        if (axes is null || axes.Where((a, i) => a != rank - axes.Length + i).Any()) return false;
        int axis = rank - axes.Length;

        // Sqrt(ReduceMean(d²) + ε)
        var addEps = m.Add(AddProducer(sqrt.Inputs[0]));
        if (addEps is null || addEps.Inputs.Count != 2) return false;
        Node? variance = null;
        double eps = double.NaN;
        for (int side = 0; side < 2; side++)
        {
            var candidate = RewriteContext.Producer(addEps.Inputs[1 - side], "ReduceMean");
            if (candidate is null || ScalarFor(c, addEps.Inputs[side], candidate.Outputs[0]!) is not { } e) continue;
            (variance, eps) = (candidate, e);
        }
        if (variance is null || !(eps >= 0) || double.IsInfinity(eps)) return false;
        m.Add(variance);
        var varAxes = ReduceAxes(variance, c, rank);
        if (varAxes is null || !varAxes.SequenceEqual(axes)) return false;
        var square = variance.Inputs[0]?.Producer;
        bool isSquare = (Is(square, "Pow") && square!.Inputs[0] == d && Exponent(c, square.Inputs[1]) == 2)
            || (Is(square, "Mul") && square!.Inputs[0] == d && square.Inputs[1] == d);
        if (!isSquare) return false;
        m.Add(square);

        var y = norm.Outputs[0]!;
        if (!SameKnownType(x.Type, y.Type)) return false;
        var normalizedShape = x.Type.Dims!.Skip(axis).ToArray();
        if (!normalizedShape.All(dim => dim.IsKnown || dim.IsSymbolic)) return false;

        // Optional affine tail: ·γ then +β (either may be missing), each exactly over the normalized shape.
        Value? gamma = null, beta = null;
        if (SoleUser(y, "Mul") is { } mulG && Affine(mulG, y, normalizedShape, c) is { } g)
        {
            (gamma, y) = (g, mulG.Outputs[0]!);
            m.Add(mulG);
        }
        if (AddUser(y) is { } addB && Affine(addB, y, normalizedShape, c) is { } b)
        {
            (beta, y) = (b, addB.Outputs[0]!);
            m.Add(addB);
        }
        // Without γ the scale is a constant of ones, which needs the normalized shape in numbers.
        if (gamma is null && !normalizedShape.All(dim => dim.IsKnown)) return false;
        var root = y.Producer!;
        return m.Commit(y, () =>
        {
            var scale = gamma ?? c.Constant(Ones(x.Type.Elem, normalizedShape), "ln_scale");
            var ln = c.InsertBefore(root, "LayerNormalization", beta is null ? [x, scale] : [x, scale, beta], 1,
                ("axis", (long)axis), ("epsilon", (float)eps));
            return ln.Outputs[0]!;
        });
    }

    /// <summary>The parameter operand of a ·γ / +β node over <paramref name="y"/> when its shape is exactly the normalized shape.</summary>
    private static Value? Affine(Node n, Value y, Dim[] normalizedShape, RewriteContext c)
    {
        if (Other(n, y) is not { } p || p == y || !p.Type.HasRank || p.Type.Elem != y.Type.Elem) return null;
        if (!p.Type.Dims!.SequenceEqual(normalizedShape)) return null;
        return SameKnownType(y.Type, n.Outputs[0]!.Type) ? p : null;
    }

    private static Tensor Ones(DataType elem, Dim[] shape)
    {
        var dims = shape.Select(d => checked((int)d.Value)).ToArray();
        int count = checked((int)Tensor.ElementCount(dims));
        return elem switch
        {
            DataType.Float => new Tensor(elem, dims, Enumerable.Repeat(1f, count).ToArray()),
            _ => new Tensor(elem, dims, Enumerable.Repeat(Half.One, count).ToArray()),
        };
    }
}
