using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Google.Protobuf;
using static Engine.Tests.Frontend.OnnxBuilder;
using DataType = Engine.Runtime.DataType;

namespace Engine.Tests.Frontend;

/// <summary>Hand-made bad models and inputs: each must fail with a one-line EngineException that names the file and the fault.</summary>
public class BadInputTests
{
    private const string Source = "bad.onnx";

    private static EngineException ImportFails(ModelProto m, OpRegistry? registry = null, string? baseDirectory = null)
    {
        var e = Assert.Throws<EngineException>(() => new OnnxImporter(registry).Import(m, Source, baseDirectory));
        Assert.StartsWith(Source, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    private static ModelProto WithInitializer(TensorProto t) => Model(MakeGraph("g",
        [Value("x", DataType.Float, 2)], [Value("y", DataType.Float, 2)],
        [Node("Identity", ["x"], ["y"])], [t]));

    [Fact]
    public void GraphCycleIsRejected()
    {
        // a → b → a: ONNX requires topological order, so the first node reads a value defined after it.
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("b", DataType.Float, 2)],
            [Node("Identity", ["a"], ["b"], "n1"), Node("Identity", ["b"], ["a"], "n2")]));
        var e = ImportFails(m);
        Assert.Contains("'n1'", e.Message);
        Assert.Contains("'a'", e.Message);
    }

    [Fact]
    public void ReadingAnUndefinedValueIsRejected()
    {
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("y", DataType.Float, 2)],
            [Node("Identity", ["nowhere"], ["y"], "reader")]));
        var e = ImportFails(m);
        Assert.Contains("'nowhere'", e.Message);
        Assert.Contains("reader", e.Message);
    }

    [Fact]
    public void UndefinedGraphOutputIsRejected()
    {
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("ghost", DataType.Float, 2)],
            [Node("Identity", ["x"], ["y"])]));
        Assert.Contains("'ghost'", ImportFails(m).Message);
    }

    [Fact]
    public void ValueDefinedTwiceIsRejected()
    {
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("y", DataType.Float, 2)],
            [Node("Identity", ["x"], ["y"], "first"), Node("Identity", ["x"], ["y"], "second")]));
        var e = ImportFails(m);
        Assert.Contains("second", e.Message);
        Assert.Contains("already defined", e.Message);

        var twice = WithInitializer(Floats("w", [1, 2], 2));
        twice.Graph.Initializer.Add(Floats("w", [3, 4], 2));
        Assert.Contains("defined twice", ImportFails(twice).Message);

        var shadow = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("x", DataType.Float, 2)],
            [Node("Identity", ["x"], ["x"], "shadow")]));
        Assert.Contains("already defined", ImportFails(shadow).Message);
    }

    [Fact]
    public void EveryUnknownOpIsListedWithItsFirstNode()
    {
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("z", DataType.Float, 2)],
        [
            Node("FrobnicateA", ["x"], ["y"], "first_a"),
            Node("FrobnicateB", ["y"], ["w"], "first_b"),
            Node("FrobnicateA", ["w"], ["z"], "second_a"),
        ]), opset: 13);
        var e = ImportFails(m);
        Assert.Contains("2 unsupported ops", e.Message);
        Assert.Contains("FrobnicateA@13 (first at node 'first_a')", e.Message);
        Assert.Contains("FrobnicateB@13 (first at node 'first_b')", e.Message);
        Assert.DoesNotContain("second_a", e.Message);
    }

    [Fact]
    public void UnknownOpInsideASubgraphIsListed()
    {
        var registry = new OpRegistry();
        registry.Add("Wrap").In("x").Out("y").RequiredAttr("body", AttrType.Graph);
        var body = MakeGraph("body", [], [Value("inner", DataType.Float, 2)], [Node("Hidden", ["x"], ["inner"], "deep")]);
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("y", DataType.Float, 2)],
            [Node("Wrap", ["x"], ["y"], "w", Attr("body", body))]));
        Assert.Contains("Hidden@21 (first at node 'deep')", ImportFails(m, registry).Message);
    }

    [Fact]
    public void UnknownDomainIsRejected()
    {
        var n = Node("Identity", ["x"], ["y"], "foreign");
        n.Domain = "com.example";
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("y", DataType.Float, 2)], [n]));
        Assert.Contains("com.example", ImportFails(m).Message);

        // Imported but not ours: reported as an unsupported op of that domain.
        var imported = Model(m.Graph.Clone(), 21, ("com.example", 1L));
        Assert.Contains("com.example::Identity@1", ImportFails(imported).Message);
    }

    [Fact]
    public void NegativeDimsAreRejected()
    {
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2, -3)], [Value("y", DataType.Float, 2, 3)],
            [Node("Identity", ["x"], ["y"])]));
        Assert.Contains("negative dimension -3", ImportFails(m).Message);

        Assert.Contains("invalid dimension -1", ImportFails(WithInitializer(Raw("w", DataType.Float, new byte[8], -1, -2))).Message);
    }

    [Fact]
    public void RawDataSizeMustMatchDims()
    {
        var e = ImportFails(WithInitializer(Raw("w", DataType.Float, new byte[20], 2, 3)));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("20 bytes", e.Message);

        var typed = WithInitializer(Floats("v", [1, 2, 3], 2, 2));
        Assert.Contains("3 values", ImportFails(typed).Message);
    }

    [Fact]
    public void DimsWhoseProductOverflowsAreRejectedWithoutAllocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = ImportFails(WithInitializer(Raw("w", DataType.Float, new byte[4], int.MaxValue, int.MaxValue, int.MaxValue, 4)));
        Assert.Contains("over the limit", e.Message);
        Assert.Contains("invalid dimension", ImportFails(WithInitializer(Raw("w", DataType.Float, new byte[4], long.MaxValue))).Message);
        // Zero in front must not hide the huge dims behind it either.
        ImportFails(WithInitializer(Raw("w", DataType.Int64, [], 0, long.MaxValue)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20);
    }

    [Fact]
    public void HugeSparseInitializerIsRejectedWithoutAllocating()
    {
        var sparse = new SparseTensorProto { Values = Floats("s", [1f], 1), Indices = new TensorProto { Name = "i", DataType = (int)DataType.Int64 } };
        sparse.Indices.Dims.Add(1);
        sparse.Indices.Int64Data.Add(0);
        sparse.Dims.AddRange([1L << 30, 1L << 30]);
        var m = WithInitializer(Floats("w", [1, 2], 2));
        m.Graph.SparseInitializer.Add(sparse);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ImportFails(m);
        sparse.Values = Raw("s", DataType.Double, new byte[8], 1);
        sparse.Dims.Clear();
        sparse.Dims.Add((1L << 29) + 1); // just over 4 GiB of doubles: under the element limit, over the byte limit
        Assert.Contains("over the size limit", ImportFails(m).Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20);
    }

    [Fact]
    public void SparseIndexOutOfItsDimIsRejected()
    {
        var sparse = new SparseTensorProto { Values = Floats("s", [1f], 1), Indices = new TensorProto { Name = "i", DataType = (int)DataType.Int64 } };
        sparse.Indices.Dims.AddRange([1L, 2L]);
        sparse.Indices.Int64Data.AddRange([0L, 5L]); // column 5 of a [3,3]: flat offset 5 would be "in range"
        sparse.Dims.AddRange([3L, 3L]);
        var m = WithInitializer(Floats("w", [1, 2], 2));
        m.Graph.SparseInitializer.Add(sparse);
        Assert.Contains("out of range", ImportFails(m).Message);
    }

    [Fact]
    public void ExternalDataMustStayInsideTheModelFolder()
    {
        using var dir = new TempDir();
        TensorProto External(params (string Key, string Value)[] entries)
        {
            var t = new TensorProto { Name = "w", DataType = (int)DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
            t.Dims.Add(2);
            foreach (var (k, v) in entries) t.ExternalData.Add(new StringStringEntryProto { Key = k, Value = v });
            return t;
        }
        dir.Write("weights.bin", new byte[8]);
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(dir.Path)!, "outside.bin"), new byte[8]);
        try
        {
            Assert.Contains("inside the model's folder", ImportFails(WithInitializer(External(("location", "../outside.bin"))), baseDirectory: dir.Path).Message);
            Assert.Contains("inside the model's folder", ImportFails(WithInitializer(External(("location", "sub/../../outside.bin"))), baseDirectory: dir.Path).Message);
            Assert.Contains("inside the model's folder", ImportFails(WithInitializer(External(("location", "/etc/passwd"))), baseDirectory: dir.Path).Message);
            Assert.Contains("does not exist", ImportFails(WithInitializer(External(("location", "missing.bin"))), baseDirectory: dir.Path).Message);
            Assert.Contains("no 'location'", ImportFails(WithInitializer(External())).Message);
            Assert.Contains("not a non-negative integer", ImportFails(WithInitializer(External(("location", "weights.bin"), ("offset", "abc"))), baseDirectory: dir.Path).Message);
            Assert.Contains("not a non-negative integer", ImportFails(WithInitializer(External(("location", "weights.bin"), ("length", "99999999999999999999"))), baseDirectory: dir.Path).Message);
            Assert.Contains("outside", ImportFails(WithInitializer(External(("location", "weights.bin"), ("offset", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)))), baseDirectory: dir.Path).Message);
            Assert.Contains("outside", ImportFails(WithInitializer(External(("location", "weights.bin"), ("offset", "4"))), baseDirectory: dir.Path).Message);

            // The well-formed case reads the bytes.
            var ok = new OnnxImporter().Import(WithInitializer(External(("location", "weights.bin"), ("offset", "0"), ("length", "8"))), Source, dir.Path);
            Assert.Equal(new float[2], ok.Graph.Initializers.Values.Single().As<float>());
        }
        finally
        {
            File.Delete(Path.Combine(Path.GetDirectoryName(dir.Path)!, "outside.bin"));
        }
    }

    [Fact]
    public void UnsupportedElementTypeIsNamed()
    {
        var e = ImportFails(WithInitializer(Raw("w", (DataType)17, new byte[2], 2)));
        Assert.Contains("FLOAT8E4M3FN", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("'w'", e.Message);
    }

    [Fact]
    public void WrongAttributeKindIsRejected()
    {
        var m = Model(MakeGraph("g", [], [Value("y", DataType.Float)],
            [Node("Constant", [], ["y"], "c", Attr("value_ints", 1.5f))]));
        Assert.Contains("value_ints", ImportFails(m).Message);

        var unknown = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("y", DataType.Float, 2)],
            [Node("Identity", ["x"], ["y"], "i", Attr("bogus", 1L))]));
        Assert.Contains("'bogus'", ImportFails(unknown).Message);
    }

    [Fact]
    public void AttributeOfAKindWithoutItsValueIsRejected()
    {
        // A corrupt kind code can name a kind whose field is absent: each must fail by name, not crash.
        foreach (var kind in new[] { AttributeProto.Types.AttributeType.SparseTensor, AttributeProto.Types.AttributeType.Tensor, AttributeProto.Types.AttributeType.Graph })
        {
            var m = Model(MakeGraph("g", [], [Value("y", DataType.Float)],
                [Node("Constant", [], ["y"], "c", new AttributeProto { Name = "sparse_value", Type = kind })]));
            Assert.Contains("sparse_value", ImportFails(m).Message);
        }
    }

    [Fact]
    public void ErrorsFromTypeInferenceNameTheFile()
    {
        // Constant with two value attributes fails in its inference rule, which knows only the node.
        var m = Model(MakeGraph("g", [], [Value("y", DataType.Float)],
            [Node("Constant", [], ["y"], "two_values", Attr("value_float", 1f), Attr("value_int", 2L))]));
        var e = ImportFails(m);
        Assert.Contains("two_values", e.Message);
    }

    [Fact]
    public void NamesWithLineBreaksStillGiveOneLine()
    {
        var m = Model(MakeGraph("g", [Value("x", DataType.Float, 2)], [Value("y", DataType.Float, 2)],
            [Node("Identity", ["x\nsecond line"], ["y"], "reader")]));
        ImportFails(m);
    }

    [Fact]
    public void MissingAndCorruptModelFilesFailCleanly()
    {
        using var dir = new TempDir();
        var missing = dir.File("missing.onnx");
        Assert.Contains("not found", Assert.Throws<EngineException>(() => new OnnxImporter().Load(missing)).Message);
        var garbage = dir.Write("garbage.onnx", [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x12, 0x34]);
        var e = Assert.Throws<EngineException>(() => new OnnxImporter().Load(garbage));
        Assert.Contains(garbage, e.Message);
        var empty = dir.Write("empty.onnx", []);
        Assert.Contains("no graph", Assert.Throws<EngineException>(() => new OnnxImporter().Load(empty)).Message);
    }

    [Fact]
    public void RunRejectsWrongElementTypeAndMissingInputs()
    {
        var model = new OnnxImporter().Import(IdentityModel(), Source);
        var exec = new ReferenceExecutor(model.Graph);
        var wrongType = Assert.Throws<EngineException>(() => exec.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(new long[6], 2, 3) }));
        Assert.Contains("expects f32 but got i64", wrongType.Message);
        var wrongShape = Assert.Throws<EngineException>(() => exec.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(new float[6], 3, 2) }));
        Assert.Contains("[2,3]", wrongShape.Message);
        var missing = Assert.Throws<EngineException>(() => exec.Run(new Dictionary<string, Tensor>()));
        Assert.Contains("'x' was not given", missing.Message);
        var unknown = Assert.Throws<EngineException>(() => exec.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(new float[6], 2, 3), ["q"] = Tensor.Scalar(1f) }));
        Assert.Contains("'q'", unknown.Message);
        var ok = exec.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3) });
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, ok["y"].As<float>());
    }

    [Fact]
    public void CorruptTensorProtoInputFilesFailCleanly()
    {
        using var dir = new TempDir();
        var garbage = dir.Write("input_0.pb", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        var e = Assert.Throws<EngineException>(() => TensorProtoConverter.ReadFile(garbage));
        Assert.Contains(garbage, e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var mismatch = dir.Write("input_1.pb", Raw("x", DataType.Float, new byte[7], 2));
        Assert.Contains(mismatch, Assert.Throws<EngineException>(() => TensorProtoConverter.ReadFile(mismatch)).Message);

        Assert.Throws<EngineException>(() => TensorProtoConverter.ReadFile(dir.File("absent.pb")));

        // Input binding: more tensors than inputs is named, not an IndexOutOfRange.
        var model = new OnnxImporter().Import(IdentityModel(), Source);
        var t = Tensor.FromArray(new float[6], 2, 3);
        Assert.Contains("matches no graph input", Assert.Throws<EngineException>(() => InputBinder.Bind(model.Graph, [("", t), ("", t)])).Message);
    }
}
