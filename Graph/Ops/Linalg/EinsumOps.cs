using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Einsum: Einstein summation over any number of operands.</summary>
public sealed class EinsumOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("Einsum").Since(12).In("Inputs+").Out("Output")
            .RequiredAttr("equation", AttrType.String)
            .Infer(Infer)
            .WithKernel(EinsumKernel.Einsum)
            .Fuses(FusionKind.OutEWiseFusable)
            .Gradient(EinsumGradient);
    }

    /// <summary>
    /// Operand i's gradient is another einsum: dY with the other operands, producing operand i's labels.
    /// Labels only operand i has (summed away in the forward) cannot come out of an einsum, so they are
    /// left out and put back by broadcasting. Explicit labels only (no ellipsis, no repeated label in a term).
    /// </summary>
    private static void EinsumGradient(GradientContext g)
    {
        var eq = g.Attributes.GetString("equation").Replace(" ", "", StringComparison.Ordinal);
        if (eq.Contains("...", StringComparison.Ordinal)) throw g.Fail("differentiating an einsum with an ellipsis is not supported");
        var sides = eq.Split("->");
        var terms = sides[0].Split(',');
        if (terms.Length != g.InputCount) throw g.Fail($"the equation has {terms.Length} operands but the node has {g.InputCount}");
        var output = sides.Length > 1 ? sides[1]
            : new string(terms.SelectMany(t => t).GroupBy(c => c).Where(c => c.Count() == 1).Select(c => c.Key).OrderBy(c => c).ToArray());
        if (terms.Any(t => t.Distinct().Count() != t.Length)) throw g.Fail("differentiating an einsum with a repeated label in a term (a diagonal) is not supported");
        for (int i = 0; i < terms.Length; i++)
        {
            if (!g.NeedsGrad(i)) continue;
            var others = Enumerable.Range(0, terms.Length).Where(j => j != i).ToArray();
            var available = new HashSet<char>(output.Concat(others.SelectMany(j => terms[j])));
            var kept = new string(terms[i].Where(available.Contains).ToArray());
            var operands = new List<Value?> { g.dY(0) };
            operands.AddRange(others.Select(j => (Value?)g.X(j)));
            var equation = string.Join(",", new[] { output }.Concat(others.Select(j => terms[j]))) + "->" + kept;
            var grad = g.Op("Einsum", operands.ToArray(), ("equation", equation));
            if (kept.Length != terms[i].Length)
            {
                var missing = Enumerable.Range(0, terms[i].Length).Where(k => !available.Contains(terms[i][k])).Select(k => (long)k).ToArray();
                grad = g.ExpandTo(g.Op("Unsqueeze", grad, g.Ints(missing)), g.X(i));
            }
            g.SetGrad(i, grad);
        }
    }

    /// <summary>
    /// Parses the equation against the input shapes with unknown dims standing in as size 1, then
    /// maps each output label back to an input dim, so symbolic dims pass through.
    /// </summary>
    private static void Infer(InferenceContext ctx)
    {
        var types = Enumerable.Range(0, ctx.InputCount).Select(ctx.Required).ToArray();
        var elem = types[0].Elem;
        if (types.Any(t => t.Dims is null))
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        var shapes = types.Select(t => t.Dims!.Select(d => d.IsKnown ? (int)Math.Min(d.Value, int.MaxValue) : 1).ToArray()).ToArray();
        var eq = EinsumEquation.Parse(ctx.Attributes.GetString("equation"), shapes, m => ctx.Fail(m));
        var dims = new Dim[eq.OutputLabels.Length];
        for (int o = 0; o < dims.Length; o++)
        {
            int label = eq.OutputLabels[o];
            var candidates = new List<Dim>();
            for (int t = 0; t < types.Length; t++)
                for (int i = 0; i < eq.InputAxisLabels[t].Length; i++)
                    if (eq.InputAxisLabels[t][i] == label) candidates.Add(types[t].Dims![i]);
            // A known dim other than 1 decides; otherwise a symbol; 1 only if every occurrence is 1.
            dims[o] = candidates.Where(d => d.IsKnown && d.Value != 1).Select(d => (Dim?)d).FirstOrDefault()
                ?? candidates.Where(d => !d.IsKnown).Select(d => (Dim?)d).FirstOrDefault()
                ?? 1;
        }
        ctx.SetOutput(0, elem, dims);
    }
}
