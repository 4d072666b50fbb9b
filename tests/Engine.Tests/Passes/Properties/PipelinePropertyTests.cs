using CsCheck;
using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Tests.Passes.Properties;

/// <summary>
/// Property: optimizing a random elementwise/broadcast/reshape graph at O1, O2 and O3 keeps it
/// valid and keeps every output's values (rtol 1e-5, atol 1e-6) on seeded random inputs.
/// A failure shrinks to a small recipe and prints the graph's IR text.
/// </summary>
public class PipelinePropertyTests
{
    private const double Rtol = 1e-5;
    private const double Atol = 1e-6;

    private static readonly Gen<GraphStep> Step = Gen.Select(Gen.Int[0, RandomGraphBuilder.KindCount - 1], Gen.Int[0, 63], Gen.Int[0, 63], Gen.Int[0, 63],
        (k, a, b, c) => new GraphStep(k, a, b, c));

    private static readonly Gen<GraphRecipe> Recipe = Gen.Select(Gen.Int[1, 4].Array[1, 4], Step.Array[1, 10], Gen.Int[0, 30],
        (shape, steps, extra) => new GraphRecipe(shape, steps, extra));

    [Fact]
    public void OptimizationPreservesOutputsOfRandomGraphs() =>
        Recipe.Sample(CheckRecipe, iter: 400, threads: 1, print: RandomGraphBuilder.Build);

    [Fact]
    public void BuilderCoversEveryStepKind()
    {
        // The generator must actually produce each construct (a builder bug could silently skip some).
        var text = string.Join("\n", Enumerable.Range(0, RandomGraphBuilder.KindCount)
            .SelectMany(k => Enumerable.Range(0, 8).Select(b =>
                RandomGraphBuilder.Build(new GraphRecipe([2, 1, 3], [new GraphStep(k, 0, b, 2)], 0)))));
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh", "Neg", "Abs", "Exp", "Identity", "Reshape", "Transpose", "Unsqueeze", "Squeeze", "Cast", "Expand", "Shape", "Gather", "Concat", "Constant" })
            Assert.Contains(" " + op + "(", text);
    }

    private static void CheckRecipe(GraphRecipe recipe)
    {
        var text = RandomGraphBuilder.Build(recipe);
        var reference = PassAssert.Parse(text);
        Verifier.VerifyOrThrow(reference);
        var inputs = RandomInputs(reference, seed: 17);
        var expected = new ReferenceExecutor(reference).Run(inputs);
        for (int level = 1; level <= 3; level++)
        {
            var g = PassAssert.Parse(text);
            string optimized = "";
            try
            {
                PassManager.Run(g, Pipelines.ForLevel(level), new PassContext());
                optimized = IrPrinter.Print(g);
                var problems = Verifier.Verify(g);
                if (problems.Count > 0) throw new EngineException("verifier: " + problems[0]);
                var names = g.Outputs.Select(o => o.Name).ToArray();
                if (!names.SequenceEqual(reference.Outputs.Select(o => o.Name)))
                    throw new EngineException($"outputs renamed: {string.Join(", ", names)}");
                var actual = new ReferenceExecutor(g).Run(inputs);
                foreach (var (name, want) in expected)
                {
                    var diff = Compare(want, actual[name]);
                    if (diff is not null) throw new EngineException($"output '{name}': {diff}");
                }
            }
            catch (EngineException e)
            {
                Assert.Fail($"O{level}: {e.Message}\n--- graph ---\n{text}--- optimized ---\n{optimized}");
            }
        }
    }

    private static Dictionary<string, Tensor> RandomInputs(Graph.Graph g, int seed)
    {
        var rng = new Random(seed);
        var feeds = new Dictionary<string, Tensor>();
        foreach (var v in g.Inputs)
        {
            var shape = v.Type.StaticShape();
            var data = new float[Tensor.ElementCount(shape)];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
            feeds[v.Name] = Tensor.FromArray(data, shape);
        }
        return feeds;
    }

    /// <summary>Null when equal within tolerance, else a one-line description of the first difference.</summary>
    public static string? Compare(Tensor want, Tensor got, double rtol = Rtol, double atol = Atol)
    {
        if (want.Type != got.Type) return $"type {want.Type} vs {got.Type}";
        if (!want.Shape.SequenceEqual(got.Shape)) return $"shape {Tensor.ShapeString(want.Shape)} vs {Tensor.ShapeString(got.Shape)}";
        var a = want.ToDoubleArray();
        var b = got.ToDoubleArray();
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsNaN(a[i]) && double.IsNaN(b[i])) continue;
            if (!(Math.Abs(a[i] - b[i]) <= atol + rtol * Math.Abs(a[i]))) return $"element {i}: expected {a[i]}, got {b[i]}";
        }
        return null;
    }
}
