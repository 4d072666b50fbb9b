using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;
using Engine.Tests.Frontend;
using static Engine.Tests.Frontend.OnnxBuilder;
using DataType = Engine.Runtime.DataType;

namespace Engine.Tests.Ops;

public class Scan8OpsTests
{
    /// <summary>An opset-8 Scan summing x into a state and emitting each partial sum, with sequence_lens and a reverse direction.</summary>
    private static Model Import(bool withLens, long direction)
    {
        var body = MakeGraph("body",
            [Value("s_in", DataType.Float, 2), Value("x_in", DataType.Float, 2)],
            [Value("s_out", DataType.Float, 2), Value("y_out", DataType.Float, 2)],
            [Node("Add", ["s_in", "x_in"], ["s_out"], "add"), Node("Identity", ["s_out"], ["y_out"], "id")]);
        var scan = Node("Scan", [withLens ? "lens" : "", "init", "x"], ["final", "ys"], "scan",
            Attr("body", body), Attr("num_scan_inputs", 1L), Attr("directions", new[] { direction }));
        var inputs = new List<Onnx.Proto.ValueInfoProto> { Value("init", DataType.Float, 2, 2), Value("x", DataType.Float, 2, 3, 2) };
        if (withLens) inputs.Insert(0, Value("lens", DataType.Int64, 2));
        var g = MakeGraph("main", inputs, [Value("final", DataType.Float, 2, 2), Value("ys", DataType.Float, 2, 3, 2)], [scan]);
        return new OnnxImporter().Import(Model(g, 8));
    }

    private static readonly Tensor X = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60 }, 2, 3, 2);
    private static readonly Tensor Init = Tensor.FromArray(new float[] { 0, 0, 100, 100 }, 2, 2);

    [Fact]
    public void ImportRebindsOldScanToScan8()
    {
        var model = Import(true, 0);
        var node = Assert.Single(model.Graph.Nodes);
        Assert.Equal(OpRegistry.EngineDomain, node.Domain);
        Assert.Equal("Scan8", node.OpType);
        Assert.Equal("[2,3,2]", node.Outputs[1]!.Type.ShapeText);
    }

    [Fact]
    public void ForwardScanRunsEachBatchItemOverItsSequence()
    {
        var r = new ReferenceExecutor(Import(false, 0).Graph).Run([Init, X]);
        Assert.Equal(new float[] { 9, 12, 190, 220 }, r[0]!.As<float>());
        Assert.Equal(new[] { 2, 3, 2 }, r[1]!.Shape);
        Assert.Equal(new float[] { 1, 2, 4, 6, 9, 12, 110, 120, 140, 160, 190, 220 }, r[1]!.As<float>());
    }

    [Fact]
    public void SequenceLensAndReverseDirectionZeroPadTheShorterItem()
    {
        var lens = Tensor.FromArray(new long[] { 3, 2 }, 2);
        var r = new ReferenceExecutor(Import(true, 1).Graph).Run([lens, Init, X]);
        Assert.Equal(new float[] { 9, 12, 140, 160 }, r[0]!.As<float>());
        Assert.Equal(new float[] { 5, 6, 8, 10, 9, 12, 130, 140, 140, 160, 0, 0 }, r[1]!.As<float>());
    }

    [Fact]
    public void SequenceLengthBeyondTheInputFails()
    {
        var lens = Tensor.FromArray(new long[] { 4, 1 }, 2);
        var e = Assert.Throws<EngineException>(() => new ReferenceExecutor(Import(true, 0).Graph).Run([lens, Init, X]));
        Assert.Contains("sequence length 4", e.Message);
    }
}
