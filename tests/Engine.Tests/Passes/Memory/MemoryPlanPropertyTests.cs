using CsCheck;
using Engine.Graph;
using Engine.Passes.Memory;

namespace Engine.Tests.Passes.Memory;

/// <summary>
/// Property over random DAGs: no two values whose live ranges overlap share bytes, except the
/// documented aliases (a view and its input, a concat slice and the concat, an in-place node's input
/// and output) — checked by running the plan on tagged memory (<see cref="PlanSimulator"/>), which
/// would see any other overlap as an overwritten value. Also: the arena is never below the bound.
/// </summary>
public class MemoryPlanPropertyTests
{
    private static readonly Gen<(int[] Steps, int[] Outputs)> Recipe =
        Gen.Select(Gen.Int[0, 9_999_999].Array[1, 24], Gen.Int[0, 99].Array[1, 4]);

    private static readonly MemoryPlanOptions[] Variants =
    [
        new(),
        new() { Alignment = 4 },
        new() { Alignment = 128, ZeroCopyViews = false },
        new() { ConcatInPlace = false, CanWriteInPlace = (_, _) => false },
    ];

    [Fact]
    public void LiveValuesNeverShareBytesExceptDocumentedAliases() =>
        Recipe.Sample(r =>
        {
            var text = RandomPlanGraphs.Build(r.Steps, r.Outputs);
            var g = PassAssert.Parse(text);
            foreach (var options in Variants)
            {
                var plan = MemoryPlan.Create(g, options);
                PlanSimulator.Check(g, plan);
                Assert.True(plan.LowerBoundBytes <= plan.ArenaBytes, $"bound {plan.LowerBoundBytes} above arena {plan.ArenaBytes}");
            }
        }, iter: 300, threads: 1, print: r => RandomPlanGraphs.Build(r.Steps, r.Outputs));

    [Fact]
    public void GeneratorExercisesEveryRule()
    {
        // A generator bug could silently skip a rule; count each over a fixed sample.
        int views = 0, concats = 0, inPlace = 0, copies = 0, intoOutput = 0, keptConcats = 0;
        var rng = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            var steps = Enumerable.Range(0, 12).Select(_ => rng.Next(10_000_000)).ToArray();
            var outputs = Enumerable.Range(0, 3).Select(_ => rng.Next(100)).ToArray();
            var g = PassAssert.Parse(RandomPlanGraphs.Build(steps, outputs));
            var plan = MemoryPlan.Create(g);
            views += g.Nodes.Count(n => plan.IsElided(n) && n.Schema.Aliasing == OutputAliasing.ViewOfInput0);
            concats += g.Nodes.Count(n => plan.IsElided(n) && n.Schema.Aliasing == OutputAliasing.ConcatOfInputs);
            keptConcats += g.Nodes.Count(n => !plan.IsElided(n) && n.Schema.Aliasing == OutputAliasing.ConcatOfInputs);
            inPlace += g.Nodes.Count(n => plan.InPlaceInput(n) is not null);
            copies += Enumerable.Range(0, g.Outputs.Count).Count(plan.OutputNeedsCopy);
            intoOutput += g.Nodes.SelectMany(n => n.Outputs).OfType<Value>()
                .Count(v => plan.Locate(v).Kind == BufferKind.GraphOutput && !g.Outputs.Contains(v));
        }
        Assert.All(new[] { views, concats, keptConcats, inPlace, copies, intoOutput }, c => Assert.True(c > 5, $"views {views}, concats {concats}, kept {keptConcats}, in place {inPlace}, copies {copies}, into output {intoOutput}"));
    }
}
