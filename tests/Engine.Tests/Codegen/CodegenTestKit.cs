using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx.Conformance;
using Engine.Runtime;

namespace Engine.Tests.Codegen;

/// <summary>Shared helpers: parse IR text, random inputs, compiled-vs-reference comparison on every vector path.</summary>
internal static class CodegenTestKit
{
    public static readonly VectorPath[] AllPaths = [VectorPath.Scalar, VectorPath.Vector256, VectorPath.Vector512];

    public static TheoryData<VectorPath> Paths => new() { VectorPath.Scalar, VectorPath.Vector256, VectorPath.Vector512 };

    /// <summary>Only the elementwise loops: every other op falls back to its reference kernel (stable whatever lowerings other families add).</summary>
    public static readonly Engine.Codegen.Lowering.CpuLoweringRegistry ElementwiseOnly = CreateElementwiseOnly();

    private static Engine.Codegen.Lowering.CpuLoweringRegistry CreateElementwiseOnly()
    {
        var r = new Engine.Codegen.Lowering.CpuLoweringRegistry();
        new Engine.Codegen.Lowerings.Elementwise.ElementwiseLowerings().Register(r);
        return r;
    }

    public static Graph.Graph Parse(string text) => IrParser.Parse(text, OpRegistry.Default, inferTypes: true);

    public static Tensor Random(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 4 - 2);
        return Tensor.FromArray(data, shape);
    }

    /// <summary>Random inputs for every non-initializer graph input (float32, its static shape).</summary>
    public static Dictionary<string, Tensor> RandomInputs(Graph.Graph g, int seed = 1) =>
        g.Inputs.Where(v => !g.IsInitializer(v)).Select((v, i) => (v.Name, T: Random(seed + i, v.Type.StaticShape())))
            .ToDictionary(x => x.Name, x => x.T);

    public static CompiledModel AssertMatchesReference(Graph.Graph g, Dictionary<string, Tensor> inputs, VectorPath path, double rtol = 1e-4, double atol = 1e-6,
        Engine.Codegen.Lowering.CpuLoweringRegistry? registry = null)
    {
        var expected = new ReferenceExecutor(g).Run(inputs);
        var model = CompiledModel.Compile(g, new CodegenOptions { Vector = path }, registry);
        var actual = model.Run(inputs);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, t) in expected)
        {
            var diff = OutputComparer.Compare(t, actual[name], rtol, atol);
            Assert.True(diff is null, $"{path}: output '{name}': {diff}\n{model.Source}");
        }
        return model;
    }
}
