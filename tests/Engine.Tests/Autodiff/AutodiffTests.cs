using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;
using Engine.Tests.Passes;
using Engine.Tests.Support;
using Google.Protobuf;

namespace Engine.Tests.Autodiff;

/// <summary>The transform itself: seeding, fan-out accumulation, pruning, StopGradient, ∇input, symbolic shapes, errors.</summary>
public class AutodiffTests
{
    private static Value[] Differentiate(Graph.Graph g, Value loss, params Value[] wrt) =>
        Engine.Passes.Autodiff.Differentiate(g, loss, wrt, new AutodiffOptions { ExposeGradients = true });

    private static Dictionary<string, Tensor> Run(Graph.Graph g, params (string Name, Tensor Value)[] feeds) =>
        new ReferenceExecutor(g).Run(feeds.ToDictionary(f => f.Name, f => f.Value));

    [Fact]
    public void GradientDescentOnAQuadraticFindsItsMinimum()
    {
        // The seeds' first static-graph example: minimize w² − 10w + 25 from w = 0 (lr 0.01, 1,000 steps).
        var g = PassAssert.Parse("""
            graph main(%w: f32[]) -> (%loss) {
              init %ten: f32[] = [10]
              init %c: f32[] = [25]
              %sq = Mul(%w, %w)
              %tw = Mul(%ten, %w)
              %d = Sub(%sq, %tw)
              %loss = Add(%d, %c)
            }
            """);
        var grads = Differentiate(g, g.Outputs[0], g.Inputs[0]);
        Assert.Equal("grad_w", grads[0].Name);
        Verifier.VerifyOrThrow(g);
        var exec = new ReferenceExecutor(g);
        float w = 0;
        for (int step = 0; step < 1000; step++)
        {
            var outs = exec.Run(new Dictionary<string, Tensor> { ["w"] = Tensor.Scalar(w) });
            w -= 0.01f * outs["grad_w"].As<float>()[0];
        }
        Assert.InRange(w, 5 - 1e-3, 5 + 1e-3);
    }

    [Fact]
    public void FanOutContributionsAreSummed()
    {
        // x feeds Mul twice (both slots) and Sin: d/dx (x·x + sin x) = 2x + cos x.
        var g = PassAssert.Parse("""
            graph main(%x: f32[3]) -> (%loss) {
              %sq = Mul(%x, %x)
              %s = Sin(%x)
              %y = Add(%sq, %s)
              %loss = ReduceSum(%y) {keepdims = 0}
            }
            """);
        Differentiate(g, g.Outputs[0], g.Inputs[0]);
        Assert.Contains(g.Nodes, n => n.OpType == "Sum" && n.Inputs.Count == 3);
        var x = new[] { 0.5f, -1.25f, 2f };
        var grad = Run(g, ("x", Tensor.FromArray(x, 3)))["grad_x"].As<float>();
        for (int i = 0; i < 3; i++) Assert.Equal(2 * x[i] + MathF.Cos(x[i]), grad[i], 5);
    }

    [Fact]
    public void OnlyNodesBetweenParametersAndLossAreDifferentiated()
    {
        var g = PassAssert.Parse("""
            graph main(%a: f32[2], %b: f32[2]) -> (%loss, %side) {
              %ea = Exp(%a)
              %eb = Exp(%b)
              %p = Mul(%ea, %eb)
              %loss = ReduceSum(%p) {keepdims = 0}
              %side = Sigmoid(%a)
            }
            """);
        int before = g.Nodes.Count;
        var grads = Differentiate(g, g.Outputs[0], g.Inputs[0]);
        var backward = g.Nodes.Skip(before).ToArray();
        // ∂loss/∂a needs Exp(a)'s rule and one side of Mul's; nothing for b (frozen) or the side output.
        Assert.DoesNotContain(backward, n => n.Name.StartsWith("eb_grad", StringComparison.Ordinal) || n.Name.StartsWith("side_grad", StringComparison.Ordinal));
        Assert.Equal(2, backward.Count(n => n.OpType == "Mul"));
        var outs = Run(g, ("a", Tensor.FromArray(new[] { 0.1f, 0.2f }, 2)), ("b", Tensor.FromArray(new[] { 0.3f, -0.4f }, 2)));
        Assert.Equal(MathF.Exp(0.1f + 0.3f), outs[grads[0].Name].As<float>()[0], 5);
    }

    [Fact]
    public void ValuesTheLossDoesNotReadGetZeroGradients()
    {
        var g = PassAssert.Parse("""
            graph main(%a: f32[2], %unused: f32[2,2]) -> (%loss) {
              %loss = ReduceSum(%a) {keepdims = 0}
            }
            """);
        Differentiate(g, g.Outputs[0], g.Inputs[0], g.Inputs[1]);
        var outs = Run(g, ("a", Tensor.FromArray(new[] { 1f, 2f }, 2)), ("unused", Tensor.Zeros(DataType.Float, 2, 2)));
        Assert.Equal(new float[4], outs["grad_unused"].As<float>());
        Assert.Equal(new[] { 1f, 1f }, outs["grad_a"].As<float>());
    }

    [Fact]
    public void StopGradientBlocksTheFlow()
    {
        // loss = Σ x·sg(x): the stopped factor is a constant, so ∂/∂x = x (not 2x).
        var g = PassAssert.Parse("""
            graph main(%x: f32[3]) -> (%loss) {
              %c = ai.engine::StopGradient(%x)
              %p = Mul(%x, %c)
              %loss = ReduceSum(%p) {keepdims = 0}
            }
            """);
        Differentiate(g, g.Outputs[0], g.Inputs[0]);
        var x = new[] { 1.5f, -2f, 0.25f };
        var outs = Run(g, ("x", Tensor.FromArray(x, 3)));
        Assert.Equal(x, outs["grad_x"].As<float>());
        Assert.Equal(x.Sum(v => v * v), outs["loss"].As<float>()[0], 5);
    }

    [Fact]
    public void GradientWithRespectToTheInputForAdversarialExamples()
    {
        // FGSM needs ∇input of a classifier's loss: here loss = Σ (x·W) ⊙ t, so ∇x = t·Wᵀ.
        var g = PassAssert.Parse("""
            graph main(%x: f32[1,3], %t: f32[1,2]) -> (%loss) {
              init %W: f32[3,2] = [1, 2, 3, 4, 5, 6]
              %logits = MatMul(%x, %W)
              %p = Mul(%logits, %t)
              %loss = ReduceSum(%p) {keepdims = 0}
            }
            """);
        Differentiate(g, g.Outputs[0], g.Inputs[0]);
        var outs = Run(g, ("x", Tensor.FromArray(new[] { 0.1f, 0.2f, 0.3f }, 1, 3)), ("t", Tensor.FromArray(new[] { 1f, -1f }, 1, 2)));
        Assert.Equal(new[] { -1f, -1f, -1f }, outs["grad_x"].As<float>());
    }

    [Fact]
    public void BroadcastGradientsReduceOverSymbolicDims()
    {
        // M may be 1 (broadcast) or N at run time: the reduction axes are computed from the shapes then.
        var g = PassAssert.Parse("""
            graph main(%x: f32[N,3], %b: f32[M,3]) -> (%loss) {
              %y = Mul(%x, %b)
              %loss = ReduceSum(%y) {keepdims = 0}
            }
            """);
        Differentiate(g, g.Outputs[0], g.Inputs[0], g.Inputs[1]);
        Verifier.VerifyOrThrow(g);
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        var broadcast = Run(g, ("x", x), ("b", Tensor.FromArray(new[] { 1f, 1f, 1f }, 1, 3)));
        Assert.Equal(new[] { 1, 3 }, broadcast["grad_b"].Shape);
        Assert.Equal(new[] { 5f, 7f, 9f }, broadcast["grad_b"].As<float>());
        var full = Run(g, ("x", x), ("b", Tensor.FromArray(new[] { 1f, 1f, 1f, 1f, 1f, 1f }, 2, 3)));
        Assert.Equal(x.As<float>(), full["grad_b"].As<float>());
    }

    [Fact]
    public void BroadcastGradientsReduceWhenEvenTheRankIsUnknown()
    {
        // b's rank is only known at run time (reshaped by a runtime shape), so the summed axes are computed then.
        var g = PassAssert.Parse("""
            graph main(%x: f32[2,3], %b0: f32[3], %shape: i64[?]) -> (%loss) {
              %b = Reshape(%b0, %shape)
              %y = Mul(%x, %b)
              %loss = ReduceSum(%y) {keepdims = 0}
            }
            """);
        Differentiate(g, g.Outputs[0], g.Inputs[1]);
        var outs = Run(g, ("x", Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3)), ("b0", Tensor.FromArray(new[] { 1f, 1f, 1f }, 3)),
            ("shape", Tensor.FromArray(new long[] { 1, 1, 3 }, 3)));
        Assert.Equal(new[] { 5f, 7f, 9f }, outs["grad_b0"].As<float>());
    }

    [Fact]
    public void SharedGradientValuesGetTheirOwnOutputs()
    {
        // Add hands the same dY to both operands; each still gets its own named output.
        var g = PassAssert.Parse("""
            graph main(%a: f32[2], %b: f32[2]) -> (%loss) {
              %s = Add(%a, %b)
              %loss = ReduceSum(%s) {keepdims = 0}
            }
            """);
        var grads = Differentiate(g, g.Outputs[0], g.Inputs[0], g.Inputs[1]);
        Assert.Equal(["grad_a", "grad_b"], grads.Select(v => v.Name));
        Assert.NotSame(grads[0], grads[1]);
        Verifier.VerifyOrThrow(g);
    }

    [Fact]
    public void TheAutodiffPassExposesGradientsByName()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[2]) -> (%loss) {
              init %w: f32[2] = [3, 4]
              %p = Mul(%x, %w)
              %loss = ReduceSum(%p) {keepdims = 0}
            }
            """);
        Assert.True(new Engine.Passes.Autodiff("loss", "w").Run(g, new PassContext()));
        var outs = Run(g, ("x", Tensor.FromArray(new[] { 0.5f, -1f }, 2)));
        Assert.Equal(new[] { 0.5f, -1f }, outs["grad_w"].As<float>());
    }

    [Fact]
    public void MissingRuleIsAOneLineError()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[2,2]) -> (%loss) {
              %d = Det(%x)
              %loss = ReduceSum(%d) {keepdims = 0}
            }
            """);
        var e = Assert.Throws<EngineException>(() => Differentiate(g, g.Outputs[0], g.Inputs[0]));
        Assert.Equal("autodiff: op Det (node 'd') has no gradient rule", e.Message);
    }

    [Fact]
    public void LossMustBeAScalarFloat()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[2]) -> (%y) {
              %y = Relu(%x)
            }
            """);
        var e = Assert.Throws<EngineException>(() => Differentiate(g, g.Outputs[0], g.Inputs[0]));
        Assert.Equal("autodiff: loss 'y' must be a scalar float, got f32[2]", e.Message);
    }

    [Fact]
    public void IntegerValuesCannotBeDifferentiated()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[2], %i: i64[1]) -> (%loss) {
              %g = Gather(%x, %i)
              %loss = ReduceSum(%g) {keepdims = 0}
            }
            """);
        var e = Assert.Throws<EngineException>(() => Differentiate(g, g.Outputs[0], g.Inputs[1]));
        Assert.Contains("cannot differentiate with respect to 'i'", e.Message);
    }

    [Fact]
    public void GradCheckCatchesAWrongRule()
    {
        // The harness must be able to fail: x² with the factor 2 forgotten.
        var bad = new OpSchema("test", "BadSquare").In("X").Out("Y").Infer(Shapes.SameAsInput0)
            .WithKernel((ctx, inputs) => [Runtime.Kernels.DoubleBridge.FromDoubles(DataType.Double, inputs[0]!.Shape, inputs[0]!.ToDoubleArray().Select(v => v * v).ToArray())])
            .Gradient(g => g.SetGrad(0, g.Op("Mul", g.dY(0), g.X(0))));
        Value Square(GraphBuilder b, Value[] x)
        {
            var n = NodeFactory.Create(bad, NodeFactory.FreshName("bad"), [x[0]]);
            b.Graph.AddNode(n);
            TypePropagation.InferNode(n);
            return n.Outputs[0]!;
        }
        var e = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GradCheck.Run(Square, [GradCheck.Random(1, [3])]));
        Assert.Contains("finite difference", e.Message);
    }

    private static Graph.Graph Mlp(out Value loss, out Value[] parameters)
    {
        var g = new Graph.Graph("mlp");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 4, 3));
        var t = g.AddInput("t", TensorType.Of(DataType.Float, 4, 2));
        var rng = new Random(3);
        Tensor R(params int[] s) => Tensor.FromArray(Enumerable.Range(0, (int)Tensor.ElementCount(s)).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), s);
        var w1 = g.AddInitializer("W1", R(3, 5));
        var b1 = g.AddInitializer("b1", R(5));
        var w2 = g.AddInitializer("W2", R(5, 2));
        var b2 = g.AddInitializer("b2", R(2));
        var b = new GraphBuilder(g, "fwd");
        var h = b.Op("Relu", b.Op("Add", b.Op("MatMul", x, w1), b1));
        var y = b.Op("Gemm", [h, w2, b2], ("alpha", 1f));
        var d = b.Op("Sub", y, t);
        loss = b.Op("ReduceMean", [b.Op("Mul", d, d)], ("keepdims", 0L));
        loss.Name = "loss";
        g.Outputs.Add(loss);
        parameters = [w1, b1, w2, b2, x];
        return g;
    }

    private static (string, Tensor)[] MlpFeeds()
    {
        var rng = new Random(9);
        Tensor R(params int[] s) => Tensor.FromArray(Enumerable.Range(0, (int)Tensor.ElementCount(s)).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), s);
        return [("x", R(4, 3)), ("t", R(4, 2))];
    }

    [Fact]
    public void BackwardGraphSurvivesTheOptimizer()
    {
        var g = Mlp(out var loss, out var ps);
        Differentiate(g, loss, ps);
        var expected = Run(g, MlpFeeds());
        int nodes = g.Nodes.Count;
        PassManager.Run(g, Pipelines.ForLevel(3), new PassContext());
        Verifier.VerifyOrThrow(g);
        var actual = Run(g, MlpFeeds());
        Assert.True(g.Nodes.Count < nodes, $"O3 left {g.Nodes.Count} of {nodes} nodes");
        foreach (var (name, want) in expected)
            Assert.Null(Passes.Properties.PipelinePropertyTests.Compare(want, actual[name], 1e-5, 1e-6));
    }

    [Fact]
    public void BackwardGraphExportsToOnnxAndRunsInOrt()
    {
        var g = Mlp(out var loss, out var ps);
        Differentiate(g, loss, ps);
        var expected = Run(g, MlpFeeds());
        var ort = OrtRunner.Run(OnnxExporter.Export(g).ToByteArray(), MlpFeeds().ToDictionary(f => f.Item1, f => f.Item2));
        foreach (var (name, want) in expected)
            Assert.Null(Passes.Properties.PipelinePropertyTests.Compare(want, ort[name], 1e-5, 1e-6));
    }
}
