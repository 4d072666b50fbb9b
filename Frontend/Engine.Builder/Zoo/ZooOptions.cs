namespace Engine.Builder.Zoo;

/// <summary>Sizes a zoo model for its data: image shape [C, H, W] or feature count, classes, vocabulary, widths.</summary>
public sealed record ZooOptions
{
    /// <summary>Sample shape without the batch: [C, H, W] for images, [F] for feature vectors.</summary>
    public long[] InputShape { get; init; } = [1, 28, 28];

    public int Classes { get; init; } = 10;

    /// <summary>Token vocabulary of the sequence models.</summary>
    public int Vocabulary { get; init; } = 1000;

    public int SequenceLength { get; init; } = 32;

    /// <summary>Target sequence length of the seq2seq model.</summary>
    public int TargetLength { get; init; } = 16;

    /// <summary>Channel/hidden width scale (small values keep tests fast).</summary>
    public float Width { get; init; } = 1f;

    /// <summary>Latent size of the DCGAN generator and the autoencoder bottleneck.</summary>
    public int Latent { get; init; } = 64;

    public int Scaled(int channels) => Math.Max(1, (int)MathF.Round(channels * Width));
}

/// <summary>What a zoo model computes, which decides its loss and its data.</summary>
public enum ZooTask
{
    Classification,
    Segmentation,
    Reconstruction,
    Generation,
    Discrimination,
    SequenceClassification,
    SequenceToSequence,
    LanguageModel,
}

/// <summary>A named model constructor of the zoo.</summary>
public sealed record ZooEntry(string Name, string Description, ZooTask Task, Func<ZooOptions, Model> Create);
