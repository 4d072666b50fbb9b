using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>
/// Runs one tensor op as a single-node graph named "n". Inputs after the first are initializers, so
/// inference sees shape/axes/indices as constants, as it does for real models. Every run checks that
/// the inferred type agrees with what the kernel produced.
/// </summary>
internal static class TensorHarness
{
    public const string NodeName = "n";

    public static Tensor[] Run(string op, Tensor?[] inputs, int outputs = 1, params (string, object)[] attrs) =>
        Run(op, inputs, outputs, constants: true, attrs);

    public static Tensor[] Run(string op, Tensor?[] inputs, int outputs, bool constants, params (string, object)[] attrs)
    {
        var g = new Graph.Graph("t");
        var ins = new List<Value?>();
        var feed = new List<Tensor?>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) ins.Add(null);
            else if (i > 0 && constants) ins.Add(g.AddInitializer("c" + i, t));
            else
            {
                ins.Add(g.AddInput("in" + i, TensorType.Of(t)));
                feed.Add(t);
            }
        }
        var node = NodeFactory.Create(OpRegistry.Default.Get(op), NodeName, ins, outputs, attrs);
        g.AddNode(node);
        foreach (var o in node.Outputs) g.Outputs.Add(o!);
        TypePropagation.Run(g);
        var result = new ReferenceExecutor(g).Run(feed.ToArray());
        for (int i = 0; i < outputs; i++)
        {
            var inferred = node.Outputs[i]!.Type;
            var actual = result[i]!;
            Assert.Equal(actual.Type, inferred.Elem);
            if (inferred.Dims is { } dims)
            {
                Assert.Equal(actual.Rank, dims.Length);
                for (int d = 0; d < dims.Length; d++)
                    if (dims[d].IsKnown) Assert.Equal(actual.Shape[d], dims[d].Value);
            }
        }
        return result.Select(t => t!).ToArray();
    }

    public static Tensor Run1(string op, Tensor?[] inputs, params (string, object)[] attrs) => Run(op, inputs, 1, attrs)[0];

    /// <summary>Inference only: input 0 (and any null-constant input) has the given type; constants are initializers.</summary>
    public static TensorType[] Infer(string op, TensorType?[] types, Tensor?[] constants, int outputs = 1, params (string, object)[] attrs)
    {
        var g = new Graph.Graph("t");
        var ins = new List<Value?>();
        for (int i = 0; i < types.Length; i++)
        {
            var c = i < constants.Length ? constants[i] : null;
            if (c is not null) ins.Add(g.AddInitializer("c" + i, c));
            else if (types[i] is { } t) ins.Add(g.AddInput("in" + i, t));
            else ins.Add(null);
        }
        var node = NodeFactory.Create(OpRegistry.Default.Get(op), NodeName, ins, outputs, attrs);
        g.AddNode(node);
        TypePropagation.Run(g);
        return node.Outputs.Select(o => o!.Type).ToArray();
    }

    public static TensorType Infer1(string op, TensorType?[] types, Tensor?[] constants, params (string, object)[] attrs) =>
        Infer(op, types, constants, 1, attrs)[0];

    public static Dim N => Dim.Sym("N");

    public static TensorType Sym(DataType elem, params Dim[] dims) => new(elem, dims);

    public static Tensor I64(params long[] v) => Tensor.FromArray(v, v.Length);

    public static Tensor F32(float[] v, params int[] shape) => Tensor.FromArray(v, shape);

    public static float[] Range(int n) => Enumerable.Range(0, n).Select(i => (float)i).ToArray();

    /// <summary>Asserts a one-line EngineException that names the node.</summary>
    public static EngineException Fails(Action a)
    {
        var e = Assert.Throws<EngineException>(a);
        Assert.Contains($"'{NodeName}'", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }
}
