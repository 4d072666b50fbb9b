namespace Engine.Passes.Quantization;

/// <summary>
/// One quantizable layer after quantization: the activation's scale and zero point, the share of calibration
/// values the chosen range clips, the weight scales' span, and the relative L2 error of the layer's output
/// against fp32 on the first calibration batch (errors accumulate from earlier layers, as at inference).
/// <see cref="KeptFloat"/> says why a layer stayed fp32 (null when quantized).
/// </summary>
public sealed record LayerQuantization(string Node, string Op, float ActivationScale, int ActivationZeroPoint, double ClippedFraction,
    float WeightScaleMin, float WeightScaleMax, double Error, string? KeptFloat);

/// <summary>What <see cref="StaticQuantizer"/> did, layer by layer.</summary>
public sealed record QuantizationReport(IReadOnlyList<LayerQuantization> Layers, QuantizationOptions Options)
{
    public int Quantized => Layers.Count(l => l.KeptFloat is null);
}
