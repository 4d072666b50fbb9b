using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx.Conformance;
using Engine.Runtime;

namespace Engine.Tests.Codegen.Lowerings;

/// <summary>
/// Single-node graphs through the code generator, on every vector path, against the reference executor: pooling,
/// softmax/normalization, reductions and data movement must be lowered (no fallback) and match.
/// </summary>
public class KernelLoweringTests
{
    public static TheoryData<VectorPath> Paths => CodegenTestKit.Paths;

    private static CompiledModel Check(string ir, VectorPath path, double rtol = 1e-4, double atol = 1e-5, bool expectLowered = true)
    {
        var g = CodegenTestKit.Parse(ir);
        var m = CodegenTestKit.AssertMatchesReference(g, CodegenTestKit.RandomInputs(g, 3), path, rtol, atol);
        if (expectLowered) Assert.True(m.Report.Fallbacks.Count == 0, string.Join("; ", m.Report.Fallbacks.Select(f => $"{f.Op}: {f.Reason}")));
        return m;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PoolsAreLowered(VectorPath path)
    {
        var m = Check("""
            graph main(%x: f32[2,3,17,19], %z: f32[1,5,23]) -> (%a, %b, %c, %d, %e, %f, %g) {
              %a = MaxPool(%x) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]}
              %b = AveragePool(%x) {kernel_shape = [2, 3], strides = [2, 2], ceil_mode = 1, count_include_pad = 1, pads = [1, 0, 1, 2]}
              %c = AveragePool(%x) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]}
              %d = MaxPool(%x) {kernel_shape = [2, 2], dilations = [2, 3], auto_pad = "SAME_UPPER"}
              %e = GlobalAveragePool(%x)
              %f = GlobalMaxPool(%x)
              %g = MaxPool(%z) {kernel_shape = [3], strides = [2]}
            }
            """, path);
        Assert.Contains("Pool2D.MaxPool(", m.Source);
        Assert.Contains("Pool2D.GlobalAveragePool(", m.Source);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SoftmaxAndNormalizationsAreLowered(VectorPath path)
    {
        var m = Check("""
            graph main(%x: f32[3,37], %y: f32[2,5,7], %t: f32[2,5,33], %s: f32[33], %b4: f32[1,4,3,3]) -> (%a, %b, %c, %d, %e, %f, %g) {
              init %scale: f32[1] = [1.5]
              init %bias: f32[1,1] = [0.25]
              init %bs: f32[4] = [1, 2, 0.5, 1]
              init %bb: f32[4] = [0, 1, -1, 0.5]
              init %bm: f32[4] = [0.1, -0.2, 0.3, 0]
              init %bv: f32[4] = [1, 0.5, 2, 0.25]
              %a = Softmax(%x) {axis = -1}
              %b = Softmax(%y) {axis = 1}
              %c = LogSoftmax(%y) {axis = 2}
              %d = LayerNormalization(%t, %scale, %bias) {axis = -1, epsilon = 0.00001}
              %e = LayerNormalization(%t, %s) {axis = 2}
              %f = BatchNormalization(%b4, %bs, %bb, %bm, %bv) {epsilon = 0.001}
              %g = RMSNormalization(%t, %s) {axis = -1}
            }
            """, path);
        Assert.Contains("Softmax.Run(", m.Source);
        Assert.Contains("Normalization.LayerNorm(", m.Source);
        Assert.Contains("Normalization.BatchNorm(", m.Source);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ReductionsAreLowered(VectorPath path)
    {
        var m = Check("""
            graph main(%x: f32[2,3,5,7]) -> (%a, %b, %c, %d, %e, %f) {
              init %sp: i64[2] = [2, 3]
              init %last: i64[1] = [-1]
              init %mid: i64[2] = [1, 2]
              %a = ReduceMean(%x, %sp) {keepdims = 1}
              %b = ReduceSum(%x, %last) {keepdims = 0}
              %c = ReduceMax(%x, %mid)
              %d = ReduceL2(%x, %sp)
              %e = ReduceLogSumExp(%x, %last)
              %f = ReduceMin(%x)
            }
            """, path);
        Assert.Contains("Reductions.Reduce(ReduceOp.Mean", m.Source);
    }

    [Fact]
    public void NonAdjacentReductionFallsBackWithReason()
    {
        var m = Check("""
            graph main(%x: f32[2,3,5,7]) -> (%a) {
              init %ax: i64[2] = [1, 3]
              %a = ReduceSum(%x, %ax)
            }
            """, VectorPath.Auto, expectLowered: false);
        Assert.Contains(m.Report.Fallbacks, f => f.Reason.Contains("not adjacent"));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void DataMovementIsLowered(VectorPath path)
    {
        var m = Check("""
            graph main(%x: f32[2,3,17,5], %v: f32[4,1,6], %e: f32[11,8]) -> (%a, %b, %c, %s1, %s2, %d, %f, %g, %h, %i, %j) {
              init %st: i64[2] = [15, 1]
              init %en: i64[2] = [-100, 5]
              init %ax: i64[2] = [2, 3]
              init %sp: i64[2] = [-3, 2]
              init %ids: i64[2,3] = [[0, 10, -1], [5, 5, 2]]
              init %ids32: i32[4] = [2, 0, 1, 2]
              init %pads: i64[6] = [1, 0, 2, 0, 2, 1]
              init %shape: i64[3] = [4, 3, 6]
              init %rep: i64[3] = [2, 3, 1]
              %a = Transpose(%x) {perm = [0, 2, 3, 1]}
              %b = Transpose(%e)
              %c = Slice(%x, %st, %en, %ax, %sp)
              %s1, %s2 = Split(%x) {axis = 2, num_outputs = 2}
              %d = Gather(%e, %ids) {axis = 0}
              %f = Gather(%x, %ids32) {axis = 1}
              %g = Pad(%v, %pads) {mode = "reflect"}
              %h = Expand(%v, %shape)
              %i = Tile(%v, %rep)
              %j = Concat(%e, %e, %e) {axis = 1}
            }
            """, path, 0, 0);
        Assert.Contains("TensorCopy.Transpose(", m.Source);
        Assert.Contains("TensorCopy.Gather(", m.Source);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ResizeIsLowered(VectorPath path)
    {
        var m = Check("""
            graph main(%x: f32[1,3,7,10]) -> (%a, %b, %c, %d) {
              init %up: f32[4] = [1, 1, 2, 2]
              init %odd: f32[4] = [1, 1, 1.5, 0.7]
              init %size: i64[4] = [1, 3, 13, 5]
              %a = Resize(%x, _, %up) {mode = "nearest"}
              %b = Resize(%x, _, %odd) {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"}
              %c = Resize(%x, _, %up) {mode = "linear"}
              %d = Resize(%x, _, _, %size) {mode = "linear", coordinate_transformation_mode = "align_corners"}
            }
            """, path);
        Assert.Contains("Resize2D.Linear(", m.Source);
    }

    [Fact]
    public void LoweredKernelsAllocateNothingPerRunAfterWarmUp()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[1,8,20,20], %e: f32[11,8]) -> (%p, %q, %sm, %ln, %r, %t, %sl, %ga, %pd, %rs, %rl) {
              init %sc: f32[1] = [1.5]
              init %ax: i64[1] = [1]
              init %st: i64[1] = [18]
              init %en: i64[1] = [1]
              init %sp: i64[1] = [-2]
              init %sa: i64[1] = [3]
              init %ids: i64[3] = [3, 0, 10]
              init %pads: i64[8] = [0, 0, 1, 2, 0, 0, 2, 1]
              init %up: f32[4] = [1, 1, 1.5, 2]
              %p = MaxPool(%x) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]}
              %q = AveragePool(%x) {kernel_shape = [2, 2], strides = [2, 2]}
              %sm = Softmax(%x) {axis = 1}
              %ln = LayerNormalization(%x, %sc) {axis = -1}
              %r = ReduceMean(%x, %ax)
              %t = Transpose(%x) {perm = [0, 2, 3, 1]}
              %sl = Slice(%x, %st, %en, %sa, %sp)
              %ga = Gather(%e, %ids)
              %pd = Pad(%x, %pads) {mode = "edge"}
              %rs = Resize(%x, _, %up) {mode = "nearest"}
              %rl = Resize(%x, _, %up) {mode = "linear"}
            }
            """);
        var inputs = CodegenTestKit.RandomInputs(g);
        var expected = new ReferenceExecutor(g).Run(inputs);
        using var model = CompiledModel.Compile(g, new CodegenOptions { Threads = 2 });
        Assert.Empty(model.Report.Fallbacks);
        var ins = model.Inputs.Select(s => inputs[s.Name]).ToArray();
        var outs = model.Outputs.Select(o => Tensor.Zeros(o.Type, (int[])o.Shape.Clone())).ToArray();
        for (int i = 0; i < 3; i++) model.Run(ins, outs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        model.Run(ins, outs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        for (int k = 0; k < outs.Length; k++)
            Assert.Null(OutputComparer.Compare(expected[model.Outputs[k].Name], outs[k], 1e-4, 1e-5));
    }
}
