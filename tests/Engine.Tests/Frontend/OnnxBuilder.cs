using Engine.Onnx.Proto;
using Google.Protobuf;
using DataType = Engine.Runtime.DataType;

namespace Engine.Tests.Frontend;

/// <summary>Builds small ONNX protos in code for importer, exporter and CLI tests.</summary>
internal static class OnnxBuilder
{
    /// <summary>A tensor value_info; dims are long (static), string (symbolic) or null (unknown).</summary>
    public static ValueInfoProto Value(string name, DataType type, params object?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d is string s) dim.DimParam = s;
            else if (d is not null) dim.DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture);
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs, string name = "", params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    public static AttributeProto Attr(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    public static AttributeProto Attr(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };

    public static AttributeProto Attr(string name, string v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(v) };

    public static AttributeProto Attr(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    public static AttributeProto Attr(string name, params float[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(v);
        return a;
    }

    public static AttributeProto Attr(string name, TensorProto t) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = t };

    public static AttributeProto Attr(string name, GraphProto g) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = g };

    public static TensorProto Floats(string name, float[] data, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(data);
        return t;
    }

    public static TensorProto Raw(string name, DataType type, byte[] raw, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        return t;
    }

    public static GraphProto MakeGraph(string name, IEnumerable<ValueInfoProto> inputs, IEnumerable<ValueInfoProto> outputs, IEnumerable<NodeProto> nodes, IEnumerable<TensorProto>? initializers = null)
    {
        var g = new GraphProto { Name = name };
        g.Input.AddRange(inputs);
        g.Output.AddRange(outputs);
        g.Node.AddRange(nodes);
        if (initializers is not null) g.Initializer.AddRange(initializers);
        return g;
    }

    public static ModelProto Model(GraphProto g, long opset = 21, params (string Domain, long Version)[] more)
    {
        var m = new ModelProto { IrVersion = 10, ProducerName = "tests", Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        foreach (var (d, v) in more) m.OpsetImport.Add(new OperatorSetIdProto { Domain = d, Version = v });
        return m;
    }

    /// <summary>x:f32[2,3] → Identity → y.</summary>
    public static ModelProto IdentityModel() => Model(MakeGraph("id",
        [Value("x", DataType.Float, 2, 3)], [Value("y", DataType.Float, 2, 3)],
        [Node("Identity", ["x"], ["y"], "id0")]));

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "engine-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public string Write(string name, byte[] bytes)
        {
            var p = File(name);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
            System.IO.File.WriteAllBytes(p, bytes);
            return p;
        }

        public string Write(string name, IMessage message) => Write(name, message.ToByteArray());

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
