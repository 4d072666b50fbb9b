using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Tests.Passes.Patterns;

/// <summary>
/// Pattern tests check the rewrite twice: structurally (IR text before/after) and numerically
/// (the reference executor on seeded random inputs gives the same outputs before and after).
/// </summary>
public static class PatternAssert
{
    public const double Rtol = 1e-4, Atol = 1e-5;

    /// <summary>The rewrite produces <paramref name="after"/> and computes what <paramref name="before"/> computed.</summary>
    public static void Fuses(IPass pass, string before, string after, PassContext? context = null, int seed = 1)
    {
        PassAssert.Rewrites(pass, before, after, context);
        var original = PassAssert.Parse(before);
        var rewritten = PassAssert.Parse(before);
        pass.Run(rewritten, context ?? new PassContext());
        var inputs = RandomInputs(original, seed);
        AssertClose(Run(original, inputs), Run(rewritten, inputs), "before vs after");
    }

    public static Dictionary<string, Tensor> Run(Graph.Graph g, IReadOnlyDictionary<string, Tensor> inputs) =>
        new ReferenceExecutor(g).Run(inputs);

    /// <summary>Uniform values in [-3, 3] for every float/double input (a spread that reaches Gelu's and HardSwish's bends).</summary>
    public static Dictionary<string, Tensor> RandomInputs(Graph.Graph g, int seed)
    {
        var rng = new Random(seed);
        var map = new Dictionary<string, Tensor>();
        foreach (var v in g.Inputs)
        {
            if (g.IsInitializer(v)) continue;
            var shape = v.Type.StaticShape();
            var data = new double[Tensor.ElementCount(shape)];
            for (int i = 0; i < data.Length; i++) data[i] = rng.NextDouble() * 6 - 3;
            map[v.Name] = v.Type.Elem switch
            {
                DataType.Float => Tensor.FromArray(data.Select(d => (float)d).ToArray(), shape),
                DataType.Double => Tensor.FromArray(data, shape),
                var t => throw new ArgumentException($"random inputs of {t} are not supported"),
            };
        }
        return map;
    }

    public static void AssertClose(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual, string what)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected) AssertClose(e, actual[name], $"{what}, output '{name}'");
    }

    public static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var a = expected.ToDoubleArray();
        var b = actual.ToDoubleArray();
        for (int i = 0; i < a.Length; i++)
        {
            bool ok = Math.Abs(a[i] - b[i]) <= Atol + Rtol * Math.Abs(a[i]);
            Assert.True(ok, $"{what}: element {i} is {b[i]}, expected {a[i]}");
        }
    }
}
