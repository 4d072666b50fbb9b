using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Autodiff.Nn;

/// <summary>
/// Finite-difference check of one op's gradient rule in float64: the op runs as a one-node graph, its
/// float outputs are compared with fixed random tensors in a scalar L = Σ_o Σ (Y_o − R_o)² (MSELoss, so the
/// check needs no other op's rule), the
/// autodiff pass appends the backward graph, and each requested input's gradient is compared with
/// central differences of L. Outputs in <c>skipOutputs</c> (running statistics, masks) take no part.
/// </summary>
internal static class OpGradCheck
{
    public sealed record Case(string Op, Tensor?[] Inputs, int[] Wrt, (string, object)[] Attrs)
    {
        public int Outputs { get; init; } = 1;
        public int[] SkipOutputs { get; init; } = [];
        public double Tolerance { get; init; } = 1e-6;
        public double Step { get; init; } = 1e-6;
        public int Seed { get; init; } = 1;
    }

    public static void Check(Case c)
    {
        var (graph, cotangentShapes) = Build(c, null);
        var rng = new Random(c.Seed);
        var cot = cotangentShapes.Select(s => s is null ? null : LossRunnerRandom(rng, s)).ToArray();
        (graph, _) = Build(c, cot);
        var wrt = c.Wrt.Select(i => graph.Inputs[InputIndex(c, i)]).ToArray();
        Engine.Passes.Autodiff.Differentiate(graph, graph.Outputs[0], wrt, new Engine.Passes.AutodiffOptions { ExposeGradients = true });
        Verifier.VerifyOrThrow(graph);
        var feed = c.Inputs.Where(t => t is not null).ToArray();
        var outs = new ReferenceExecutor(graph, 1, c.Seed).Run(feed);
        var (lossGraph, _) = Build(c, cot);
        double Loss() => new ReferenceExecutor(lossGraph, 1, c.Seed).Run(feed)[0]!.ToDoubleArray()[0];
        for (int k = 0; k < c.Wrt.Length; k++)
        {
            var analytic = outs[outs.Length - c.Wrt.Length + k]!.ToDoubleArray();
            var x = (double[])c.Inputs[c.Wrt[k]]!.Data;
            Assert.Equal(x.Length, analytic.Length);
            for (int i = 0; i < x.Length; i++)
            {
                double keep = x[i];
                x[i] = keep + c.Step;
                double up = Loss();
                x[i] = keep - c.Step;
                double down = Loss();
                x[i] = keep;
                double fd = (up - down) / (2 * c.Step);
                Assert.True(Math.Abs(fd - analytic[i]) <= c.Tolerance * (1 + Math.Abs(fd)),
                    $"{c.Op} d/d input{c.Wrt[k]}[{i}]: finite difference {fd}, autodiff {analytic[i]}");
            }
        }
    }

    private static int InputIndex(Case c, int i) => c.Inputs.Take(i).Count(t => t is not null);

    private static Tensor LossRunnerRandom(Random rng, int[] shape)
    {
        var v = new double[(int)Tensor.ElementCount(shape)];
        for (int i = 0; i < v.Length; i++) v[i] = rng.NextDouble() * 2 - 1;
        return Tensor.FromArray(v, shape);
    }

    /// <summary>The graph L = Σ_o MSELoss_sum(Y_o, R_o); without cotangents, returns the float outputs' shapes.</summary>
    private static (Graph.Graph, int[]?[]) Build(Case c, Tensor?[]? cot)
    {
        var reg = OpRegistry.Default;
        var schema = c.Op.Contains("::") ? reg.Get(c.Op.Split("::")[0], c.Op.Split("::")[1]) : reg.Get(c.Op);
        var g = new Graph.Graph("check");
        var ins = new List<Value?>();
        for (int i = 0; i < c.Inputs.Length; i++)
            ins.Add(c.Inputs[i] is { } t ? g.AddInput("x" + i, TensorType.Of(t)) : null);
        var node = NodeFactory.Create(schema, "op", ins, c.Outputs, c.Attrs);
        g.AddNode(node);
        TypePropagation.Run(g);
        if (cot is null)
        {
            foreach (var o in node.Outputs) g.Outputs.Add(o!);
            var y = new ReferenceExecutor(g, 1, c.Seed).Run(c.Inputs.Where(t => t is not null).ToArray());
            return (g, y.Select((t, i) => t is not null && DataTypes.IsFloat(t.Type) && !c.SkipOutputs.Contains(i) ? t.Shape : null).ToArray());
        }
        var b = new GraphBuilder(g, "loss");
        Value? total = null;
        for (int o = 0; o < cot.Length; o++)
        {
            if (cot[o] is not { } r) continue;
            var term = b.Op("ai.engine::MSELoss", [node.Outputs[o], b.Const(r)], ("reduction", "sum"));
            total = total is null ? term : b.Op("Add", total, term);
        }
        g.Outputs.Add(total!);
        return (g, []);
    }
}
