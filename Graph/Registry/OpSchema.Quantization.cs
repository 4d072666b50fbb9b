namespace Engine.Graph;

/// <summary>
/// How an op takes int8: which input is its activation, which its weight (quantized per output channel along
/// <see cref="WeightAxis"/>), which its bias (quantized to int32 with scale x_scale·w_scale). The
/// quantization passes read this fact instead of listing op names.
/// </summary>
public sealed record QuantizationFact(int ActivationInput, int WeightInput, int BiasInput, Func<Node, int> WeightAxis);

/// <summary>The quantization fact of an op (null when the op stays in float under quantization).</summary>
public sealed partial class OpSchema
{
    public QuantizationFact? Quantization { get; private set; }

    /// <summary>See <see cref="QuantizationFact"/>; <paramref name="biasInput"/> −1 when the op has no bias.</summary>
    public OpSchema Quantizes(int activationInput, int weightInput, int biasInput, Func<Node, int> weightAxis)
    {
        Quantization = new QuantizationFact(activationInput, weightInput, biasInput, weightAxis);
        return this;
    }
}
