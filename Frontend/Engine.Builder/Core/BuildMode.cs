namespace Engine.Builder;

/// <summary>Which graph a model is lowered to: layers such as Dropout and BatchNormalization differ.</summary>
public enum BuildMode
{
    /// <summary>Dropout is the identity, BatchNormalization uses its running statistics.</summary>
    Inference,

    /// <summary>Dropout samples a mask, BatchNormalization normalizes by batch statistics and updates its running ones.</summary>
    Training,
}
