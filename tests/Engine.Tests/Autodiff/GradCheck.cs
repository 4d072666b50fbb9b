using System.Text;
using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Tests.Autodiff;

/// <summary>Tolerances and choices of one <see cref="GradCheck"/> run.</summary>
public sealed record GradCheckOptions
{
    /// <summary>Central-difference step (inputs are float64, so 1e-6 leaves ~1e-10 of round-off).</summary>
    public double Eps { get; init; } = 1e-6;

    public double Rtol { get; init; } = 1e-5;

    public double Atol { get; init; } = 1e-6;

    /// <summary>Seed of the random cotangent that weighs each output element in the scalar loss.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Indices of the inputs to differentiate; null means every float input.</summary>
    public int[]? Wrt { get; init; }

    /// <summary>Also run the optimizer (this level) over forward + backward and check the gradients again.</summary>
    public int? OptimizeLevel { get; init; }
}

/// <summary>
/// Gradient check: builds a forward graph (from a caller's builder function, in float64), reduces its
/// outputs to a scalar loss L = Σ_j Σ(out_j ⊙ r_j) with fixed random cotangents r_j (so every output
/// element counts with its own weight), differentiates L with <see cref="Passes.Autodiff"/>, runs the
/// gradient graph on the reference executor and compares each gradient element with the central
/// difference (L(x+ε) − L(x−ε)) / 2ε computed by running the forward graph alone. A mismatch throws an
/// exception naming the input, element, both values and the differentiated graph's IR text.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks a single-output function of <paramref name="inputs"/>.</summary>
    public static void Run(Func<GraphBuilder, Value[], Value> build, Tensor[] inputs, GradCheckOptions? options = null) =>
        RunMulti((b, xs) => [build(b, xs)], inputs, options);

    /// <summary>Checks a multi-output function (every float output enters the loss).</summary>
    public static void RunMulti(Func<GraphBuilder, Value[], Value[]> build, Tensor[] inputs, GradCheckOptions? options = null)
    {
        options ??= new GradCheckOptions();
        var wrt = options.Wrt ?? Enumerable.Range(0, inputs.Length).Where(i => DataTypes.IsFloat(inputs[i].Type)).ToArray();
        if (wrt.Length == 0) throw new ArgumentException("nothing to differentiate: no float input");

        var shapes = OutputShapes(build, inputs);
        var forward = Build(build, inputs, options.Seed, shapes);
        var feeds = Feeds(inputs);
        double lossAt(Tensor[] xs) => new ReferenceExecutor(forward).Run(Feeds(xs))["loss"].ScalarAsDouble();

        var diffGraph = Build(build, inputs, options.Seed, shapes);
        var grads = Engine.Passes.Autodiff.Differentiate(diffGraph, diffGraph.Outputs[0], wrt.Select(i => diffGraph.Inputs[i]).ToArray(),
            new AutodiffOptions { ExposeGradients = true });
        Verifier.VerifyOrThrow(diffGraph);
        var analytic = new ReferenceExecutor(diffGraph).Run(feeds);

        var numeric = new Dictionary<int, double[]>();
        foreach (var i in wrt)
        {
            var x = inputs[i].ToDoubleArray();
            var fd = new double[x.Length];
            for (int k = 0; k < x.Length; k++)
            {
                fd[k] = (lossAt(With(inputs, i, k, x[k] + options.Eps)) - lossAt(With(inputs, i, k, x[k] - options.Eps))) / (2 * options.Eps);
            }
            numeric[i] = fd;
        }
        Compare("autodiff", diffGraph, analytic, grads, wrt, numeric, inputs, options);

        if (options.OptimizeLevel is { } level)
        {
            var names = grads.Select(v => v.Name).ToArray();
            PassManager.Run(diffGraph, Pipelines.ForLevel(level), new PassContext());
            Verifier.VerifyOrThrow(diffGraph);
            var optimized = new ReferenceExecutor(diffGraph).Run(feeds);
            Compare($"autodiff after O{level}", diffGraph, optimized, names.Select(n => diffGraph.Outputs.First(o => o.Name == n)).ToArray(), wrt, numeric, inputs, options);
        }
    }

    /// <summary>A float64 tensor of uniform values in [lo, hi), each at least <paramref name="gap"/> away from every point in <paramref name="avoid"/> (kinks).</summary>
    public static Tensor Random(int seed, int[] shape, double lo = -1, double hi = 1, double gap = 0, params double[] avoid)
    {
        var rng = new Random(seed);
        var data = new double[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            double v;
            do v = lo + (hi - lo) * rng.NextDouble();
            while (avoid.Any(a => Math.Abs(v - a) < gap));
            data[i] = v;
        }
        return Tensor.FromArray(data, shape);
    }

    /// <summary>Distinct values (a shuffled grid with random jitter): ties would make max/min/sort gradients ill-defined.</summary>
    public static Tensor Distinct(int seed, int[] shape, double lo = -1, double hi = 1)
    {
        var rng = new Random(seed);
        int n = (int)Tensor.ElementCount(shape);
        var data = Enumerable.Range(0, n).Select(i => lo + (hi - lo) * (i + 0.25 + 0.5 * rng.NextDouble()) / n).OrderBy(_ => rng.Next()).ToArray();
        return Tensor.FromArray(data, shape);
    }

    /// <summary>The outputs' runtime shapes (from one forward run: a dynamic output has no static type).</summary>
    private static int[][] OutputShapes(Func<GraphBuilder, Value[], Value[]> build, Tensor[] inputs)
    {
        var g = new Graph.Graph("probe");
        var xs = inputs.Select((t, i) => g.AddInput($"x{i}", TensorType.Of(t.Type, t.Shape.Select(d => (long)d).ToArray()))).ToArray();
        var outs = build(new GraphBuilder(g, "fwd"), xs);
        g.Outputs.AddRange(outs);
        return new ReferenceExecutor(g).Run(inputs.Cast<Tensor?>().ToArray()).Select(t => t!.Shape).ToArray();
    }

    private static Graph.Graph Build(Func<GraphBuilder, Value[], Value[]> build, Tensor[] inputs, int seed, int[][] shapes)
    {
        var g = new Graph.Graph("gradcheck");
        var xs = inputs.Select((t, i) => g.AddInput($"x{i}", TensorType.Of(t.Type, t.Shape.Select(d => (long)d).ToArray()))).ToArray();
        var b = new GraphBuilder(g, "fwd");
        var outs = build(b, xs);
        var terms = new List<Value?>();
        var rng = new Random(seed);
        for (int j = 0; j < outs.Length; j++)
        {
            var o = outs[j];
            if (!DataTypes.IsFloat(o.Type.Elem)) continue;
            var shape = shapes[j];
            var r = Tensor.FromArray(Enumerable.Range(0, (int)Tensor.ElementCount(shape)).Select(_ => rng.NextDouble() * 2 - 1).ToArray(), shape);
            var weighted = b.Op("Mul", b.Cast(o, DataType.Double), b.Const(r));
            terms.Add(b.Op("ReduceSum", [weighted], ("keepdims", 0L)));
        }
        if (terms.Count == 0) throw new ArgumentException("the function has no float output");
        var loss = terms.Count == 1 ? terms[0]! : b.Op("Sum", terms.ToArray());
        loss.Name = "loss";
        g.Outputs.Add(loss);
        return g;
    }

    private static Dictionary<string, Tensor> Feeds(Tensor[] xs) =>
        xs.Select((t, i) => (t, i)).ToDictionary(p => $"x{p.i}", p => p.t);

    private static Tensor[] With(Tensor[] inputs, int i, int k, double value)
    {
        var copy = (Tensor[])inputs.Clone();
        var data = inputs[i].ToDoubleArray();
        data[k] = value;
        copy[i] = Runtime.Kernels.DoubleBridge.FromDoublesAny(inputs[i].Type, inputs[i].Shape, data);
        return copy;
    }

    private static void Compare(string what, Graph.Graph g, Dictionary<string, Tensor> outs, Value[] grads, int[] wrt, Dictionary<int, double[]> numeric, Tensor[] inputs, GradCheckOptions o)
    {
        for (int j = 0; j < wrt.Length; j++)
        {
            int i = wrt[j];
            var got = outs[grads[j].Name];
            if (!got.Shape.SequenceEqual(inputs[i].Shape))
                throw Failure(what, g, inputs, $"gradient of x{i} has shape {Tensor.ShapeString(got.Shape)}, input has {Tensor.ShapeString(inputs[i].Shape)}");
            var a = got.ToDoubleArray();
            var n = numeric[i];
            for (int k = 0; k < n.Length; k++)
            {
                if (!(Math.Abs(a[k] - n[k]) <= o.Atol + o.Rtol * Math.Max(Math.Abs(a[k]), Math.Abs(n[k]))))
                    throw Failure(what, g, inputs, $"∂L/∂x{i}[{k}]: autodiff {a[k]:R}, finite difference {n[k]:R}");
            }
        }
    }

    private static Exception Failure(string what, Graph.Graph g, Tensor[] inputs, string message)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{what}: {message}");
        sb.AppendLine("inputs: " + string.Join(", ", inputs.Select((t, i) => $"x{i}: {t}")));
        sb.Append(IrPrinter.Print(g));
        return new Xunit.Sdk.XunitException(sb.ToString());
    }
}
