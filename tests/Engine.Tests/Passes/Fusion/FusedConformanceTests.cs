using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Passes;
using Engine.Tests.Support;

namespace Engine.Tests.Passes.Fusion;

/// <summary>
/// Node tests whose expanded (function-body) graphs fuse at O3 still pass when the conformance runner
/// optimizes them first (the --level option of `engine conformance`).
/// </summary>
public class FusedConformanceTests
{
    public static TheoryData<string> Cases => new()
    {
        "test_layer_normalization_4d_axis0_expanded",
        "test_softmax_example_expanded",
        "test_gelu_tanh_1_expanded",
        "test_mish_expanded",
        "test_reduce_log_sum_exp_keepdims_random_expanded",
        "test_rms_normalization_3d_axis1_epsilon_expanded",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PassesAtO3WithFusedNodes(string name)
    {
        var c = ConformanceCase.Discover([Paths.SharedPath("onnx", "node", name)]).Single();
        var model = new OnnxImporter().Load(c.ModelPath);
        // Pattern recognition would fold these expanded bodies back into single ops; keep them decomposed to exercise fusion.
        var context = new PassContext();
        foreach (var pass in new[] { "fuse-activations", "fuse-layernorm", "fuse-softmax", "fuse-attention" }) context.Disabled.Add(pass);
        PassManager.Run(model.Graph, Pipelines.ForLevel(3), context);
        Assert.Contains(model.Graph.AllNodes(), OperatorFusion.IsFused);
        var result = new ConformanceRunner { OptimizationLevel = 3, Parallelism = 1 }.Run(c);
        Assert.True(result.Status == ConformanceStatus.Passed, $"{name}: {result.Status} {result.Reason}");
    }
}
