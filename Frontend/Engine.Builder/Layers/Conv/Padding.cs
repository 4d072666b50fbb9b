namespace Engine.Builder;

/// <summary>
/// Convolution/pooling padding: "valid" (none), "same" (output = ⌈input / stride⌉, extra padding at the
/// end as TensorFlow/Keras do), or explicit symmetric pixels (PyTorch's <c>padding=1</c>).
/// </summary>
public readonly record struct Padding(string Mode, int Pixels)
{
    public static Padding Valid => new("valid", 0);

    public static Padding Same => new("same", 0);

    public static implicit operator Padding(string mode) => mode switch
    {
        "valid" => Valid,
        "same" => Same,
        _ => throw new BuildException($"padding must be \"valid\", \"same\" or a pixel count, got \"{mode}\""),
    };

    public static implicit operator Padding(int pixels) =>
        pixels >= 0 ? new("explicit", pixels) : throw new BuildException($"padding must be non-negative, got {pixels}");

    /// <summary>ONNX pads [begin…, end…] for one call; needs known spatial dims for "same".</summary>
    internal long[] Pads(Layer layer, long[] spatial, int[] kernel, int[] stride, int[] dilation)
    {
        int n = kernel.Length;
        var pads = new long[2 * n];
        for (int i = 0; i < n; i++)
        {
            switch (Mode)
            {
                case "explicit":
                    pads[i] = pads[i + n] = Pixels;
                    break;
                case "same":
                    if (spatial[i] < 0) throw BuildException.For(layer, "padding \"same\" needs known spatial dims");
                    long output = (spatial[i] + stride[i] - 1) / stride[i];
                    long total = Math.Max(0, (output - 1) * stride[i] + (long)(kernel[i] - 1) * dilation[i] + 1 - spatial[i]);
                    pads[i] = total / 2;
                    pads[i + n] = total - total / 2;
                    break;
            }
        }
        return pads;
    }

    public override string ToString() => Mode == "explicit" ? Pixels.ToString(System.Globalization.CultureInfo.InvariantCulture) : Mode;
}
