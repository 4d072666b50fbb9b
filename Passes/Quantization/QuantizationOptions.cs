namespace Engine.Passes.Quantization;

/// <summary>How calibration turns observed activation values into a quantization range.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum.</summary>
    MinMax,

    /// <summary>The <see cref="QuantizationOptions.Percentile"/>-th percentile at each end (outliers clipped).</summary>
    Percentile,

    /// <summary>The clipping threshold minimizing the KL divergence between the fp32 and the 8-bit histograms (TensorRT's method).</summary>
    Entropy,
}

/// <summary>The integer type activations are quantized to.</summary>
public enum ActivationType
{
    /// <summary>uint8 with a zero point (asymmetric): suits post-ReLU activations.</summary>
    UInt8,

    /// <summary>int8, symmetric (zero point 0).</summary>
    Int8,
}

/// <summary>Post-training static quantization settings.</summary>
public sealed record QuantizationOptions
{
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Percentile kept at each end for <see cref="CalibrationMethod.Percentile"/>.</summary>
    public double Percentile { get; init; } = 99.99;

    public ActivationType Activations { get; init; } = ActivationType.UInt8;

    /// <summary>Nodes (by name) left in fp32.</summary>
    public IReadOnlySet<string> Exclude { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Leave depthwise convolutions in fp32 (per-channel ranges of depthwise filters are the usual source of int8 error).</summary>
    public bool KeepDepthwiseFloat { get; init; }

    /// <summary>Leave in fp32 every layer whose relative output error on the calibration data exceeds this (null: no limit).</summary>
    public double? MaxLayerError { get; init; }

    /// <summary>Samples kept per activation for percentiles, entropy and clipping ratios (a seeded reservoir).</summary>
    public int ReservoirSize { get; init; } = 1 << 17;
}
