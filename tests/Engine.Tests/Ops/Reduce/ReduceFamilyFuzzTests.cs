using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>
/// Feeds every op of this family random, mostly malformed inputs (odd ranks, empty dims, wrong
/// types, bad attribute values) straight to its kernel: the only acceptable failure is a
/// one-line <see cref="EngineException"/>, never an IndexOutOfRange or similar escaping.
/// </summary>
public class ReduceFamilyFuzzTests
{
    private static readonly string[] Ops =
    [
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
        "ReduceLogSumExp", "ReduceSumSquare", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss",
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "MatMulInteger", "QLinearMatMul",
        "ConvInteger", "QLinearConv", "HannWindow", "HammingWindow", "BlackmanWindow", "MelWeightMatrix", "DFT",
        "STFT", "NonMaxSuppression", "TfIdfVectorizer", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial",
    ];

    private static readonly DataType[] Types =
        [DataType.Float, DataType.Double, DataType.Int64, DataType.Int32, DataType.UInt8, DataType.Int8, DataType.Float16, DataType.Bool];

    private static Tensor RandomTensor(Random rng)
    {
        var type = Types[rng.Next(Types.Length)];
        int rank = rng.Next(0, 5);
        var shape = Enumerable.Range(0, rank).Select(_ => rng.Next(0, 4)).ToArray();
        var t = Tensor.Zeros(type, shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++)
        {
            int v = rng.Next(-3, 5);
            object o = type switch
            {
                DataType.Float => (float)v,
                DataType.Double => (double)v,
                DataType.Int64 => (long)v,
                DataType.Int32 => v,
                DataType.UInt8 => (byte)Math.Max(v, 0),
                DataType.Int8 => (sbyte)v,
                DataType.Float16 => (Half)v,
                _ => v > 0,
            };
            d.SetValue(o, i);
        }
        return t;
    }

    [Fact]
    public void KernelsFailOnlyWithEngineExceptions()
    {
        var rng = new Random(1234);
        foreach (var op in Ops)
        {
            var schema = OpRegistry.Default.Get(op);
            for (int trial = 0; trial < 300; trial++)
            {
                int n = rng.Next(0, Math.Min(schema.Inputs.Count, 9) + 1);
                var inputs = new Tensor?[n];
                for (int i = 0; i < n; i++) inputs[i] = rng.Next(6) == 0 ? null : RandomTensor(rng);
                var attrs = new AttributeMap(schema.Defaults) { Owner = op };
                foreach (var spec in schema.Attributes.Values)
                {
                    if (rng.Next(3) != 0) continue;
                    object? v = spec.Type switch
                    {
                        AttrType.Int => (long)rng.Next(-3, 4),
                        AttrType.Float => (float)rng.Next(-3, 4),
                        AttrType.Ints => Enumerable.Range(0, rng.Next(0, 4)).Select(_ => (long)rng.Next(-2, 5)).ToArray(),
                        AttrType.String => new[] { "mean", "none", "TF", "NOTSET", "VALID", "bogus" }[rng.Next(6)],
                        AttrType.Floats => new[] { 1f, 2f },
                        AttrType.Strings => new[] { "a", "b" },
                        _ => null,
                    };
                    if (v is not null) attrs.Set(spec.Name, v);
                }
                var ctx = new KernelContext(attrs, Math.Max(1, schema.Outputs.Count), "fuzz");
                try
                {
                    schema.Kernel!(ctx, inputs);
                }
                catch (EngineException)
                {
                }
                catch (Exception e)
                {
                    Assert.Fail($"{op} trial {trial}: {e.GetType().Name}: {e.Message}\n" +
                        string.Join("; ", inputs.Select(t => t?.ToString() ?? "null")) + " attrs: " +
                        string.Join(",", attrs.Explicit.Select(kv => $"{kv.Key}={(kv.Value is long[] l ? "[" + string.Join(" ", l) + "]" : kv.Value)}")));
                }
            }
        }
    }
}
