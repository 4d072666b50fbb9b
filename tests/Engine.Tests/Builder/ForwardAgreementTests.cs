using Engine.Builder;
using Engine.Graph;
using Engine.Runtime;
using Xunit;
using BAdd = Engine.Builder.Add;
using Model = Engine.Builder.Model;

namespace Engine.Tests.Builder;

/// <summary>Built models run on the reference executor, export to ONNX, and ONNX Runtime agrees.</summary>
public class ForwardAgreementTests
{
    [Fact]
    public void Dense_computes_x_W_plus_b()
    {
        var dense = new Dense(3, kernelInitializer: Init.Constant(0.5f), biasInitializer: Init.Constant(1f));
        var m = new Sequential([2]).Add(dense);
        var outs = BuilderKit.RunReference(m.ToGraph(), new() { ["input"] = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 2, 2) });
        Assert.Equal(new[] { 2.5f, 2.5f, 2.5f, 4.5f, 4.5f, 4.5f }, outs["output"].As<float>());
    }

    [Fact]
    public void Cnn_with_every_conv_and_pool_layer_agrees_with_ort()
    {
        var m = new Sequential([3, 13, 11])
            .Add(new Conv2D(8, 3, padding: "same", activation: "relu"))
            .Add(new BatchNormalization())
            .Add(new DepthwiseConv2D(3, stride: 2, padding: "same", depthMultiplier: 2))
            .Add(new SeparableConv2D(6, 3, padding: 1, activation: "silu"))
            .Add(new Conv2DTranspose(5, 3, stride: 2, padding: "same", activation: "leaky_relu"))
            .Add(new MaxPool2D(2, padding: "same"))
            .Add(new AvgPool2D(3, 1, padding: "same"))
            .Add(new GroupNormalization(5))
            .Add(new PReLU())
            .Add(new GlobalAveragePool())
            .Add(new Dense(4, "softmax"));
        m.Initialize(seed: 3);
        RandomizeBuffers(m, 7);
        BuilderKit.AssertOrtAgrees(m, new() { ["input"] = BuilderKit.Random(1, [2, 3, 13, 11]) }, batch: 2);
    }

    [Fact]
    public void Conv1d_pool1d_and_reshaping_layers_agree_with_ort()
    {
        var m = new Sequential([4, 17])
            .Add(new Conv1D(6, 3, dilation: 2, activation: "elu"))
            .Add(new MaxPool1D(2))
            .Add(new AvgPool1D(2, padding: "same"))
            .Add(new Permute(2, 1))
            .Add(new Reshape(-1))
            .Add(new Dense(3, "selu"));
        BuilderKit.AssertOrtAgrees(m, new() { ["input"] = BuilderKit.Random(2, [3, 4, 17]) }, batch: 3);
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("bilstm")]
    public void Recurrent_text_classifier_agrees_with_ort(string kind)
    {
        var ids = Input.Of(DataType.Int64, 6);
        var h = new Embedding(20, 8).Call(ids);
        RecurrentLayer Make(bool seq) => kind switch
        {
            "rnn" => new SimpleRNN(5, returnSequences: seq),
            "lstm" => new LSTM(5, returnSequences: seq),
            "gru" => new GRU(5, returnSequences: seq),
            _ => Bidirectional.Wrap(new LSTM(5, returnSequences: seq)),
        };
        h = Make(true).Call(h);
        h = Make(false).Call(h);
        var y = new Dense(2, "sigmoid").Call(h);
        var m = new Model(ids, y, "textcls");
        m.Initialize(1);
        foreach (var p in m.Parameters.Where(p => p.LocalName == "bias")) p.Assign(BuilderKit.Random(9, p.Shape, 0.3f));
        var tokens = new long[12];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = (i * 7 + 3) % 20;
        BuilderKit.AssertOrtAgrees(m, new() { ["input"] = Tensor.FromArray(tokens, 2, 6) }, batch: 2);
    }

    [Fact]
    public void Lstm_initial_states_and_return_state()
    {
        var x = Input.Named("x", DataType.Float, 4, 3);
        var h0 = Input.Named("h0", DataType.Float, 5);
        var c0 = Input.Named("c0", DataType.Float, 5);
        var outs = new LSTM(5, returnSequences: true, returnState: true).CallMany(x, h0, c0);
        Assert.Equal(3, outs.Length);
        Assert.Equal([-1, 4, 5], outs[0].Shape);
        Assert.Equal([-1, 5], outs[1].Shape);
        var m = new Model([x, h0, c0], outs, "lstm_states");
        BuilderKit.AssertOrtAgrees(m, new()
        {
            ["x"] = BuilderKit.Random(1, [2, 4, 3]),
            ["h0"] = BuilderKit.Random(2, [2, 5]),
            ["c0"] = BuilderKit.Random(3, [2, 5]),
        }, batch: 2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transformer_encoder_and_causal_decoder_agree_with_ort(bool preNorm)
    {
        var src = Input.Named("src", DataType.Int64, 7);
        var mask = Input.Named("mask", DataType.Float, 7);
        var tgt = Input.Named("tgt", DataType.Float, 5, 16);
        var enc = new SinusoidalPositionalEncoding().Call(new Embedding(30, 16).Call(src));
        enc = new TransformerEncoderBlock(16, 4, 32, preNorm: preNorm).Call(enc, mask);
        var dec = new LearnedPositionalEmbedding(10).Call(tgt);
        dec = new TransformerDecoderBlock(16, 2, 24, preNorm: preNorm, activation: "relu").Call(dec, enc, mask);
        var m = new Model([src, mask, tgt], [dec], "seq2seq");
        var tokens = Enumerable.Range(0, 14).Select(i => (long)(i * 5 % 30)).ToArray();
        var maskData = new float[] { 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1 };
        BuilderKit.AssertOrtAgrees(m, new()
        {
            ["src"] = Tensor.FromArray(tokens, 2, 7),
            ["mask"] = Tensor.FromArray(maskData, 2, 7),
            ["tgt"] = BuilderKit.Random(4, [2, 5, 16]),
        }, batch: 2, rtol: 1e-3f, atol: 1e-4f);
    }

    [Fact]
    public void Causal_attention_ignores_future_positions()
    {
        var x = Input.Of(4, 8);
        var y = new MultiHeadAttention(2, 4, causal: true).Call(x);
        var m = new Model(x, y);
        var a = BuilderKit.Random(5, [1, 4, 8]);
        var b = a.Clone();
        var bs = b.As<float>();
        for (int i = 3 * 8; i < 4 * 8; i++) bs[i] += 1f; // change only the last position
        var ya = BuilderKit.RunReference(m.ToGraph(), new() { ["input"] = a })["output"].As<float>();
        var yb = BuilderKit.RunReference(m.ToGraph(), new() { ["input"] = b })["output"].As<float>();
        for (int i = 0; i < 3 * 8; i++) Assert.Equal(ya[i], yb[i], 5);
        Assert.NotEqual(ya[3 * 8], yb[3 * 8]);
    }

    [Fact]
    public void Shared_layer_reuses_parameters_and_merges_agree()
    {
        var a = Input.Named("a", DataType.Float, 6);
        var b = Input.Named("b", DataType.Float, 6);
        var shared = new Dense(4, "tanh");
        var ya = shared.Call(a);
        var yb = shared.Call(b);
        var y = new Concatenate().Call(new BAdd().Call(ya, yb), new Multiply().Call(ya, yb));
        var m = new Model([a, b], [y, new Softmax(temperature: 2f).Call(y)], "siamese");
        Assert.Equal(28, m.ParameterCount);
        var g = m.ToGraph(batch: 2).Graph;
        Assert.Equal(2, g.InitializerValues.Count(v => v.Name.StartsWith("dense.", StringComparison.Ordinal)));
        BuilderKit.AssertOrtAgrees(m, new() { ["a"] = BuilderKit.Random(1, [2, 6]), ["b"] = BuilderKit.Random(2, [2, 6]) }, batch: 2);
    }

    [Fact]
    public void Training_graph_has_dropout_and_batchnorm_state_updates()
    {
        var m = new Sequential([4]).Add(new Dense(8)).Add(new BatchNormalization()).Add(new Dropout(0.5f)).Add(new Dense(2));
        var train = m.ToGraph(BuildMode.Training);
        Assert.Contains(train.Graph.Nodes, n => n.OpType == "Dropout");
        Assert.Equal(2, train.StateUpdates.Count);
        Assert.Equal(6, train.TrainableValues.Count); // two Dense (kernel, bias) and BatchNorm γ, β
        var infer = m.ToGraph(BuildMode.Inference);
        Assert.DoesNotContain(infer.Graph.Nodes, n => n.OpType == "Dropout");
        Assert.Empty(infer.StateUpdates);
    }

    [Fact]
    public void Same_seed_gives_same_weights_and_transfer_learning_copies_the_base()
    {
        Sequential Make() => new Sequential([5]).Add(new Dense(7, "relu", name: "base")).Add(new Dense(3, name: "head"));
        var m1 = Make();
        var m2 = Make();
        m1.Initialize(42);
        m2.Initialize(42);
        Assert.Equal(m1.Parameters[0].Data!.As<float>(), m2.Parameters[0].Data!.As<float>());
        var m3 = new Sequential([5]).Add(new Dense(7, "relu", name: "base")).Add(new Dense(4, name: "new_head"));
        m3.Initialize(1);
        Assert.Equal(2, m3.LoadWeightsFrom(m1));
        Assert.Equal(m1.GetLayer("base").Parameters[0].Data!.As<float>(), m3.GetLayer("base").Parameters[0].Data!.As<float>());
        m3.GetLayer("base").Trainable = false;
        Assert.Equal(2, m3.ToGraph(BuildMode.Training).TrainableValues.Count);
    }

    private static void RandomizeBuffers(Model m, int seed)
    {
        foreach (var p in m.Parameters.Where(p => p.IsBuffer))
        {
            var t = BuilderKit.Random(seed++, p.Shape, 0.5f);
            if (p.LocalName == "running_var") { var s = t.As<float>(); for (int i = 0; i < s.Length; i++) s[i] = 1 + Math.Abs(s[i]); }
            p.Assign(t);
        }
    }
}
