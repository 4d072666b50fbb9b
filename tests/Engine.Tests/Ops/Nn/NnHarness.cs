using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>
/// Runs one op as a single-node graph: inference first, then the reference executor, and checks
/// that every inferred output type agrees with the tensor the kernel produced.
/// </summary>
internal static class NnHarness
{
    public static Tensor[] Run(string op, Tensor?[] inputs, int outputs = 1, int threads = 1, params (string, object)[] attrs)
    {
        var schema = OpRegistry.Default.Get(op);
        var g = new Graph.Graph("t");
        var ins = new List<Value?>();
        var feed = new List<Tensor?>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t)
            {
                ins.Add(null);
                continue;
            }
            ins.Add(g.AddInput("in" + i, TensorType.Of(t)));
            feed.Add(t);
        }
        var node = NodeFactory.Create(schema, "n", ins, outputs, attrs);
        g.AddNode(node);
        foreach (var o in node.Outputs) g.Outputs.Add(o!);
        TypePropagation.Run(g);
        var result = new ReferenceExecutor(g, threads).Run(feed.ToArray());
        for (int i = 0; i < outputs; i++)
        {
            var inferred = node.Outputs[i]!.Type;
            var actual = result[i]!;
            Assert.Equal(actual.Type, inferred.Elem);
            Assert.NotNull(inferred.Dims);
            Assert.Equal(actual.Rank, inferred.Rank);
            for (int d = 0; d < actual.Rank; d++)
            {
                // Inference may leave a dim unknown (data-dependent), but a known dim must be right.
                if (inferred.Dims![d].IsKnown) Assert.Equal(actual.Shape[d], inferred.Dims[d].Value);
            }
        }
        return result.Select(t => t!).ToArray();
    }

    public static Tensor Run1(string op, Tensor?[] inputs, params (string, object)[] attrs) => Run(op, inputs, 1, 1, attrs)[0];

    public static float[] Random(int n, int seed, float lo = -1, float hi = 1)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (float)r.NextDouble() * (hi - lo);
        return a;
    }

    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol = 1e-4, double atol = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(a), $"[{i}] expected NaN, got {a}"); continue; }
            Assert.True(Math.Abs(e - a) <= atol + rtol * Math.Abs(e), $"[{i}] expected {e}, got {a}");
        }
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rtol = 1e-9, double atol = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= atol + rtol * Math.Abs(expected[i]), $"[{i}] expected {expected[i]}, got {actual[i]}");
        }
    }
}
