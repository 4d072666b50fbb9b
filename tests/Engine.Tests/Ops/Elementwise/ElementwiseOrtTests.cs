using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;

namespace Engine.Tests.Ops;

/// <summary>
/// Differential tests: one-node models of the elementwise ops, run on the reference kernels and on
/// ONNX Runtime, over broadcasting shape pairs and element types the node suite does not cover.
/// </summary>
public class ElementwiseOrtTests
{
    private static readonly (int[] A, int[] B)[] ShapePairs =
    [
        ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], []), ([], [3]), ([3, 1], [1, 4]), ([2, 1, 4], [3, 1]),
        ([1, 4, 1, 6], [3, 1, 5, 6]), ([5, 1], [5, 7]), ([2, 0, 3], [1, 3]),
    ];

    private static Tensor Random(DataType t, int[] shape, int seed, bool nonZero = false)
    {
        var r = new Random(seed);
        int n = (int)Tensor.ElementCount(shape);
        int Int() { int v = r.Next(-50, 51); return nonZero && v == 0 ? 7 : v; }
        return t switch
        {
            DataType.Float => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 6 - 3)).ToArray(), shape),
            DataType.Double => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => r.NextDouble() * 6 - 3).ToArray(), shape),
            DataType.Int32 => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => Int()).ToArray(), shape),
            // Kept below 2^31: ORT 1.31's broadcasting int64 Max/Min compares only the low 32 bits
            // (see ElementwiseIntegerTests.Int64MinMaxCompareAllBits).
            DataType.Int64 => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (long)Int() * 1_000_003L).ToArray(), shape),
            DataType.Int8 => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (sbyte)Int()).ToArray(), shape),
            DataType.UInt8 => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (byte)(Int() + 60)).ToArray(), shape),
            DataType.Bool => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => r.Next(2) == 1).ToArray(), shape),
            _ => throw new ArgumentException(t.ToString()),
        };
    }

    /// <summary>Builds Op(inputs), runs it both ways and compares (1e-5 relative for floats, exact otherwise).</summary>
    private static void Check(string op, Tensor[] inputs, params (string, object)[] attrs)
    {
        var g = new Engine.Graph.Graph("t");
        var values = inputs.Select((t, i) => g.AddInput("in" + i, TensorType.Of(t))).ToArray();
        var n = NodeFactory.Create(OpRegistry.Default.Get(op), "out", values, 1, attrs);
        g.AddNode(n);
        g.Outputs.Add(n.Outputs[0]!);
        TypePropagation.Run(g);
        var feed = inputs.Select((t, i) => ("in" + i, t)).ToDictionary(p => p.Item1, p => p.t);
        var ours = new ReferenceExecutor(g).Run(feed)["out"];
        var ort = OrtRunner.Run(OnnxExporter.Export(g).ToByteArray(), feed)["out"];
        var diff = OutputComparer.Compare(ort, ours, 1e-5, 1e-6);
        Assert.True(diff is null, $"{op}({string.Join(", ", inputs.Select(t => t.ToString()))}) {string.Join(",", attrs.Select(a => a.Item1 + "=" + a.Item2))}: {diff}");
    }

    [Theory]
    [InlineData("Add", DataType.Float)]
    [InlineData("Sub", DataType.Int64)]
    [InlineData("Mul", DataType.Int32)]
    [InlineData("Div", DataType.Float)]
    [InlineData("Div", DataType.Int32)]
    [InlineData("Div", DataType.Int64)]
    [InlineData("Max", DataType.Int64)]
    [InlineData("Max", DataType.Int32)]
    [InlineData("Max", DataType.Float)]
    [InlineData("Min", DataType.Int64)]
    [InlineData("Min", DataType.Double)]
    [InlineData("Pow", DataType.Float)]
    [InlineData("Mod", DataType.Int32)]
    [InlineData("Equal", DataType.Int64)]
    [InlineData("Less", DataType.Float)]
    [InlineData("GreaterOrEqual", DataType.UInt8)]
    [InlineData("LessOrEqual", DataType.Int32)]
    [InlineData("And", DataType.Bool)]
    [InlineData("Xor", DataType.Bool)]
    [InlineData("PRelu", DataType.Float)]
    [InlineData("BitwiseXor", DataType.Int32)]
    [InlineData("Sum", DataType.Float)]
    public void BinaryOpsMatchOrtOnBroadcastShapes(string op, DataType type)
    {
        int seed = 0;
        foreach (var (sa, sb) in ShapePairs)
        {
            if (op == "PRelu" && !Engine.Runtime.Kernels.Broadcasting.Shape("t", sa, sb).SequenceEqual(sa)) continue; // only the slope broadcasts
            var a = Random(type, sa, ++seed);
            var b = Random(type, sb, ++seed, nonZero: op is "Div" or "Mod");
            if (op == "Pow") a = Tensor.FromArray(a.As<float>().Select(Math.Abs).ToArray(), sa);
            Check(op, [a, b]);
            if (op == "Mod") Check(op, [a, b], ("fmod", 1L));
        }
    }

    [Fact]
    public void WhereMatchesOrtOnThreeWayBroadcasts()
    {
        Check("Where", [Random(DataType.Bool, [2, 1, 4], 1), Random(DataType.Float, [3, 1], 2), Random(DataType.Float, [4], 3)]);
        Check("Where", [Random(DataType.Bool, [], 4), Random(DataType.Int64, [2, 3], 5), Random(DataType.Int64, [1, 3], 6)]);
    }

    [Theory]
    [InlineData("Elu")]
    [InlineData("Selu")]
    [InlineData("Celu")]
    [InlineData("LeakyRelu")]
    [InlineData("HardSigmoid")]
    [InlineData("HardSwish")]
    [InlineData("Softplus")]
    [InlineData("Softsign")]
    [InlineData("Mish")]
    [InlineData("Sigmoid")]
    [InlineData("Tanh")]
    [InlineData("Erf")]
    [InlineData("Gelu")]
    [InlineData("ThresholdedRelu")]
    [InlineData("Shrink")]
    [InlineData("Round")]
    [InlineData("Sign")]
    [InlineData("Reciprocal")]
    public void UnaryOpsMatchOrt(string op)
    {
        var x = Random(DataType.Float, [4, 257], 11);
        Check(op, [x]);
        if (op == "Gelu") Check(op, [x], ("approximate", "tanh"));
        if (op == "Round") Check(op, [Tensor.FromArray(new[] { 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49999f }, 7)]);
    }

    [Theory]
    [InlineData(DataType.Float, DataType.Int32)]
    [InlineData(DataType.Float, DataType.Int64)]
    [InlineData(DataType.Float, DataType.Double)]
    [InlineData(DataType.Int64, DataType.Float)]
    [InlineData(DataType.Int32, DataType.UInt8)]
    [InlineData(DataType.Float, DataType.Bool)]
    [InlineData(DataType.Bool, DataType.Float)]
    public void CastMatchesOrt(DataType from, DataType to)
    {
        Check("Cast", [Random(from, [3, 17], 21)], ("to", (long)to));
    }
}
