using Engine.Graph;

namespace Engine.Builder;

/// <summary>
/// Transposed ("fractionally strided") 2-D convolution, the upsampling layer of DCGAN generators and
/// U-Net decoders: weights [C, filters/groups, k, k]; "same" gives output = input × stride.
/// </summary>
public sealed class Conv2DTranspose(int filters, int kernel, int stride = 1, Padding padding = default, int outputPadding = 0,
    int dilation = 1, int groups = 1, string? activation = null, bool useBias = true, IInitializer? kernelInitializer = null, string? name = null) : Layer(name)
{
    private readonly Padding _padding = padding.Mode is null ? Padding.Valid : padding;
    private Parameter _w = null!;
    private Parameter? _b;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        Activations.Check(this, activation);
        if (filters <= 0 || kernel <= 0 || stride <= 0 || dilation <= 0 || groups <= 0 || outputPadding < 0)
            throw BuildException.For(this, "filters, kernel, stride, dilation and groups must be positive, output padding non-negative");
        if (outputPadding >= Math.Max(stride, dilation)) throw BuildException.For(this, $"output padding {outputPadding} must be smaller than stride or dilation");
        var (c, _) = ConvGeometry.Split(this, inputs[0], 2);
        if (c % groups != 0 || filters % groups != 0) throw BuildException.For(this, $"groups {groups} must divide input channels {c} and filters {filters}");
        _w = AddWeight("kernel", [c, filters / groups, kernel, kernel], kernelInitializer ?? Init.GlorotUniform, filters / groups * kernel * kernel, c / groups * kernel * kernel);
        if (useBias) _b = AddWeight("bias", [filters], Init.Zeros, c, filters);
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var x = inputs[0];
        long span = (long)dilation * (kernel - 1) + 1;
        long[] pads, outPad;
        switch (_padding.Mode)
        {
            case "same":
                // out = (in−1)·s − padTotal + span + outPad; choose padTotal/outPad so that out = in·s.
                long total = Math.Max(0, span - stride);
                long extra = stride - span + total;
                pads = [total / 2, total / 2, total - total / 2, total - total / 2];
                outPad = [extra, extra];
                break;
            case "explicit":
                pads = [_padding.Pixels, _padding.Pixels, _padding.Pixels, _padding.Pixels];
                outPad = [outputPadding, outputPadding];
                break;
            default:
                pads = [0, 0, 0, 0];
                outPad = [outputPadding, outputPadding];
                break;
        }
        Value?[] args = _b is null ? [x, e.Param(_w)] : [x, e.Param(_w), e.Param(_b)];
        var y = e.Op("ConvTranspose", args, ("kernel_shape", new long[] { kernel, kernel }), ("strides", new long[] { stride, stride }),
            ("dilations", new long[] { dilation, dilation }), ("pads", pads), ("output_padding", outPad), ("group", (long)groups));
        return [Activations.Apply(e, activation, y)];
    }
}
