using Engine.Onnx;
using Engine.Passes;
using Engine.Tests.Support;

namespace Engine.Tests.Passes.Patterns;

/// <summary>GELU (erf and tanh), SiLU and Hardswish as torch 1.13 exports them at opset 13 (tests/models/make_activations.py).</summary>
public class TorchActivationModelTests
{
    [Fact]
    public void O3RecognizesEveryTorchActivation()
    {
        var path = Path.Combine(Paths.RepoRoot, "tests", "models", "activations_opset13.onnx");
        var original = new OnnxImporter().Load(path).Graph;
        var g = new OnnxImporter().Load(path).Graph;
        PassManager.Run(g, Pipelines.ForLevel(2), new PassContext());
        var ops = g.Nodes.Select(n => n.OpType + (n.OpType == "Gelu" ? ":" + n.Attributes.GetString("approximate") : "")).Order().ToArray();
        Assert.Equal(new[] { "Add", "Add", "Add", "Gelu:none", "Gelu:tanh", "HardSwish", "Swish" }, ops);
        var inputs = PatternAssert.RandomInputs(original, 5);
        PatternAssert.AssertClose(PatternAssert.Run(original, inputs), PatternAssert.Run(g, inputs), "O3 vs unoptimized");
    }
}
