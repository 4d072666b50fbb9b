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
            .Fuses(FusionKind.OutEWiseFusable);
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
