using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx.Conformance;
using Engine.Runtime;

namespace Engine.Tests.Codegen;

/// <summary>The session API: zero managed allocation per run, concurrent runs, named and positional binding.</summary>
public class SessionCodegenTests
{
    /// <summary>MatMul with constant weights (PackedGemm, parallel), bias, Tanh, a residual Add and a broadcast Mul: no fallback.</summary>
    internal static Graph.Graph DenseModel(int m = 64, int k = 64, int n = 64)
    {
        var g = new Graph.Graph("dense");
        var r = OpRegistry.Default;
        var x = g.AddInput("x", TensorType.Of(DataType.Float, m, k));
        var res = g.AddInput("r", TensorType.Of(DataType.Float, m, n));
        var w = g.AddInitializer("w", CodegenTestKit.Random(11, k, n));
        var b = g.AddInitializer("b", CodegenTestKit.Random(12, n));
        var s = g.AddInitializer("s", CodegenTestKit.Random(13, n));
        Value Op(string op, string name, params Value[] ins) => g.AddNode(NodeFactory.Create(r.Get(op), name, ins)).Outputs[0]!;
        var h = Op("MatMul", "mm", x, w);
        var hb = Op("Add", "bias", h, b);
        var t = Op("Tanh", "tanh", hb);
        var y = Op("Add", "res", t, res);
        var z = Op("Mul", "scale", y, s);
        y.Name = "y";
        z.Name = "z";
        g.Outputs.Add(y);
        g.Outputs.Add(z);
        TypePropagation.Run(g);
        return g;
    }

    private static (Tensor[] Inputs, Tensor[] Outputs) Bind(CompiledModel model, Dictionary<string, Tensor> inputs) =>
        (model.Inputs.Select(s => inputs[s.Name]).ToArray(), model.Outputs.Select(o => Tensor.Zeros(o.Type, (int[])o.Shape.Clone())).ToArray());

    [Fact]
    public void OneRunAfterWarmUpAllocatesNoManagedMemory()
    {
        var g = DenseModel();
        var inputs = CodegenTestKit.RandomInputs(g);
        var expected = new ReferenceExecutor(g).Run(inputs);
        using var model = CompiledModel.Compile(g, new CodegenOptions { Threads = 2 });
        Assert.Empty(model.Report.Fallbacks);
        var (ins, outs) = Bind(model, inputs);
        for (int i = 0; i < 3; i++) model.Run(ins, outs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        model.Run(ins, outs);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        for (int k = 0; k < outs.Length; k++)
            Assert.Null(OutputComparer.Compare(expected[model.Outputs[k].Name], outs[k], 1e-4, 1e-5));
    }

    [Fact]
    public void EightThreadsTimesAThousandRunsMatchTheSingleThreadedResult()
    {
        var g = DenseModel(8, 16, 24);
        var inputs = CodegenTestKit.RandomInputs(g, seed: 5);
        using var model = CompiledModel.Compile(g, new CodegenOptions { Threads = 2 });
        var single = model.Run(inputs);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            var (ins, outs) = Bind(model, inputs);
            for (int i = 0; i < 1000; i++)
            {
                model.Run(ins, outs);
                for (int k = 0; k < outs.Length; k++)
                {
                    if (!outs[k].As<float>().AsSpan().SequenceEqual(single[model.Outputs[k].Name].As<float>()))
                    {
                        failures.Add($"thread {t} run {i} output {k}");
                        return;
                    }
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void NamedOutputsAreWrittenIntoTheCallersTensors()
    {
        var g = DenseModel(3, 5, 7);
        var inputs = CodegenTestKit.RandomInputs(g);
        using var model = CompiledModel.Compile(g);
        var y = Tensor.Zeros(DataType.Float, 3, 7);
        var z = Tensor.Zeros(DataType.Float, 3, 7);
        model.Run(inputs, new Dictionary<string, Tensor> { ["y"] = y, ["z"] = z });
        var expected = new ReferenceExecutor(g).Run(inputs);
        Assert.Null(OutputComparer.Compare(expected["y"], y, 1e-4, 1e-5));
        Assert.Null(OutputComparer.Compare(expected["z"], z, 1e-4, 1e-5));
        var e = Assert.Throws<EngineException>(() => model.Run(inputs, new Dictionary<string, Tensor> { ["y"] = y, ["z"] = Tensor.Zeros(DataType.Float, 7, 3) }));
        Assert.Contains("'z' expects f32[3,7]", e.Message);
        Assert.Throws<EngineException>(() => model.Run(inputs, new Dictionary<string, Tensor> { ["y"] = y }));
    }

    [Fact]
    public void PlannedArenaIsSmallerThanOneSlotPerValueAndGivesTheSameResults()
    {
        var g = CodegenTestKit.Parse("""
            graph chain(%x: f32[64,33]) -> (%y) {
              %a = Exp(%x)
              %b = Neg(%a)
              %c = Abs(%b)
              %d = Sqrt(%c)
              %e = Relu(%d)
              %y = Mul(%e, %x)
            }
            """);
        var inputs = CodegenTestKit.RandomInputs(g);
        using var planned = CodegenTestKit.AssertMatchesReference(g, inputs, VectorPath.Auto);
        using var naive = CompiledModel.Compile(g, new CodegenOptions { PlanMemory = false });
        Assert.Equal(planned.Run(inputs)["y"].As<float>(), naive.Run(inputs)["y"].As<float>());
        // In place: the chain needs one intermediate buffer, not five.
        Assert.True(planned.Report.ArenaBytes < naive.Report.ArenaBytes / 2, $"planned {planned.Report.ArenaBytes} vs naive {naive.Report.ArenaBytes}");
        Assert.True(planned.Report.ArenaBytes <= planned.Report.LowerBoundBytes * 1.05);
    }
}
