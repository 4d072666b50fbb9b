using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Proto;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>Old-opset nodes go through the importer's upgrade rules and then run as the canonical op.</summary>
public class NnUpgradeTests
{
    private static ValueInfoProto Info(string name, int elemType, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } },
        };
    }

    private static TensorProto Init(string name, float[] v, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(v);
        return t;
    }

    private static Dictionary<string, Tensor> Run(NodeProto node, long opset, ValueInfoProto[] inputs, ValueInfoProto[] outputs,
        TensorProto[] inits, Dictionary<string, Tensor> feed)
    {
        var g = new GraphProto { Name = "g" };
        g.Node.Add(node);
        g.Input.AddRange(inputs);
        g.Output.AddRange(outputs);
        g.Initializer.AddRange(inits);
        var m = new ModelProto { IrVersion = 3, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        var model = new OnnxImporter().Import(m);
        TypePropagation.Run(model.Graph);
        return new ReferenceExecutor(model.Graph).Run(feed);
    }

    private static AttributeProto IntAttr(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    private static AttributeProto FloatAttr(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };

    [Fact]
    public void BatchNormOpset6DropsIsTestAndSpatial()
    {
        var node = new NodeProto { OpType = "BatchNormalization", Name = "bn" };
        node.Input.AddRange(["x", "s", "b", "m", "v"]);
        node.Output.Add("y");
        node.Attribute.Add(IntAttr("is_test", 1));
        node.Attribute.Add(IntAttr("spatial", 1));
        node.Attribute.Add(FloatAttr("epsilon", 0f));
        var y = Run(node, 6, [Info("x", 1, 1, 2, 2)], [Info("y", 1, 1, 2, 2)],
            [Init("s", [2, 1], 2), Init("b", [0, 1], 2), Init("m", [1, 0], 2), Init("v", [4, 1], 2)],
            new() { ["x"] = Tensor.FromArray(new float[] { 3, 5, 1, 2 }, 1, 2, 2) })["y"];
        Assert.Equal(new float[] { 2, 4, 2, 3 }, y.As<float>());
    }

    [Fact]
    public void DropoutOpset6And10RunInInferenceMode()
    {
        foreach (var opset in new long[] { 6, 10 })
        {
            var node = new NodeProto { OpType = "Dropout", Name = "d" };
            node.Input.Add("x");
            node.Output.Add("y");
            node.Attribute.Add(FloatAttr("ratio", 0.3f));
            if (opset < 7) node.Attribute.Add(IntAttr("is_test", 0));
            var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
            var y = Run(node, opset, [Info("x", 1, 3)], [Info("y", 1, 3)], [], new() { ["x"] = x })["y"];
            Assert.Equal(x.As<float>(), y.As<float>());
        }
    }

    [Fact]
    public void GroupNormOpset18PerGroupScaleKeepsItsMeaning()
    {
        var node = new NodeProto { OpType = "GroupNormalization", Name = "gn" };
        node.Input.AddRange(["x", "s", "b"]);
        node.Output.Add("y");
        node.Attribute.Add(IntAttr("num_groups", 2));
        node.Attribute.Add(FloatAttr("epsilon", 0f));
        var y = Run(node, 18, [Info("x", 1, 1, 4, 1)], [Info("y", 1, 1, 4, 1)], [Init("s", [1, 2], 2), Init("b", [0, 10], 2)],
            new() { ["x"] = Tensor.FromArray(new float[] { 1, 3, 0, 4 }, 1, 4, 1) })["y"];
        Assert.Equal(new float[] { -1, 1, 8, 12 }, y.As<float>());
    }
}
