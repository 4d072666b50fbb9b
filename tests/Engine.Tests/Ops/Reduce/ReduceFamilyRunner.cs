using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>
/// Runs one op as a one-node graph through type propagation and the reference executor. Inputs
/// may be fed (graph inputs) or constant (initializers, so shape inference can read them).
/// Checks the inferred types against what the kernel produced, where the inference is static.
/// </summary>
internal static class ReduceFamilyRunner
{
    public static Tensor[] Run(string op, Tensor?[] inputs, int outputs = 1, bool constantInputs = false, int seed = 0,
        params (string, object)[] attrs)
    {
        var (g, node, feed) = Build(op, inputs, outputs, constantInputs, attrs);
        TypePropagation.Run(g);
        var result = new ReferenceExecutor(g, 1, seed).Run(feed.ToArray());
        for (int i = 0; i < outputs; i++)
        {
            var inferred = node.Outputs[i]!.Type;
            var actual = result[i]!;
            Assert.Equal(actual.Type, inferred.Elem);
            if (inferred.Dims is not null)
            {
                Assert.Equal(actual.Rank, inferred.Rank);
                for (int d = 0; d < actual.Rank; d++)
                {
                    if (inferred.Dims[d].IsKnown) Assert.Equal(actual.Shape[d], inferred.Dims[d].Value);
                }
            }
        }
        return result.Select(t => t!).ToArray();
    }

    public static Tensor Run1(string op, Tensor?[] inputs, params (string, object)[] attrs) => Run(op, inputs, 1, false, 0, attrs)[0];

    /// <summary>The inferred output type when the given inputs are constants (or only typed, when <paramref name="constant"/> is false).</summary>
    public static TensorType Infer(string op, TensorType?[] types, Tensor?[]? constants = null, params (string, object)[] attrs)
    {
        var schema = OpRegistry.Default.Get(op);
        var g = new Graph.Graph("t");
        var ins = new List<Value?>();
        for (int i = 0; i < types.Length; i++)
        {
            if (constants?[i] is { } c) ins.Add(g.AddInitializer("c" + i, c));
            else ins.Add(types[i] is { } t ? g.AddInput("in" + i, t) : null);
        }
        var node = NodeFactory.Create(schema, "n", ins, 1, attrs);
        g.AddNode(node);
        g.Outputs.Add(node.Outputs[0]!);
        TypePropagation.Run(g);
        return node.Outputs[0]!.Type;
    }

    private static (Graph.Graph, Node, List<Tensor?>) Build(string op, Tensor?[] inputs, int outputs, bool constantInputs, (string, object)[] attrs)
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
            // Input 0 is always fed; later inputs become initializers when asked, as attributes-like data.
            if (constantInputs && i > 0)
            {
                ins.Add(g.AddInitializer("c" + i, t));
                continue;
            }
            ins.Add(g.AddInput("in" + i, TensorType.Of(t)));
            feed.Add(t);
        }
        var node = NodeFactory.Create(schema, "n", ins, outputs, attrs);
        g.AddNode(node);
        foreach (var o in node.Outputs) g.Outputs.Add(o!);
        return (g, node, feed);
    }

    public static void Close(double[] expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6)
    {
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            double e = expected[i];
            if (double.IsNaN(e)) Assert.True(double.IsNaN(a[i]), $"[{i}] expected NaN, got {a[i]}");
            else if (double.IsInfinity(e)) Assert.Equal(e, a[i]);
            else Assert.True(Math.Abs(e - a[i]) <= atol + rtol * Math.Abs(e), $"[{i}] expected {e}, got {a[i]}");
        }
    }
}
