using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;

namespace Engine.Tests.Ops;

/// <summary>
/// Single-node models with random data and attribute combinations the conformance suite does not
/// cover, run in ONNX Runtime and on our reference executor; the outputs must agree.
/// </summary>
public class NnOrtDifferentialTests
{
    private static AttributeProto Ints(string n, params long[] v)
    {
        var a = new AttributeProto { Name = n, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    private static AttributeProto Int(string n, long v) => new() { Name = n, Type = AttributeProto.Types.AttributeType.Int, I = v };

    private static AttributeProto Str(string n, string v) => new() { Name = n, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(v) };

    private static void Compare(string op, Tensor[] inputs, int outputs, params AttributeProto[] attrs)
    {
        var g = new GraphProto { Name = "g" };
        var node = new NodeProto { OpType = op, Name = "n" };
        node.Attribute.AddRange(attrs);
        var feed = new Dictionary<string, Tensor>();
        for (int i = 0; i < inputs.Length; i++)
        {
            string name = "in" + i;
            node.Input.Add(name);
            feed[name] = inputs[i];
            var shape = new TensorShapeProto();
            foreach (var d in inputs[i].Shape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            g.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)inputs[i].Type, Shape = shape } } });
        }
        for (int i = 0; i < outputs; i++)
        {
            node.Output.Add("out" + i);
            g.Output.Add(new ValueInfoProto { Name = "out" + i });
        }
        g.Node.Add(node);
        var m = new ModelProto { IrVersion = 10, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 22 });
        var bytes = m.ToByteArray();
        var ort = OrtRunner.Run(bytes, feed);
        var model = new OnnxImporter().Import(ModelProto.Parser.ParseFrom(bytes));
        TypePropagation.Run(model.Graph);
        var ours = new ReferenceExecutor(model.Graph, 2).Run(feed);
        for (int i = 0; i < outputs; i++)
        {
            Assert.Equal(ort["out" + i].Shape, ours["out" + i].Shape);
            var diff = OutputComparer.Compare(ort["out" + i], ours["out" + i], 1e-4, 1e-5);
            Assert.True(diff is null, $"{op} output {i}: {diff}");
        }
    }

    private static Tensor Rand(int seed, params int[] shape) => Tensor.FromArray(NnHarness.Random(shape.Aggregate(1, (a, v) => a * v), seed, -2, 2), shape);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    public void AveragePoolCeilAndPadding(int ceil, int includePad)
    {
        Compare("AveragePool", [Rand(1, 2, 3, 11, 8)], 1, Ints("kernel_shape", 3, 2), Ints("strides", 2, 3), Ints("pads", 1, 0, 1, 1),
            Int("ceil_mode", ceil), Int("count_include_pad", includePad));
        Compare("AveragePool", [Rand(2, 1, 2, 10, 9)], 1, Ints("kernel_shape", 2, 3), Ints("strides", 3, 2), Ints("dilations", 2, 1),
            Ints("pads", 0, 1, 1, 0), Int("ceil_mode", ceil), Int("count_include_pad", includePad));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    public void MaxPoolWithIndices(int ceil, int storageOrder)
    {
        Compare("MaxPool", [Rand(3, 2, 3, 9, 7)], 2, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 0, 1),
            Int("ceil_mode", ceil), Int("storage_order", storageOrder));
        Compare("MaxPool", [Rand(4, 1, 2, 6, 5, 7)], 1, Ints("kernel_shape", 2, 2, 3), Ints("dilations", 2, 1, 2), Ints("strides", 1, 2, 1), Int("ceil_mode", ceil));
    }

    [Theory]
    [InlineData("SAME_UPPER")]
    [InlineData("SAME_LOWER")]
    [InlineData("VALID")]
    public void PoolsAndConvWithAutoPad(string autoPad)
    {
        Compare("MaxPool", [Rand(5, 1, 2, 8, 7)], 1, Ints("kernel_shape", 3, 2), Ints("strides", 2, 2), Str("auto_pad", autoPad));
        Compare("AveragePool", [Rand(6, 1, 2, 8, 7)], 1, Ints("kernel_shape", 3, 2), Ints("strides", 2, 3), Str("auto_pad", autoPad));
        Compare("Conv", [Rand(7, 1, 4, 9, 8), Rand(8, 6, 2, 3, 2)], 1, Ints("strides", 2, 3), Int("group", 2), Str("auto_pad", autoPad));
    }

    [Fact]
    public void LpPoolWithPaddingAndLrn()
    {
        Compare("LpPool", [Rand(9, 1, 3, 7, 6)], 1, Ints("kernel_shape", 2, 3), Ints("pads", 1, 1, 1, 0), Ints("strides", 2, 1), Int("p", 3));
        Compare("LRN", [Rand(10, 2, 6, 3, 3)], 1, Int("size", 5));
    }

    [Theory]
    [InlineData("NOTSET")]
    [InlineData("SAME_UPPER")]
    [InlineData("SAME_LOWER")]
    public void ConvTransposeOutputShapeAndAutoPad(string autoPad)
    {
        // Total padding kept >= 0: for a negative one ORT clamps to 0 while the ONNX reference (which we follow) shifts.
        Compare("ConvTranspose", [Rand(11, 2, 4, 3, 4), Rand(12, 4, 3, 3, 3)], 1, Ints("strides", 2, 3), Int("group", 2), Str("auto_pad", autoPad));
        Compare("ConvTranspose", [Rand(13, 1, 2, 4, 3), Rand(14, 2, 2, 3, 3)], 1, Ints("strides", 2, 2), Ints("output_shape", 9, 6), Str("auto_pad", autoPad));
        if (autoPad == "NOTSET")
        {
            // An output_shape beyond the natural size: the extra zeros go at the end.
            Compare("ConvTranspose", [Rand(13, 1, 2, 4, 3), Rand(14, 2, 2, 3, 3)], 1, Ints("strides", 2, 2), Ints("output_shape", 9, 8));
        }
    }

    [Fact]
    public void ConvTransposeDilatedWithOutputPadding()
    {
        Compare("ConvTranspose", [Rand(15, 1, 3, 4, 5), Rand(16, 3, 2, 2, 3), Rand(17, 2)], 1, Ints("strides", 3, 2), Ints("dilations", 2, 1),
            Ints("pads", 1, 0, 0, 2), Ints("output_padding", 1, 1));
    }

    [Fact]
    public void NormalizationsOnOddShapes()
    {
        Compare("LayerNormalization", [Rand(21, 2, 3, 4, 5), Rand(22, 4, 5), Rand(23, 5)], 3, Int("axis", 2));
        Compare("InstanceNormalization", [Rand(24, 2, 3, 4, 2, 3), Rand(25, 3), Rand(26, 3)], 1);
        Compare("GroupNormalization", [Rand(27, 2, 6, 3, 2), Rand(28, 6), Rand(29, 6)], 1, Int("num_groups", 3));
        Compare("MeanVarianceNormalization", [Rand(30, 2, 3, 4, 5)], 1, Ints("axes", 1, 3));
        Compare("LpNormalization", [Rand(31, 2, 3, 4)], 1, Int("axis", 1), Int("p", 1));
        Compare("BatchNormalization", [Rand(33, 3, 4, 5), Rand(34, 4), Rand(35, 4), Rand(36, 4), Tensor.FromArray(NnHarness.Random(4, 37, 0.5f, 2), 4)], 1);
    }

    [Fact]
    public void DepthwiseAndDilatedConvs()
    {
        Compare("Conv", [Rand(41, 2, 6, 11, 9), Rand(42, 12, 1, 3, 3), Rand(43, 12)], 1, Int("group", 6), Ints("strides", 2, 1), Ints("pads", 1, 2, 0, 1), Ints("dilations", 1, 2));
        Compare("Conv", [Rand(44, 1, 3, 6, 7, 5), Rand(45, 4, 3, 2, 3, 2)], 1, Ints("dilations", 2, 1, 2), Ints("pads", 1, 1, 0, 0, 1, 1), Ints("strides", 1, 2, 2));
    }
}
