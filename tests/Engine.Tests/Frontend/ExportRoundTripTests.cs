using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Google.Protobuf;
using static Engine.Tests.Frontend.OnnxBuilder;
using DataType = Engine.Runtime.DataType;
using IrGraph = Engine.Graph.Graph;

namespace Engine.Tests.Frontend;

/// <summary>import → export → import gives the same structure: ops, attributes, initializers, signature.</summary>
public class ExportRoundTripTests
{
    /// <summary>Identity/Constant plus a test op holding a subgraph and attributes of every kind.</summary>
    private static OpRegistry Registry()
    {
        var r = new OpRegistry();
        r.RegisterLibraries(typeof(OpRegistry).Assembly);
        r.Add("TestWrap").Since(1).In("x", "extra?").Out("y")
            .RequiredAttr("body", AttrType.Graph)
            .Attr("alpha", 0.5f).Attr("mode", "plain").Attr("pads", new long[] { 0, 0 })
            .OptionalAttr("scales", AttrType.Floats).OptionalAttr("tags", AttrType.Strings).OptionalAttr("count", AttrType.Int)
            .WithKernel((ctx, inputs) => [inputs[0]]);
        return r;
    }

    private static ModelProto Build()
    {
        var half = new byte[] { 0x00, 0x3C, 0x00, 0xC0 }; // 1.0, -2.0
        var strings = new TensorProto { Name = "names", DataType = (int)DataType.String };
        strings.Dims.Add(2);
        strings.StringData.Add(ByteString.CopyFromUtf8("ä"));
        strings.StringData.Add(ByteString.CopyFromUtf8(""));
        var ints = new TensorProto { Name = "shape", DataType = (int)DataType.Int64 };
        ints.Dims.Add(3);
        ints.Int64Data.AddRange([1L, -1L, long.MaxValue]);
        var nan = BitConverter.GetBytes(float.NaN).Concat(BitConverter.GetBytes(-0f)).ToArray();

        var body = MakeGraph("body", [], [Value("inner", DataType.Float, "N", 3)],
            [Node("Identity", ["x"], ["inner"], "body_id")]);
        var tags = new AttributeProto { Name = "tags", Type = AttributeProto.Types.AttributeType.Strings };
        tags.Strings.AddRange([ByteString.CopyFromUtf8("a"), ByteString.CopyFromUtf8("b c")]);
        var g = MakeGraph("roundtrip",
            [Value("x", DataType.Float, "N", 3), Value("bias", DataType.Float, 2)],
            [Value("y", DataType.Float, "N", 3), Value("c", DataType.Int64, 3), Value("s", DataType.String, 2)],
            [
                Node("Constant", [], ["c"], "const_ints", Attr("value_ints", 1L, 2L, 3L)),
                Node("Constant", [], ["t"], "const_tensor", Attr("value", Raw("", DataType.Float16, half, 2))),
                Node("Identity", ["names"], ["s"], "pass_strings"),
                Node("TestWrap", ["x", ""], ["y"], "wrap",
                    Attr("body", body), Attr("alpha", 2.25f), Attr("mode", "fancy"), Attr("pads", 1L, 2L),
                    Attr("scales", 0.5f, float.PositiveInfinity), tags, Attr("count", -7L)),
            ],
            [Floats("bias", [0.25f, -1f], 2), strings, ints, Raw("nan", DataType.Float, nan, 2), Raw("flag", DataType.Bool, [1, 0, 1], 3)]);
        return Model(g, 21);
    }

    [Fact]
    public void ImportExportImportKeepsStructure()
    {
        var registry = Registry();
        var first = new OnnxImporter(registry).Import(Build(), "built");
        var bytes = OnnxExporter.Export(first).ToByteArray();
        var second = new OnnxImporter(registry).Import(ModelProto.Parser.ParseFrom(bytes), "exported");
        AssertSameGraph(first.Graph, second.Graph);

        // And once more: exporting the re-imported model gives the same bytes (the form is stable).
        Assert.Equal(bytes, OnnxExporter.Export(second).ToByteArray());
    }

    [Fact]
    public void ExportedModelDeclaresOpsetsAndKeepsSymbolicDims()
    {
        var m = new OnnxImporter(Registry()).Import(Build(), "built");
        var p = OnnxExporter.Export(m);
        Assert.Equal(21, p.OpsetImport.Single(o => o.Domain == "").Version);
        var x = p.Graph.Input.Single(i => i.Name == "x");
        Assert.Equal("N", x.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(3, x.Type.TensorType.Shape.Dim[1].DimValue);
        // "bias" is both an input and an initializer (a default value): it stays both.
        Assert.Contains(p.Graph.Input, i => i.Name == "bias");
        Assert.Contains(p.Graph.Initializer, i => i.Name == "bias");
    }

    [Fact]
    public void SavedFileRoundTripsThroughLoad()
    {
        using var dir = new TempDir();
        var path = dir.File("m.onnx");
        var m = new OnnxImporter().Import(IdentityModel(), "built");
        OnnxExporter.Save(m, path);
        var back = new OnnxImporter().Load(path);
        AssertSameGraph(m.Graph, back.Graph);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    /// <summary>
    /// Every ONNX node-test model that imports (ops we lack become placeholders) survives
    /// export → import with the same structure: attribute kinds, tensors and subgraphs as real models use them.
    /// </summary>
    [Fact]
    public void NodeTestModelsRoundTrip()
    {
        var root = SharedData.Path("onnx", "node");
        Assert.True(Directory.Exists(root), $"{root} is missing");
        int checkedModels = 0;
        var failures = new List<string>();
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, "model.onnx");
            if (!File.Exists(path)) continue;
            var proto = OnnxModelFile.Read(path);
            Model first;
            try
            {
                first = new OnnxImporter(PermissiveRegistry.For(proto)).Import(proto, path, dir);
            }
            catch (EngineException)
            {
                continue; // sequences, optionals, float8…: not importable, so nothing to round-trip
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetFileName(dir)}: first import: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                continue;
            }
            try
            {
                var exported = ModelProto.Parser.ParseFrom(OnnxExporter.Export(first).ToByteArray());
                // The exported opsets are the canonical versions, so re-import applies no upgrade twice.
                var second = new OnnxImporter(PermissiveRegistry.For(exported)).Import(exported, path + " (exported)", dir);
                AssertSameGraph(first.Graph, second.Graph);
                checkedModels++;
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetFileName(dir)}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} round-trip failures:\n{string.Join("\n", failures.Take(30))}");
        Assert.True(checkedModels > 1000, $"only {checkedModels} node-test models round-tripped");
    }

    internal static void AssertSameGraph(IrGraph a, IrGraph b)
    {
        Assert.Equal(a.Name, b.Name);
        Assert.Equal(a.Inputs.Select(Describe), b.Inputs.Select(Describe));
        Assert.Equal(a.Outputs.Select(Describe), b.Outputs.Select(Describe));
        Assert.Equal(a.InitializerValues.Select(v => v.Name), b.InitializerValues.Select(v => v.Name));
        foreach (var (va, vb) in a.InitializerValues.Zip(b.InitializerValues)) AssertSameTensor(a.Initializers[va], b.Initializers[vb]);
        Assert.Equal(a.Nodes.Select(n => (n.OpType, n.Domain, n.Name)), b.Nodes.Select(n => (n.OpType, n.Domain, n.Name)));
        foreach (var (na, nb) in a.Nodes.Zip(b.Nodes))
        {
            Assert.Equal(na.Inputs.Select(v => v?.Name), nb.Inputs.Select(v => v?.Name));
            Assert.Equal(na.Outputs.Select(v => v is null ? null : Describe(v)), nb.Outputs.Select(v => v is null ? null : Describe(v)));
            var attrsA = na.Attributes.Explicit.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
            var attrsB = nb.Attributes.Explicit.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
            Assert.Equal(attrsA.Select(kv => kv.Key), attrsB.Select(kv => kv.Key));
            foreach (var (x, y) in attrsA.Zip(attrsB)) AssertSameAttribute(x.Value, y.Value);
        }
    }

    private static string Describe(Value v) => $"{v.Name}: {v.Type}";

    private static void AssertSameAttribute(object a, object b)
    {
        switch (a)
        {
            case IrGraph ga: AssertSameGraph(ga, Assert.IsType<IrGraph>(b)); break;
            case Tensor ta: AssertSameTensor(ta, Assert.IsType<Tensor>(b)); break;
            case float fa: Assert.Equal(BitConverter.SingleToInt32Bits(fa), BitConverter.SingleToInt32Bits(Assert.IsType<float>(b))); break;
            case float[] fa: Assert.Equal(fa.Select(BitConverter.SingleToInt32Bits), Assert.IsType<float[]>(b).Select(BitConverter.SingleToInt32Bits)); break;
            case long[] la: Assert.Equal(la, Assert.IsType<long[]>(b)); break;
            case string[] sa: Assert.Equal(sa, Assert.IsType<string[]>(b)); break;
            default: Assert.Equal(a, b); break;
        }
    }

    private static void AssertSameTensor(Tensor a, Tensor b)
    {
        Assert.Equal(a.Type, b.Type);
        Assert.Equal(a.Shape, b.Shape);
        if (a.Data is string[] s) Assert.Equal(s, b.As<string>());
        else Assert.Equal(a.ToRawBytes(), b.ToRawBytes());
    }
}
