using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx.Conformance;
using Engine.Runtime;

namespace Engine.Tests.Codegen.Lowerings;

public class ZeroAllocationLoweringTests
{
    /// <summary>ConvTranspose, LSTM, Attention and a batched MatMul in one compiled model: no fallback, no managed allocation per run.</summary>
    [Fact]
    public void CompiledRunOfTheLoweredOpsAllocatesNothingAfterWarmUp()
    {
        var g = CodegenTestKit.Parse($$"""
            graph main(%x: f32[1,4,5,6], %s: f32[6,2,8], %q: f32[2,3,7,8], %k: f32[2,3,9,8], %v: f32[2,3,9,8], %a: f32[3,5,7], %b: f32[3,7,4])
                -> (%y1, %y2, %y3, %y4) {
              {{LoweringHarness.Text("w", CodegenTestKit.Random(2, 4, 3, 4, 4))}}
              {{LoweringHarness.Text("lw", CodegenTestKit.Random(3, 1, 20, 8))}}
              {{LoweringHarness.Text("lr", CodegenTestKit.Random(4, 1, 20, 5))}}
              %y1 = ConvTranspose(%x, %w) {strides = [2, 2], pads = [1, 1, 1, 1]}
              %y2, _ = LSTM(%s, %lw, %lr) {hidden_size = 5}
              %y3 = Attention(%q, %k, %v) {is_causal = 1}
              %y4 = MatMul(%a, %b)
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
