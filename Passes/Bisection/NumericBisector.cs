using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// Runs the reference executor after every pass on the same inputs and names the first pass whose
/// outputs differ from the unoptimized graph's beyond tolerance — so users never bisect by hand.
/// </summary>
public sealed class NumericBisector
{
    private readonly Dictionary<string, Tensor> _inputs;
    private readonly Dictionary<string, Tensor> _baseline;

    public NumericBisector(Graph.Graph original, Dictionary<string, Tensor> inputs, double rtol = 1e-4, double atol = 1e-5)
    {
        _inputs = inputs;
        Rtol = rtol;
        Atol = atol;
        _baseline = new ReferenceExecutor(original).Run(inputs);
    }

    public double Rtol { get; }

    public double Atol { get; }

    /// <summary>The first pass that changed the outputs, with a description of the difference.</summary>
    public (string Pass, string Difference)? FirstBadPass { get; private set; }

    /// <summary>Plug into <see cref="PassContext.AfterPass"/>.</summary>
    public void Check(IPass pass, Graph.Graph graph)
    {
        if (FirstBadPass is not null) return;
        Dictionary<string, Tensor> outs;
        try
        {
            outs = new ReferenceExecutor(graph).Run(_inputs);
        }
        catch (EngineException e)
        {
            FirstBadPass = (pass.Name, "the graph no longer runs: " + e.Message);
            return;
        }
        foreach (var (name, expected) in _baseline)
        {
            if (!outs.TryGetValue(name, out var actual)) { FirstBadPass = (pass.Name, $"output '{name}' disappeared"); return; }
            if (Difference(expected, actual) is { } d) { FirstBadPass = (pass.Name, $"output '{name}': {d}"); return; }
        }
    }

    private string? Difference(Tensor e, Tensor a)
    {
        if (e.Type != a.Type || !e.Shape.AsSpan().SequenceEqual(a.Shape)) return $"{a} instead of {e}";
        if (e.Type == DataType.String) return ((string[])e.Data).SequenceEqual((string[])a.Data) ? null : "strings differ";
        var x = e.ToDoubleArray();
        var y = a.ToDoubleArray();
        for (int i = 0; i < x.Length; i++)
        {
            bool same = double.IsNaN(x[i]) ? double.IsNaN(y[i]) : Math.Abs(x[i] - y[i]) <= Atol + Rtol * Math.Abs(x[i]);
            if (!same) return $"element {i} is {y[i]:R}, was {x[i]:R}";
        }
        return null;
    }

    /// <summary>Seeded random inputs for every graph input (symbolic dims must be fixed by the caller).</summary>
    public static Dictionary<string, Tensor> RandomInputs(Graph.Graph g, int seed)
    {
        var rng = new Random(seed);
        var map = new Dictionary<string, Tensor>();
        foreach (var v in g.Inputs.Where(v => !g.IsInitializer(v)))
        {
            if (!v.Type.IsStatic) throw new EngineException($"input '{v.Name}' has shape {v.Type.ShapeText}: fix it with --shape {v.Name}=…");
            var t = Tensor.Zeros(v.Type.Elem, v.Type.StaticShape());
            switch (t.Data)
            {
                case float[] f: for (int i = 0; i < f.Length; i++) f[i] = (float)(rng.NextDouble() * 2 - 1); break;
                case double[] d: for (int i = 0; i < d.Length; i++) d[i] = rng.NextDouble() * 2 - 1; break;
                case long[] l: for (int i = 0; i < l.Length; i++) l[i] = rng.Next(0, 4); break;
                case int[] n: for (int i = 0; i < n.Length; i++) n[i] = rng.Next(0, 4); break;
                case bool[] b: for (int i = 0; i < b.Length; i++) b[i] = rng.Next(2) == 1; break;
                case byte[] u: rng.NextBytes(u); break;
            }
            map[v.Name] = t;
        }
        return map;
    }
}
