namespace Engine.Training;

/// <summary>
/// A dataset as published: its training part and, when the publisher fixes one (Fashion-MNIST's
/// 10,000 t10k images), the official test part. Without one, callers split the training part.
/// </summary>
public sealed record DatasetParts(Dataset Train, Dataset? Test);
