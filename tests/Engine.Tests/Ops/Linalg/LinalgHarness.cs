using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;

namespace Engine.Tests.Ops.Linalg;

/// <summary>
/// Test helpers for the linalg ops: run one op as a single-node IR graph (checking inference against
/// the kernel's result), or as a single-node ONNX model of a given opset through our importer and
/// through ONNX Runtime, so old-opset upgrade rules are checked against an independent runtime.
/// </summary>
internal static class LinalgHarness
{
    public static Tensor Run(string op, Tensor?[] inputs, params (string, object)[] attrs) => Run(op, inputs, 1, attrs);

    public static Tensor Run(string op, Tensor?[] inputs, int threads, params (string, object)[] attrs) => Run(op, inputs, threads, 99, attrs);

    /// <summary>As <see cref="Run(string, Tensor?[], (string, object)[])"/>, with inputs from <paramref name="firstConstant"/> on as initializers.</summary>
    public static Tensor Run(string op, Tensor?[] inputs, int threads, int firstConstant, params (string, object)[] attrs)
    {
        var g = new Engine.Graph.Graph("t");
        var ins = new List<Value?>();
        var feed = new List<Tensor?>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t)
            {
                ins.Add(null);
                continue;
            }
            if (i >= firstConstant)
            {
                ins.Add(g.AddInitializer("in" + i, t));
                continue;
            }
            ins.Add(g.AddInput("in" + i, TensorType.Of(t)));
            feed.Add(t);
        }
        var node = NodeFactory.Create(OpRegistry.Default.Get(op), "n", ins, 1, attrs);
        g.AddNode(node);
        g.Outputs.Add(node.Outputs[0]!);
        TypePropagation.Run(g);
        var result = new ReferenceExecutor(g, threads).Run(feed.ToArray())[0]!;
        var inferred = node.Outputs[0]!.Type;
        Assert.Equal(result.Type, inferred.Elem);
        Assert.NotNull(inferred.Dims);
        Assert.Equal(result.Shape, inferred.StaticShape());
        return result;
    }

    /// <summary>A single-node ONNX model: every input is a graph input except those listed as initializers (outputRank −1: unknown rank).</summary>
    public static byte[] Model(string op, int opset, (string Name, Tensor Value, bool Constant)[] inputs, int outputRank, DataType outType,
        params (string Name, object Value)[] attrs) => Model(op, opset, inputs, outputRank, outType, false, attrs);

    /// <summary>As above; <paramref name="hideInputShapes"/> declares graph inputs with element type only (unknown rank).</summary>
    public static byte[] Model(string op, int opset, (string Name, Tensor Value, bool Constant)[] inputs, int outputRank, DataType outType,
        bool hideInputShapes, params (string Name, object Value)[] attrs)
    {
        var node = new NodeProto { OpType = op, Name = "node" };
        var graph = new GraphProto { Name = "g" };
        foreach (var (name, value, constant) in inputs)
        {
            node.Input.Add(name);
            if (name.Length == 0) continue;
            if (constant) graph.Initializer.Add(TensorProtoConverter.FromTensor(value, name));
            else graph.Input.Add(new ValueInfoProto { Name = name, Type = OnnxTypes.FromTensorType(hideInputShapes ? TensorType.Unknown(value.Type) : TensorType.Of(value)) });
        }
        node.Output.Add("y");
        foreach (var (name, v) in attrs) node.Attribute.Add(Attribute(name, v));
        graph.Node.Add(node);
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = OnnxTypes.FromTensorType(new TensorType(outType, outputRank < 0 ? null : Enumerable.Repeat(Dim.Unknown, outputRank).ToArray())) });
        var model = new ModelProto { IrVersion = 7, Graph = graph, ProducerName = "linalg-tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    private static AttributeProto Attribute(string name, object v) => v switch
    {
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] a => WithInts(name, a),
        float[] a => WithFloats(name, a),
        _ => throw new ArgumentException($"attribute {name}: unsupported {v.GetType().Name}"),
    };

    private static AttributeProto WithInts(string name, long[] a)
    {
        var p = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        p.Ints.AddRange(a);
        return p;
    }

    private static AttributeProto WithFloats(string name, float[] a)
    {
        var p = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        p.Floats.AddRange(a);
        return p;
    }

    /// <summary>Imports and runs <paramref name="model"/> on our reference executor.</summary>
    public static Tensor RunOurs(byte[] model, Dictionary<string, Tensor> feeds)
    {
        var m = new OnnxImporter().Import(ModelProto.Parser.ParseFrom(model), "test");
        return new ReferenceExecutor(m.Graph).Run(feeds)["y"];
    }

    /// <summary>Runs a single-node model in ONNX Runtime and in our importer + executor; asserts they agree.</summary>
    public static Tensor MatchesOrt(string op, int opset, (string Name, Tensor Value, bool Constant)[] inputs, int outputRank,
        params (string Name, object Value)[] attrs) => MatchesOrt(op, opset, inputs, outputRank, false, attrs);

    public static Tensor MatchesOrt(string op, int opset, (string Name, Tensor Value, bool Constant)[] inputs, int outputRank,
        bool hideInputShapes, params (string Name, object Value)[] attrs)
    {
        var type = inputs[0].Value.Type;
        var model = Model(op, opset, inputs, outputRank, type, hideInputShapes, attrs);
        var feeds = inputs.Where(i => !i.Constant && i.Name.Length > 0).ToDictionary(i => i.Name, i => i.Value);
        var ours = RunOurs(model, feeds);
        var ort = OrtRunner.Run(model, feeds)["y"];
        var diff = OutputComparer.Compare(ort, ours, 1e-4, 1e-5);
        Assert.True(diff is null, $"{op}-{opset} {string.Join(" ", attrs.Select(a => $"{a.Name}={a.Value}"))}: {diff}");
        return ours;
    }

    public static float[] Random(int n, int seed, float lo = -1, float hi = 1)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (float)r.NextDouble() * (hi - lo);
        return a;
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rtol = 1e-4, double atol = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(a), $"[{i}] expected NaN, got {a}"); continue; }
            Assert.True(Math.Abs(e - a) <= atol + rtol * Math.Abs(e), $"[{i}] expected {e}, got {a}");
        }
    }

    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-4, double atol = 1e-5)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Shape, actual.Shape);
        Close(expected.ToDoubleArray(), actual.ToDoubleArray(), rtol, atol);
    }
}
