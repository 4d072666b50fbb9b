using Engine.Graph;

namespace Engine.Builder;

/// <summary>
/// N-d convolution over NC[spatial] inputs (ONNX Conv): weights [filters, C/groups, k…], optional bias,
/// stride, dilation, groups, "valid"/"same"/explicit padding, optional fused activation.
/// </summary>
public class Convolution : Layer
{
    private readonly int _rank;
    private readonly int[] _kernel, _stride, _dilation;
    private readonly Padding _padding;
    private readonly string? _activation;
    private readonly bool _useBias;
    private readonly IInitializer? _kernelInit, _biasInit;
    private Parameter _w = null!;
    private Parameter? _b;

    protected Convolution(int rank, int filters, int[] kernel, int[] stride, Padding padding, int[] dilation, int groups,
        string? activation, bool useBias, IInitializer? kernelInitializer, IInitializer? biasInitializer, string? name) : base(name)
    {
        _rank = rank;
        Filters = filters;
        _kernel = ConvGeometry.Expand(this, "kernel", kernel, rank);
        _stride = ConvGeometry.Expand(this, "stride", stride, rank);
        _dilation = ConvGeometry.Expand(this, "dilation", dilation, rank);
        _padding = padding;
        Groups = groups;
        _activation = activation;
        _useBias = useBias;
        _kernelInit = kernelInitializer;
        _biasInit = biasInitializer;
        Activations.Check(this, activation);
    }

    /// <summary>Output channels; 0 = decided at build (depthwise: C × multiplier).</summary>
    public int Filters { get; protected set; }

    /// <summary>0 = decided at build (depthwise: C).</summary>
    public int Groups { get; protected set; }

    protected virtual void Resolve(int channels) { }

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        var (c, _) = ConvGeometry.Split(this, inputs[0], _rank);
        Resolve(c);
        if (Filters <= 0 || Groups <= 0) throw BuildException.For(this, $"filters and groups must be positive, got {Filters} and {Groups}");
        if (c % Groups != 0 || Filters % Groups != 0)
            throw BuildException.For(this, $"groups {Groups} must divide input channels {c} and filters {Filters}");
        int receptive = _kernel.Aggregate(1, (a, b) => a * b);
        _w = AddWeight("kernel", [Filters, c / Groups, .. _kernel], _kernelInit ?? Init.GlorotUniform, c / Groups * receptive, Filters / Groups * receptive);
        if (_useBias) _b = AddWeight("bias", [Filters], _biasInit ?? Init.Zeros, c / Groups * receptive, Filters);
    }

    protected override void CheckInputs(IReadOnlyList<TensorType> inputs)
    {
        var (c, _) = ConvGeometry.Split(this, inputs[0], _rank);
        if (c != _w.Shape[1] * Groups) throw BuildException.For(this, $"built for {_w.Shape[1] * Groups} input channels, got {inputs[0]}");
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var x = inputs[0];
        var (_, spatial) = ConvGeometry.Split(this, x.Type, _rank);
        var pads = _padding.Pads(this, spatial, _kernel, _stride, _dilation);
        Value?[] args = _b is null ? [x, e.Param(_w)] : [x, e.Param(_w), e.Param(_b)];
        var y = e.Op("Conv", args,
            ("kernel_shape", ConvGeometry.Longs(_kernel)), ("strides", ConvGeometry.Longs(_stride)),
            ("dilations", ConvGeometry.Longs(_dilation)), ("pads", pads), ("group", (long)Groups));
        foreach (var d in y.Type.Dims!.Skip(2))
            if (d.IsKnown && d.Value <= 0) throw BuildException.For(this, $"input {x.Type} is too small for kernel ({string.Join(",", _kernel)}): output {y.Type}");
        return [Activations.Apply(e, _activation, y)];
    }
}

/// <summary>1-D convolution over [N, C, L].</summary>
public sealed class Conv1D(int filters, int kernel, int stride = 1, Padding padding = default, int dilation = 1, int groups = 1,
    string? activation = null, bool useBias = true, IInitializer? kernelInitializer = null, IInitializer? biasInitializer = null, string? name = null)
    : Convolution(1, filters, [kernel], [stride], padding.Mode is null ? Padding.Valid : padding, [dilation], groups, activation, useBias, kernelInitializer, biasInitializer, name);

/// <summary>2-D convolution over [N, C, H, W] (PyTorch's Conv2d / Keras' Conv2D with channels first).</summary>
public sealed class Conv2D : Convolution
{
    public Conv2D(int filters, int kernel, int stride = 1, Padding padding = default, int dilation = 1, int groups = 1,
        string? activation = null, bool useBias = true, IInitializer? kernelInitializer = null, IInitializer? biasInitializer = null, string? name = null)
        : this(filters, [kernel, kernel], [stride, stride], padding, [dilation, dilation], groups, activation, useBias, kernelInitializer, biasInitializer, name) { }

    public Conv2D(int filters, int[] kernel, int[] stride, Padding padding = default, int[]? dilation = null, int groups = 1,
        string? activation = null, bool useBias = true, IInitializer? kernelInitializer = null, IInitializer? biasInitializer = null, string? name = null)
        : base(2, filters, kernel, stride, padding.Mode is null ? Padding.Valid : padding, dilation ?? [1, 1], groups, activation, useBias, kernelInitializer, biasInitializer, name) { }
}

/// <summary>One filter per input channel (× multiplier): groups = C. MobileNet's spatial half.</summary>
public sealed class DepthwiseConv2D(int kernel, int stride = 1, Padding padding = default, int depthMultiplier = 1, int dilation = 1,
    string? activation = null, bool useBias = true, IInitializer? kernelInitializer = null, string? name = null)
    : Convolution(2, 0, [kernel], [stride], padding.Mode is null ? Padding.Valid : padding, [dilation], 0, activation, useBias, kernelInitializer, null, name)
{
    protected override void Resolve(int channels)
    {
        if (depthMultiplier <= 0) throw BuildException.For(this, $"depth multiplier must be positive, got {depthMultiplier}");
        Groups = channels;
        Filters = channels * depthMultiplier;
    }
}
