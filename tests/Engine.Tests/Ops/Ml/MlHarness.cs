using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>
/// Runs one ai.onnx.ml op as a one-node graph through type propagation and the reference executor,
/// and checks the inferred output types against what the kernel produced.
/// </summary>
internal static class MlHarness
{
    public const string Domain = "ai.onnx.ml";

    public static Tensor[] Run(string op, Tensor[] inputs, int outputs, params (string, object)[] attrs)
    {
        var schema = OpRegistry.Default.Get(Domain, op);
        var g = new Graph.Graph("t");
        var values = inputs.Select((t, i) => (Value?)g.AddInput("x" + i, TensorType.Of(t))).ToList();
        var node = NodeFactory.Create(schema, "n", values, outputs, attrs);
        g.AddNode(node);
        foreach (var o in node.Outputs) g.Outputs.Add(o!);
        TypePropagation.Run(g);
        var result = new ReferenceExecutor(g).Run(inputs.Cast<Tensor?>().ToArray());
        for (int i = 0; i < outputs; i++)
        {
            var inferred = node.Outputs[i]!.Type;
            var actual = result[i]!;
            Assert.Equal(actual.Type, inferred.Elem);
            Assert.NotNull(inferred.Dims);
            Assert.Equal(actual.Rank, inferred.Rank);
            for (int d = 0; d < actual.Rank; d++)
            {
                if (inferred.Dims![d].IsKnown) Assert.Equal(actual.Shape[d], inferred.Dims[d].Value);
            }
        }
        return result.Select(t => t!).ToArray();
    }

    public static Tensor Run1(string op, Tensor x, params (string, object)[] attrs) => Run(op, [x], 1, attrs)[0];

    public static Tensor[] Run2(string op, Tensor x, params (string, object)[] attrs) => Run(op, [x], 2, attrs);

    public static void Close(double[] expected, Tensor actual, double tol = 1e-5)
    {
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(expected[i] - a[i]) <= tol * (1 + Math.Abs(expected[i])), $"[{i}] expected {expected[i]}, got {a[i]}");
    }
}
