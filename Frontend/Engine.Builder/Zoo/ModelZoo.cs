namespace Engine.Builder.Zoo;

/// <summary>The zoo by name, for code and for <c>engine train --model NAME</c>.</summary>
public static class ModelZoo
{
    public static IReadOnlyList<ZooEntry> All { get; } =
    [
        new("mlp", "2-layer perceptron: Dense(128) + ReLU + Dense(classes)", ZooTask.Classification, ClassicCnns.Mlp),
        new("lenet5", "LeNet-5 (D2L, ReLU + max pooling)", ZooTask.Classification, ClassicCnns.LeNet5),
        new("alexnet", "AlexNet-style CNN for small images", ZooTask.Classification, ClassicCnns.AlexNet),
        new("vgg", "VGG-style 3×3 conv blocks with BN", ZooTask.Classification, ClassicCnns.Vgg),
        new("nin", "Network in Network", ZooTask.Classification, ClassicCnns.NiN),
        new("googlenet", "GoogLeNet with Inception blocks", ZooTask.Classification, ClassicCnns.GoogLeNet),
        new("resnet18", "ResNet-18 layout, basic blocks, projection shortcuts", ZooTask.Classification, ResidualNets.ResNet18),
        new("densenet", "DenseNet: dense blocks and transitions", ZooTask.Classification, ResidualNets.DenseNet),
        new("mobilenet_v1", "MobileNet v1, depthwise-separable convs", ZooTask.Classification, MobileNets.V1),
        new("mobilenet_v2", "MobileNet v2, inverted residuals", ZooTask.Classification, MobileNets.V2),
        new("efficientnet", "EfficientNet-B0-style MBConv + squeeze-excitation", ZooTask.Classification, MobileNets.EfficientNet),
        new("unet", "small U-Net, per-pixel logits", ZooTask.Segmentation, EncoderDecoders.UNet),
        new("autoencoder", "convolutional autoencoder", ZooTask.Reconstruction, EncoderDecoders.Autoencoder),
        new("dcgan_generator", "DCGAN generator (latent → image)", ZooTask.Generation, EncoderDecoders.DcganGenerator),
        new("dcgan_discriminator", "DCGAN discriminator (image → logit)", ZooTask.Discrimination, EncoderDecoders.DcganDiscriminator),
        new("lstm_classifier", "embedding + BiLSTM + LSTM text classifier", ZooTask.SequenceClassification, o => SequenceModels.TextClassifier(o, gru: false)),
        new("gru_classifier", "embedding + BiGRU + GRU text classifier", ZooTask.SequenceClassification, o => SequenceModels.TextClassifier(o, gru: true)),
        new("seq2seq", "GRU encoder-decoder with additive attention", ZooTask.SequenceToSequence, SequenceModels.Seq2Seq),
        new("bert_mini", "Transformer encoder classifier (BERT-mini size)", ZooTask.SequenceClassification, SequenceModels.TransformerClassifier),
        new("tiny_gpt", "GPT-style causal decoder", ZooTask.LanguageModel, SequenceModels.TinyGpt),
    ];

    public static IEnumerable<string> Names => All.Select(e => e.Name);

    public static ZooEntry Get(string name) =>
        All.FirstOrDefault(e => e.Name == name.Replace('-', '_'))
        ?? throw new BuildException($"unknown model '{name}' (known: {string.Join(", ", Names)})");

    public static Model Create(string name, ZooOptions? options = null) => Get(name).Create(options ?? new ZooOptions());
}
