using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>Runs one op's kernel with schema defaults, and builds deterministic test data.</summary>
internal static class SequenceTestUtil
{
    public static Tensor?[] Run(string op, Tensor?[] inputs, int outputs, params (string Name, object Value)[] attrs)
    {
        var schema = OpRegistry.Default.Get(op);
        var map = new AttributeMap(schema.Defaults) { Owner = op };
        foreach (var (n, v) in attrs) map.Set(n, v);
        return schema.Kernel!(new KernelContext(map, outputs, "n1"), inputs);
    }

    /// <summary>Inferred output types of a node whose inputs have the given types.</summary>
    public static TensorType?[] Infer(string op, TensorType?[] inputs, int outputs, params (string Name, object Value)[] attrs)
    {
        var schema = OpRegistry.Default.Get(op);
        var values = inputs.Select((t, i) => t is null ? null : new Value("in" + i, t)).ToArray();
        var node = NodeFactory.Create(schema, "n1", values, outputs, attrs);
        var ctx = new InferenceContext(node, _ => null);
        schema.Inference!(ctx);
        return ctx.Outputs;
    }

    public static float[] Random(int n, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1) * scale).ToArray();
    }

    public static Tensor F(float[] data, params int[] shape) => Tensor.FromArray(data, shape);

    public static void Close(double[] want, Tensor got, double tol = 1e-4)
    {
        var g = got.ToDoubleArray();
        Assert.Equal(want.Length, g.Length);
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(Math.Abs(want[i] - g[i]) <= tol * (1 + Math.Abs(want[i])), $"element {i}: want {want[i]}, got {g[i]}");
        }
    }
}
