using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Passes;
using Engine.Runtime;
using Engine.Tests.Support;

namespace Engine.Tests.Codegen;

/// <summary>Graphs with reference-kernel fallbacks and the shared MNIST model, compiled vs reference.</summary>
public class ModelCodegenTests
{
    public static TheoryData<VectorPath> VectorPaths => CodegenTestKit.Paths;

    /// <summary>Conv → Relu → MaxPool → Flatten → Gemm (+ Sigmoid): ops without a lowering fall back, the rest is generated code.</summary>
    internal static Graph.Graph ConvNet()
    {
        var g = new Graph.Graph("convnet");
        var r = OpRegistry.Default;
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 1, 2, 8, 8));
        var w = g.AddInitializer("w", CodegenTestKit.Random(11, 4, 2, 3, 3));
        var b = g.AddInitializer("b", CodegenTestKit.Random(12, 4));
        var fw = g.AddInitializer("fw", CodegenTestKit.Random(13, 36, 10));
        var fb = g.AddInitializer("fb", CodegenTestKit.Random(14, 10));
        Node Add(Node n) => g.AddNode(n);
        var conv = Add(NodeFactory.Create(r.Get("Conv"), "conv", [x, w, b], 1, ("pads", new long[] { 0, 0, 0, 0 })));
        var relu = Add(NodeFactory.Create(r.Get("Relu"), "relu", [conv.Outputs[0]]));
        var pool = Add(NodeFactory.Create(r.Get("MaxPool"), "pool", [relu.Outputs[0]], 1, ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })));
        var flat = Add(NodeFactory.Create(r.Get("Flatten"), "flat", [pool.Outputs[0]]));
        var gemm = Add(NodeFactory.Create(r.Get("Gemm"), "gemm", [flat.Outputs[0], fw, fb]));
        var sig = Add(NodeFactory.Create(r.Get("Sigmoid"), "sig", [gemm.Outputs[0]]));
        g.Outputs.Add(sig.Outputs[0]!);
        g.Outputs.Add(pool.Outputs[0]!);
        new ShapeInference().Run(g, new PassContext());
        return g;
    }

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void ConvReluMaxPoolGemmWithFallbacksMatchesReference(VectorPath path)
    {
        var g = ConvNet();
        using var m = CodegenTestKit.AssertMatchesReference(g, CodegenTestKit.RandomInputs(g), path);
        // MaxPool has no lowering in this family yet; Flatten is a zero-copy view; Conv is Conv2D, Gemm is PackedGemm.
        Assert.Equal(["MaxPool"], m.Report.Fallbacks.Select(f => f.Op).ToArray());
        Assert.Equal(["conv", "relu", "gemm", "sig"], m.Report.InlinedNodes.ToArray());
        Assert.Contains(m.Report.Nodes, n => n.Op == "Flatten" && n.Outcome == NodeOutcome.Elided);
        Assert.Contains("global::Engine.Runtime.Kernels.", m.Source); // fallbacks call reference kernels by name (standalone class)
        Assert.Empty(m.Emitted.Kernels);
    }

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void MnistAfterLevel2MatchesReferenceAndRecordedOutput(VectorPath path)
    {
        var dir = Paths.SharedPath("models", "mnist");
        var model = new OnnxImporter().Load(Path.Combine(dir, "model.onnx"));
        var input = TensorProtoConverter.ReadFile(Path.Combine(dir, "test_data_set_0", "input_0.pb"));
        var expected = TensorProtoConverter.ReadFile(Path.Combine(dir, "test_data_set_0", "output_0.pb"));
        var feeds = InputBinder.Bind(model.Graph, [input]);
        var shapes = feeds.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        PassManager.Run(model.Graph, Pipelines.ForLevel(2, shapes), new PassContext());
        using var m = CodegenTestKit.AssertMatchesReference(model.Graph, feeds, path, rtol: 1e-4, atol: 1e-5);
        var outs = m.Run(feeds);
        Assert.Null(OutputComparer.Compare(expected.Tensor, outs[model.Graph.Outputs[0].Name], 1e-3, 1e-4));
        Assert.NotEmpty(m.Report.InlinedNodes);
    }

    [Fact]
    public void FourThreadsRunningConcurrentlyGetTheSameOutputs()
    {
        var g = ConvNet();
        using var m = CompiledModel.Compile(g);
        var inputs = Enumerable.Range(0, 4).Select(i => CodegenTestKit.RandomInputs(g, seed: 100 + i)).ToArray();
        var expected = inputs.Select(i => new ReferenceExecutor(g).Run(i)).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int run = 0; run < 50; run++)
            {
                var outs = m.Run(inputs[t]);
                foreach (var (name, e) in expected[t])
                {
                    if (OutputComparer.Compare(e, outs[name], 1e-4, 1e-6) is { } d) failures.Add($"thread {t} run {run} '{name}': {d}");
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }
}
