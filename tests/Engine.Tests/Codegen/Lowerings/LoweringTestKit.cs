using System.Runtime.Intrinsics;
using Engine.Codegen;
using Engine.Codegen.Lowering;
using Engine.Graph;
using Engine.Onnx.Conformance;
using Engine.Runtime;

namespace Engine.Tests.Codegen.Lowerings;

/// <summary>Single-node graphs through one lowering (see <see cref="LoweringHarness"/>) against the reference executor.</summary>
internal static class LoweringTestKit
{
    public static TheoryData<VectorPath> Paths => CodegenTestKit.Paths;

    public static bool Supported(VectorPath p) => p switch
    {
        VectorPath.Vector512 => Vector512.IsHardwareAccelerated,
        VectorPath.Vector256 => Vector256.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>The lowering registered for the graph's single node (the default registry, as the emitter sees it).</summary>
    public static ICpuLowering Registered(Graph.Graph g)
    {
        var n = g.Nodes.Single();
        return CpuLoweringRegistry.Default.Find(n.Domain, n.OpType) ?? throw new InvalidOperationException($"no lowering for {n.OpType}");
    }

    /// <summary>Lowers (must not decline) and runs alone at 1 thread, then compiles the graph with the emitter at 2 threads; compares every graph output to the reference executor.</summary>
    public static string AssertMatches(Graph.Graph g, Dictionary<string, Tensor> inputs, VectorPath path, double rtol = 1e-4, double atol = 1e-5)
    {
        var expected = new ReferenceExecutor(g).Run(inputs);
        string source = "";
        foreach (int threads in new[] { 1 })
        {
            var reason = LoweringHarness.Lower(Registered(g), g, new CodegenOptions { Vector = path, Threads = threads }, out var h);
            Assert.True(reason is null, $"declined: {reason}");
            var actual = h.Run(inputs);
            source = h.Source;
            foreach (var (name, t) in expected)
            {
                var diff = OutputComparer.Compare(t, actual[name], rtol, atol);
                Assert.True(diff is null, $"{path} t={threads}: output '{name}': {diff}\n{h.Source}");
            }
        }
        // And through the real emitter (memory plan, arena, weights), which must not fall back.
        using var model = CompiledModel.Compile(g, new CodegenOptions { Vector = path, Threads = 2 });
        Assert.Empty(model.Report.Fallbacks);
        var compiled = model.Run(inputs);
        foreach (var (name, t) in expected)
        {
            var diff = OutputComparer.Compare(t, compiled[name], rtol, atol);
            Assert.True(diff is null, $"{path} compiled model: output '{name}': {diff}\n{model.Source}");
        }
        return source;
    }

    public static string? Declines(Graph.Graph g) =>
        LoweringHarness.Lower(Registered(g), g, new CodegenOptions(), out _);
}
