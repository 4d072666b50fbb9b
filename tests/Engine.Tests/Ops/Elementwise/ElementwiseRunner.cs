using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>Runs an op's registered kernel with its schema defaults, as the executor would.</summary>
internal static class ElementwiseRunner
{
    public static Tensor Run(string op, params Tensor?[] inputs) => RunWith(op, [], inputs);

    public static Tensor RunWith(string op, (string Name, object Value)[] attributes, params Tensor?[] inputs) =>
        RunThreads(op, 1, attributes, inputs);

    public static Tensor RunThreads(string op, int threads, (string Name, object Value)[] attributes, params Tensor?[] inputs)
    {
        var schema = OpRegistry.Default.Get(op);
        var attrs = new AttributeMap(schema.Defaults) { Owner = "test" };
        foreach (var (k, v) in attributes) attrs.Set(k, v);
        var ctx = new KernelContext(attrs, 1, "n_" + op) { Threads = threads };
        var outs = schema.Kernel!(ctx, inputs);
        return outs[0]!;
    }

    public static Tensor F(params float[] v) => Tensor.FromArray(v, v.Length);

    public static Tensor I(params int[] v) => Tensor.FromArray(v, v.Length);

    public static Tensor L(params long[] v) => Tensor.FromArray(v, v.Length);

    public static Tensor B(params bool[] v) => Tensor.FromArray(v, v.Length);

    /// <summary>Deterministic values in [-5, 5) for a shape.</summary>
    public static float[] Values(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 10 - 5)).ToArray();
    }
}
