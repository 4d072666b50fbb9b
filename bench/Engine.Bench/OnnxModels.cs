using System.Runtime.InteropServices;
using Engine.Onnx.Proto;
using Engine.Runtime.Compute;
using Google.Protobuf;

namespace Engine.Bench;

/// <summary>Single-op ONNX models built in code (weights as initializers, so ORT can prepack them like we do).</summary>
internal static class OnnxModels
{
    /// <summary>Y [m, n] = X [m, k] · B [k, n].</summary>
    public static byte[] MatMul(int m, int n, int k, float[] b)
    {
        var g = new GraphProto { Name = "matmul" };
        g.Input.Add(Info("X", m, k));
        g.Initializer.Add(Initializer("B", b, k, n));
        var node = new NodeProto { OpType = "MatMul", Name = "mm" };
        node.Input.Add("X");
        node.Input.Add("B");
        node.Output.Add("Y");
        g.Node.Add(node);
        g.Output.Add(Info("Y", m, n));
        return Model(g);
    }

    /// <summary>Y = Relu(Conv(X, W, B)) with explicit pads/strides/dilations/group.</summary>
    public static byte[] ConvRelu(Conv2DShape s, float[] w, float[] bias)
    {
        var g = new GraphProto { Name = "conv" };
        g.Input.Add(Info("X", s.N, s.C, s.H, s.W));
        g.Initializer.Add(Initializer("W", w, s.M, s.Cg, s.KH, s.KW));
        g.Initializer.Add(Initializer("B", bias, s.M));
        var conv = new NodeProto { OpType = "Conv", Name = "conv" };
        conv.Input.Add("X");
        conv.Input.Add("W");
        conv.Input.Add("B");
        conv.Output.Add("C");
        conv.Attribute.Add(Ints("kernel_shape", s.KH, s.KW));
        conv.Attribute.Add(Ints("strides", s.StrideH, s.StrideW));
        conv.Attribute.Add(Ints("dilations", s.DilationH, s.DilationW));
        conv.Attribute.Add(Ints("pads", s.PadTop, s.PadLeft, s.PadBottom, s.PadRight));
        conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = s.Groups });
        g.Node.Add(conv);
        var relu = new NodeProto { OpType = "Relu", Name = "relu" };
        relu.Input.Add("C");
        relu.Output.Add("Y");
        g.Node.Add(relu);
        g.Output.Add(Info("Y", s.N, s.M, s.OH, s.OW));
        return Model(g);
    }

    private static byte[] Model(GraphProto g)
    {
        var model = new ModelProto { IrVersion = 10, ProducerName = "Engine.Bench", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 21 });
        return model.ToByteArray();
    }

    private static ValueInfoProto Info(string name, params int[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Initializer(string name, float[] data, params int[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())) };
        foreach (var d in dims) t.Dims.Add(d);
        return t;
    }

    private static AttributeProto Ints(string name, params int[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        foreach (var v in values) a.Ints.Add(v);
        return a;
    }
}
