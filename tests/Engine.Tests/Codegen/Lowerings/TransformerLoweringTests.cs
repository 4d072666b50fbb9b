using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;
using static Engine.Tests.Codegen.Lowerings.LoweringTestKit;

namespace Engine.Tests.Codegen.Lowerings;

/// <summary>
/// The PyTorch transformer encoder of tests/models after O2: its fused Attention nodes (4 heads, 3-D form, causal
/// mask) and every MatMul whose lowering is registered go through their lowering, each on the tensors the
/// reference executor computed for it in the whole model.
/// </summary>
public class TransformerLoweringTests
{
    [Theory]
    [InlineData(VectorPath.Vector512)]
    [InlineData(VectorPath.Scalar)]
    public void FusedAttentionNodesOfTheTransformerMatchTheReference(VectorPath path)
    {
        if (!Supported(path)) return;
        var model = new OnnxImporter(OpRegistry.Default).Load(Path.Combine(Support.Paths.RepoRoot, "tests", "models", "transformer_encoder.onnx"));
        PassManager.Run(model.Graph, Pipelines.ForLevel(2), new PassContext());
        var g = model.Graph;
        var input = g.Inputs.First(v => !g.IsInitializer(v));
        var inputs = new Dictionary<string, Tensor> { [input.Name] = CodegenTestKit.Random(7, input.Type.StaticShape()) };
        var exec = new ReferenceExecutor(g) { KeepIntermediates = true };
        exec.Run(inputs);
        var attention = g.Nodes.Where(n => n.OpType == "Attention").ToList();
        Assert.Equal(2, attention.Count);
        foreach (var node in attention)
        {
            var (single, feeds) = Isolate(g, node, exec);
            var src = AssertMatches(single, feeds, path, 1e-4, 1e-5);
            Assert.Contains("FusedAttention.Run", src);
        }
    }

    [Fact]
    public void CompiledTransformerRunsItsAttentionOnTheFusedKernelAndMatchesTheReference()
    {
        var model = new OnnxImporter(OpRegistry.Default).Load(Path.Combine(Support.Paths.RepoRoot, "tests", "models", "transformer_encoder.onnx"));
        PassManager.Run(model.Graph, Pipelines.ForLevel(2), new PassContext());
        var g = model.Graph;
        var input = g.Inputs.First(v => !g.IsInitializer(v));
        var inputs = new Dictionary<string, Tensor> { [input.Name] = CodegenTestKit.Random(7, input.Type.StaticShape()) };
        var expected = new ReferenceExecutor(g).Run(inputs);
        using var compiled = CompiledModel.Compile(g, new CodegenOptions { Threads = 2 });
        Assert.DoesNotContain(compiled.Report.Fallbacks, f => f.Op is "Attention" or "MatMul");
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(compiled.Source, @"FusedAttention\.Run\("));
        var actual = compiled.Run(inputs);
        foreach (var (name, t) in expected)
        {
            var diff = Engine.Onnx.Conformance.OutputComparer.Compare(t, actual[name], 1e-4, 1e-5);
            Assert.True(diff is null, $"output '{name}': {diff}");
        }
    }

    /// <summary>The node alone in a graph: its constant inputs stay initializers, the others become inputs fed with what the model computed.</summary>
    private static (Graph.Graph, Dictionary<string, Tensor>) Isolate(Graph.Graph g, Node node, ReferenceExecutor exec)
    {
        var single = new Graph.Graph("single");
        var feeds = new Dictionary<string, Tensor>();
        var copy = new Node(node.Schema, "n0");
        foreach (var kv in node.Attributes.Explicit) copy.Attributes.Set(kv.Key, kv.Value);
        int i = 0;
        foreach (var v in node.Inputs)
        {
            if (v is null)
            {
                copy.AddInput(null);
                continue;
            }
            string name = $"in{i++}";
            if (g.Initializers.TryGetValue(v, out var c)) copy.AddInput(single.AddInitializer(name, c));
            else
            {
                var t = exec.Intermediates.TryGetValue(v, out var computed) && computed is not null ? computed : throw new InvalidOperationException($"no value for {v.Name}");
                copy.AddInput(single.AddInput(name, TensorType.Of(t)));
                feeds[name] = t;
            }
        }
        var y = copy.AddOutput(new Value("y", node.Outputs[0]!.Type));
        single.AddNode(copy);
        single.Outputs.Add(y);
        return (single, feeds);
    }
}
