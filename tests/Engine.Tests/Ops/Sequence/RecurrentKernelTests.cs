using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.SequenceTestUtil;

namespace Engine.Tests.Ops;

public class RecurrentKernelTests
{
    private const int Seq = 3, Batch = 3, In = 4, H = 5;

    private static RecurrentReference Make(string op, string direction, int seed)
    {
        int g = op switch { "RNN" => 1, "GRU" => 3, _ => 4 };
        int dirs = direction == "bidirectional" ? 2 : 1;
        return new RecurrentReference
        {
            Op = op,
            Seq = Seq,
            Batch = Batch,
            Input = In,
            Hidden = H,
            Direction = direction,
            X = Random(Seq * Batch * In, seed),
            W = Random(dirs * g * H * In, seed + 1, 0.6f),
            R = Random(dirs * g * H * H, seed + 2, 0.6f),
            B = Random(dirs * 2 * g * H, seed + 3, 0.3f),
            H0 = Random(dirs * Batch * H, seed + 4),
            C0 = Random(dirs * Batch * H, seed + 5),
            P = op == "LSTM" ? Random(dirs * 3 * H, seed + 6, 0.5f) : null,
            Lens = [3, 1, 2],
        };
    }

    private static Tensor?[] Inputs(RecurrentReference r)
    {
        int g = r.Op switch { "RNN" => 1, "GRU" => 3, _ => 4 };
        int dirs = r.Direction == "bidirectional" ? 2 : 1;
        var list = new List<Tensor?>
        {
            F(r.X, Seq, Batch, In), F(r.W, dirs, g * H, In), F(r.R, dirs, g * H, H),
            r.B is null ? null : F(r.B, dirs, 2 * g * H),
            r.Lens is null ? null : Tensor.FromArray(r.Lens, Batch),
            r.H0 is null ? null : F(r.H0, dirs, Batch, H),
        };
        if (r.Op == "LSTM")
        {
            list.Add(r.C0 is null ? null : F(r.C0, dirs, Batch, H));
            list.Add(r.P is null ? null : F(r.P, dirs, 3 * H));
        }
        return list.ToArray();
    }

    [Theory]
    [InlineData("forward")]
    [InlineData("reverse")]
    [InlineData("bidirectional")]
    public void LstmWithPeepholesAndSequenceLengthsMatchesTheEquations(string direction)
    {
        var r = Make("LSTM", direction, 10);
        var outs = Run("LSTM", Inputs(r), 3, ("direction", direction), ("hidden_size", (long)H));
        var (y, yh, yc) = r.Run();
        Close(y, outs[0]!);
        Close(yh, outs[1]!);
        Close(yc, outs[2]!);
        Assert.Equal([Seq, direction == "bidirectional" ? 2 : 1, Batch, H], outs[0]!.Shape);
    }

    [Fact]
    public void PaddedStepsOfYAreZero()
    {
        var r = Make("LSTM", "reverse", 3);
        var y = Run("LSTM", Inputs(r), 1, ("direction", "reverse"))[0]!.As<float>();
        // Batch entry 1 has one valid step: steps 1 and 2 are padding.
        for (int t = 1; t < Seq; t++)
        {
            for (int j = 0; j < H; j++) Assert.Equal(0f, y[(t * Batch + 1) * H + j]);
        }
    }

    [Fact]
    public void LstmClipInputForgetAndParameterisedActivations()
    {
        var r = Make("LSTM", "bidirectional", 20);
        r.Clip = 0.7;
        r.InputForget = true;
        // alpha values are consumed in order by the functions that take one: HardSigmoid, LeakyRelu,
        // ScaledTanh, Affine; beta values likewise by HardSigmoid, ScaledTanh, Affine.
        r.Activations =
        [
            x => Math.Clamp(0.3 * x + 0.6, 0, 1), x => x >= 0 ? x : 0.1 * x, x => 1.5 * Math.Tanh(0.5 * x),
            RecurrentReference.Sigmoid, x => 2 * x + 0.25, Math.Tanh,
        ];
        var outs = Run("LSTM", Inputs(r), 3, ("direction", "bidirectional"), ("clip", 0.7f), ("input_forget", 1L),
            ("activations", new[] { "HardSigmoid", "LeakyRelu", "ScaledTanh", "sigmoid", "Affine", "TANH" }),
            ("activation_alpha", new[] { 0.3f, 0.1f, 1.5f, 2f }), ("activation_beta", new[] { 0.6f, 0.5f, 0.25f }));
        var (y, yh, yc) = r.Run();
        Close(y, outs[0]!);
        Close(yh, outs[1]!);
        Close(yc, outs[2]!);
    }

    [Theory]
    [InlineData("forward", 0L)]
    [InlineData("reverse", 1L)]
    [InlineData("bidirectional", 0L)]
    [InlineData("bidirectional", 1L)]
    public void GruMatchesTheEquations(string direction, long linearBeforeReset)
    {
        var r = Make("GRU", direction, 30);
        r.LinearBeforeReset = linearBeforeReset != 0;
        var outs = Run("GRU", Inputs(r), 2, ("direction", direction), ("linear_before_reset", linearBeforeReset));
        var (y, yh, _) = r.Run();
        Close(y, outs[0]!);
        Close(yh, outs[1]!);
    }

    [Fact]
    public void RnnWithReluAndNoOptionalInputs()
    {
        var r = Make("RNN", "bidirectional", 40);
        (r.B, r.H0, r.Lens) = (null, null, null);
        r.Activations = [x => Math.Max(0, x), Math.Tanh];
        var outs = Run("RNN", Inputs(r), 2, ("direction", "bidirectional"), ("activations", new[] { "Relu", "Tanh" }));
        var (y, yh, _) = r.Run();
        Close(y, outs[0]!);
        Close(yh, outs[1]!);
    }

    [Fact]
    public void BatchMajorLayoutTransposesInputsAndOutputs()
    {
        var r = Make("GRU", "bidirectional", 50);
        var seqMajor = Run("GRU", Inputs(r), 2, ("direction", "bidirectional"));
        var ins = Inputs(r);
        ins[0] = Permute(ins[0]!, [1, 0, 2]);
        ins[5] = Permute(ins[5]!, [1, 0, 2]);
        var batchMajor = Run("GRU", ins, 2, ("direction", "bidirectional"), ("layout", 1L));
        Assert.Equal([Batch, Seq, 2, H], batchMajor[0]!.Shape);
        Assert.Equal([Batch, 2, H], batchMajor[1]!.Shape);
        Assert.Equal(Permute(seqMajor[0]!, [2, 0, 1, 3]).As<float>(), batchMajor[0]!.As<float>());
        Assert.Equal(Permute(seqMajor[1]!, [1, 0, 2]).As<float>(), batchMajor[1]!.As<float>());
    }

    [Fact]
    public void DoubleInputsGiveDoubleOutputs()
    {
        var r = Make("RNN", "forward", 60);
        var ins = Inputs(r).Select(t => t is null || t.Type != DataType.Float ? t
            : new Tensor(DataType.Double, t.Shape, t.As<float>().Select(v => (double)v).ToArray())).ToArray();
        var outs = Run("RNN", ins, 2);
        Assert.Equal(DataType.Double, outs[1]!.Type);
        Close(r.Run().Yh, outs[1]!);
    }

    [Fact]
    public void BadInputsFailWithTheNodeName()
    {
        var r = Make("LSTM", "forward", 70);
        var ins = Inputs(r);
        var bad = (Tensor?[])ins.Clone();
        bad[1] = F(r.W.Take(3 * H * In).ToArray(), 1, 3 * H, In);
        Assert.Contains("n1", Assert.Throws<EngineException>(() => Run("LSTM", bad, 2)).Message);
        bad = (Tensor?[])ins.Clone();
        bad[4] = Tensor.FromArray(new[] { 1, 4, 2 }, 3);
        Assert.Contains("sequence_lens", Assert.Throws<EngineException>(() => Run("LSTM", bad, 2)).Message);
        Assert.Contains("Swish", Assert.Throws<EngineException>(() =>
            Run("LSTM", ins, 2, ("activations", new[] { "Sigmoid", "Swish", "Tanh" }))).Message);
        Assert.Contains("direction", Assert.Throws<EngineException>(() => Run("LSTM", ins, 2, ("direction", "sideways"))).Message);
        Assert.Contains("hidden_size", Assert.Throws<EngineException>(() => Run("LSTM", ins, 2, ("hidden_size", 7L))).Message);
    }

    [Fact]
    public void ShapeInferenceFollowsLayoutAndDirection()
    {
        var x = TensorType.Of(DataType.Float, 7, 2, 4);
        var w = TensorType.Of(DataType.Float, 2, 12, 4);
        var rr = new TensorType(DataType.Float, [2, 12, Dim.Unknown]);
        var outs = Infer("LSTM", [x, w, rr], 3, ("direction", "bidirectional"));
        Assert.Equal("f32[7,2,2,3]", outs[0]!.ToString());
        Assert.Equal("f32[2,2,3]", outs[1]!.ToString());
        Assert.Equal("f32[2,2,3]", outs[2]!.ToString());
        var xb = new TensorType(DataType.Float, [Dim.Sym("N"), 7, 4]);
        var gru = Infer("GRU", [xb, TensorType.Of(DataType.Float, 1, 15, 4), TensorType.Of(DataType.Float, 1, 15, 5)], 2, ("layout", 1L));
        Assert.Equal("f32[N,7,1,5]", gru[0]!.ToString());
        Assert.Equal("f32[N,1,5]", gru[1]!.ToString());
    }

    [Fact]
    public void OpsetOneOutputSequenceAttributeIsDropped()
    {
        var schema = OpRegistry.Default.Get("RNN");
        var node = NodeFactory.Create(schema, "old", [], 2, ("output_sequence", 1L));
        var rule = Assert.Single(schema.ImportRules);
        Assert.Equal(7, rule.IntroducedIn);
        rule.Rule(new ImportRuleContext(node, 1, OpRegistry.Default, (_, _) => throw new InvalidOperationException(), _ => { }));
        Assert.False(node.Attributes.HasExplicit("output_sequence"));
    }

    private static Tensor Permute(Tensor t, int[] perm)
    {
        var src = t.As<float>();
        var shape = perm.Select(p => t.Shape[p]).ToArray();
        var inStrides = Tensor.StridesOf(t.Shape);
        var dst = new float[src.Length];
        var idx = new int[shape.Length];
        for (int k = 0; k < dst.Length; k++)
        {
            int rem = k, off = 0;
            for (int i = shape.Length - 1; i >= 0; i--)
            {
                idx[i] = rem % shape[i];
                rem /= shape[i];
            }
            for (int i = 0; i < shape.Length; i++) off += idx[i] * inStrides[perm[i]];
            dst[k] = src[off];
        }
        return Tensor.FromArray(dst, shape);
    }
}
