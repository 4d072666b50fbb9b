using Engine.Runtime;

namespace Engine.Builder.Zoo;

/// <summary>Sequence models over token ids: RNN text classifiers, seq2seq with additive attention, BERT-mini, a tiny GPT.</summary>
public static class SequenceModels
{
    /// <summary>Embedding → stacked LSTM or GRU (bidirectional first layer) → dense classes.</summary>
    public static Model TextClassifier(ZooOptions o, bool gru)
    {
        var ids = Input.Of(DataType.Int64, o.SequenceLength);
        var h = new Embedding(o.Vocabulary, o.Scaled(64)).Call(ids);
        RecurrentLayer Rnn(int units, bool seq) => gru ? new GRU(units, returnSequences: seq) : new LSTM(units, returnSequences: seq);
        h = Bidirectional.Wrap(Rnn(o.Scaled(64), true)).Call(h);
        h = Rnn(o.Scaled(64), false).Call(h);
        var y = new Dense(o.Classes).Call(new Dropout(0.2f).Call(h));
        return new Model(ids, y, gru ? "gru_classifier" : "lstm_classifier");
    }

    /// <summary>
    /// Encoder GRU over the source; decoder GRU over the (teacher-forced) target prefix, initialized with
    /// the encoder's final state; additive attention of each decoder step over the encoder outputs;
    /// [decoder state ; context] → vocabulary logits per target step.
    /// </summary>
    public static Model Seq2Seq(ZooOptions o)
    {
        int e = o.Scaled(64), hdim = o.Scaled(128);
        var src = Input.Named("source", DataType.Int64, o.SequenceLength);
        var tgt = Input.Named("target_in", DataType.Int64, o.TargetLength);
        var encOut = new GRU(hdim, returnSequences: true, returnState: true).CallMany(new Embedding(o.Vocabulary, e).Call(src));
        var dec = new GRU(hdim, returnSequences: true).Call(new Embedding(o.Vocabulary, e).Call(tgt), encOut[1]);
        var context = new AdditiveAttention(hdim).Call(dec, encOut[0]);
        var logits = new Dense(o.Vocabulary).Call(new Dense(hdim, "tanh").Call(new Concatenate(axis: -1).Call(dec, context)));
        return new Model([src, tgt], [logits], "seq2seq");
    }

    /// <summary>BERT-mini-sized encoder classifier (4 layers, 256 wide, 4 heads at Width 1) with a key-padding mask.</summary>
    public static Model TransformerClassifier(ZooOptions o)
    {
        int d = 64 * Math.Max(1, o.Scaled(4)), layers = Math.Max(1, o.Scaled(4));
        var ids = Input.Named("ids", DataType.Int64, o.SequenceLength);
        var mask = Input.Named("mask", DataType.Float, o.SequenceLength);
        var h = new LearnedPositionalEmbedding(o.SequenceLength).Call(new Embedding(o.Vocabulary, d).Call(ids));
        h = new LayerNormalization().Call(h);
        for (int i = 0; i < layers; i++) h = new TransformerEncoderBlock(d, 4, 4 * d).Call(h, mask);
        var y = new Dense(o.Classes).Call(new Dense(d, "tanh").Call(new SequencePooling("first").Call(h)));
        return new Model([ids, mask], [y], "bert_mini");
    }

    /// <summary>GPT-style decoder: token + learned positions, pre-norm causal blocks, final LayerNorm, vocabulary logits per position.</summary>
    public static Model TinyGpt(ZooOptions o)
    {
        int d = 64 * Math.Max(1, o.Scaled(2)), layers = Math.Max(1, o.Scaled(2));
        var ids = Input.Of(DataType.Int64, o.SequenceLength);
        var h = new LearnedPositionalEmbedding(o.SequenceLength).Call(new Embedding(o.Vocabulary, d).Call(ids));
        for (int i = 0; i < layers; i++) h = new TransformerEncoderBlock(d, 4, 4 * d, preNorm: true, causal: true).Call(h);
        return new Model(ids, new Dense(o.Vocabulary).Call(new LayerNormalization().Call(h)), "tiny_gpt");
    }
}
