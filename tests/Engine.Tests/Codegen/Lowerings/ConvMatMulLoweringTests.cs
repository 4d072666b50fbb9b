using Engine.Codegen;
using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Tests.Codegen.Lowerings;

/// <summary>
/// Conv and MatMul/Gemm lowered to the Compute primitives (weights packed at compile time, fused epilogues)
/// against the reference executor on the unoptimized graph, on every vector path.
/// </summary>
public class ConvMatMulLoweringTests
{
    public static TheoryData<string, VectorPath> ConvCases()
    {
        string[] attrs =
        [
            "pads = [1, 1, 1, 1]",
            "pads = [1, 1, 1, 1], strides = [2, 2]",
            "pads = [0, 2, 1, 0], dilations = [2, 1]",
            "auto_pad = \"SAME_UPPER\", strides = [2, 2]",
            "auto_pad = \"VALID\"",
        ];
        var d = new TheoryData<string, VectorPath>();
        foreach (var a in attrs)
            foreach (var p in CodegenTestKit.AllPaths)
                d.Add(a, p);
        return d;
    }

    /// <summary>Random weights as initializers, so the lowering sees constants (as after import).</summary>
    private static Graph.Graph WithConstants(string text, params string[] constants)
    {
        var g = CodegenTestKit.Parse(text);
        int seed = 100;
        foreach (var name in constants)
        {
            var v = g.Inputs.Single(i => i.Name == name);
            g.SetInitializer(v, CodegenTestKit.Random(seed++, v.Type.StaticShape()));
        }
        return g;
    }

    private static void CheckOptimized(Graph.Graph g, VectorPath path, int expectLowered, params string[] mustAppear)
    {
        var inputs = CodegenTestKit.RandomInputs(g);
        var expected = new ReferenceExecutor(g).Run(inputs);
        var shapes = inputs.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        PassManager.Run(g, Pipelines.ForLevel(3, shapes), new PassContext());
        foreach (int threads in new[] { 2 })
        {
            using var m = CompiledModel.Compile(g, new CodegenOptions { Vector = path, Threads = threads });
            var actual = m.Run(inputs);
            foreach (var (name, t) in expected)
            {
                var diff = Engine.Onnx.Conformance.OutputComparer.Compare(t, actual[name], 1e-4, 1e-4);
                Assert.True(diff is null, $"{path} t={threads}: output '{name}': {diff}\n{m.Source}");
            }
            Assert.True(m.Report.Fallbacks.Count == 0, m.Report.ToString());
            foreach (var s in mustAppear) Assert.Contains(s, m.Source);
            Assert.True(expectLowered <= m.Report.InlinedNodes.Count, m.Report.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void ConvWithBiasReluAndResidualMatchesReference(string attrs, VectorPath path)
    {
        // Conv → +bias → Relu, then a second conv with a residual add (shapes chosen so the residual fits).
        var g = WithConstants($$"""
            graph main(%x: f32[2,5,11,13], %w: f32[7,5,3,3], %b: f32[7], %cb: f32[7,1,1]) -> (%y) {
              %c = Conv(%x, %w, %b) {{{attrs}}}
              %s = Add(%c, %cb)
              %y = Relu(%s)
            }
            """, "w", "b", "cb");
        CheckOptimized(g, path, 1, "Conv2D.Run(");
    }

    [Theory]
    [MemberData(nameof(CodegenTestKit.Paths), MemberType = typeof(CodegenTestKit))]
    public void GroupedDepthwisePointwiseAndResidualConvsMatchReference(VectorPath path)
    {
        var g = WithConstants("""
            graph main(%x: f32[1,8,17,19], %dw: f32[8,1,3,3], %pw: f32[8,8,1,1], %gw: f32[8,4,3,3], %gb: f32[8]) -> (%y) {
              init %lo: f32[] = [0.0]
              init %hi: f32[] = [0.6]
              %d = Conv(%x, %dw) {group = 8, pads = [1, 1, 1, 1], strides = [2, 2]}
              %r = Clip(%d, %lo, %hi)
              %p = Conv(%r, %pw)
              %q = Conv(%p, %gw, %gb) {group = 2, pads = [1, 1, 1, 1]}
              %s = Add(%q, %p)
              %y = Relu(%s)
            }
            """, "dw", "pw", "gw", "gb");
        CheckOptimized(g, path, 3, "Conv2D.Run(");
    }

    [Theory]
    [MemberData(nameof(CodegenTestKit.Paths), MemberType = typeof(CodegenTestKit))]
    public void OneDimensionalConvMatchesReference(VectorPath path)
    {
        var g = WithConstants("""
            graph main(%x: f32[2,3,29], %w: f32[4,3,5], %b: f32[4]) -> (%y) {
              %c = Conv(%x, %w, %b) {pads = [2, 1], strides = [2], dilations = [1]}
              %y = Sigmoid(%c)
            }
            """, "w", "b");
        CheckOptimized(g, path, 1, "Conv2D.Run(");
    }

    [Theory]
    [MemberData(nameof(CodegenTestKit.Paths), MemberType = typeof(CodegenTestKit))]
    public void GemmAndBatchedMatMulWithConstantWeightsMatchReference(VectorPath path)
    {
        var g = WithConstants("""
            graph main(%a: f32[13,37], %w: f32[21,37], %c: f32[21], %x: f32[2,3,21], %v: f32[21,17], %vb: f32[17]) -> (%y, %z) {
              %g = Gemm(%a, %w, %c) {transB = 1, alpha = 0.5, beta = 2.0}
              %y = Relu(%g)
              %m = MatMul(%x, %v)
              %s = Add(%m, %vb)
              %z = Tanh(%s)
            }
            """, "w", "c", "v", "vb");
        CheckOptimized(g, path, 2, "PackedGemm.Run(");
    }

    [Theory]
    [MemberData(nameof(CodegenTestKit.Paths), MemberType = typeof(CodegenTestKit))]
    public void RuntimeWeightsArePackedPerCall(VectorPath path)
    {
        // Training steps read their weights as inputs: Conv, Gemm (with a run-time bias) and ConvTranspose pack them per call.
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[2,2,5,5], %w: f32[3,2,3,3], %a: f32[4,6], %b: f32[6,5], %c: f32[5], %t: f32[3,2,2,2]) -> (%y, %z, %u) {
              %y = Conv(%x, %w) {pads=[1,1,1,1]}
              %z = Gemm(%a, %b, %c)
              %u = ConvTranspose(%y, %t) {strides=[2,2]}
            }
            """);
        using var m = CodegenTestKit.AssertMatchesReference(g, CodegenTestKit.RandomInputs(g, 3), path);
        Assert.Empty(m.Report.Fallbacks);
    }
}
