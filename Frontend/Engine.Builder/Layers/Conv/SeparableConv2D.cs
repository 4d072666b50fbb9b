using Engine.Graph;

namespace Engine.Builder;

/// <summary>Depthwise k×k conv (one filter per channel) then a 1×1 pointwise conv to <c>filters</c> channels (Xception/MobileNet).</summary>
public sealed class SeparableConv2D(int filters, int kernel, int stride = 1, Padding padding = default, int depthMultiplier = 1,
    string? activation = null, bool useBias = true, string? name = null) : Layer(name)
{
    private readonly Padding _padding = padding.Mode is null ? Padding.Valid : padding;
    private Parameter _depthwise = null!, _pointwise = null!;
    private Parameter? _bias;
    private int _channels;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        Activations.Check(this, activation);
        if (filters <= 0 || kernel <= 0 || stride <= 0 || depthMultiplier <= 0)
            throw BuildException.For(this, "filters, kernel, stride and depth multiplier must be positive");
        (_channels, _) = ConvGeometry.Split(this, inputs[0], 2);
        int mid = _channels * depthMultiplier;
        _depthwise = AddWeight("depthwise_kernel", [mid, 1, kernel, kernel], Init.GlorotUniform, kernel * kernel, depthMultiplier * kernel * kernel);
        _pointwise = AddWeight("pointwise_kernel", [filters, mid, 1, 1], Init.GlorotUniform, mid, filters);
        if (useBias) _bias = AddWeight("bias", [filters], Init.Zeros, mid, filters);
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var x = inputs[0];
        var (_, spatial) = ConvGeometry.Split(this, x.Type, 2);
        var pads = _padding.Pads(this, spatial, [kernel, kernel], [stride, stride], [1, 1]);
        var dw = e.Op("Conv", [x, e.Param(_depthwise)], ("kernel_shape", new long[] { kernel, kernel }),
            ("strides", new long[] { stride, stride }), ("pads", pads), ("group", (long)_channels));
        Value?[] args = _bias is null ? [dw, e.Param(_pointwise)] : [dw, e.Param(_pointwise), e.Param(_bias)];
        var y = e.Op("Conv", args, ("kernel_shape", new long[] { 1, 1 }));
        return [Activations.Apply(e, activation, y)];
    }
}
