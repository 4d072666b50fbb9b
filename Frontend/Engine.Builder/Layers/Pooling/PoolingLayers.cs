using Engine.Graph;

namespace Engine.Builder;

/// <summary>Max or average pooling over the spatial dims of NC[spatial] (ONNX MaxPool/AveragePool).</summary>
public abstract class Pooling : Layer
{
    private readonly int _rank;
    private readonly string _op;
    private readonly int[] _pool, _stride;
    private readonly Padding _padding;

    protected Pooling(string op, int rank, int pool, int? stride, Padding padding, string? name) : base(name)
    {
        _op = op;
        _rank = rank;
        _pool = ConvGeometry.Expand(this, "pool size", [pool], rank);
        _stride = ConvGeometry.Expand(this, "stride", [stride ?? pool], rank);
        _padding = padding.Mode is null ? Padding.Valid : padding;
    }

    protected override void Build(IReadOnlyList<TensorType> inputs) => ConvGeometry.Split(this, inputs[0], _rank);

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var x = inputs[0];
        var (_, spatial) = ConvGeometry.Split(this, x.Type, _rank);
        var pads = _padding.Pads(this, spatial, _pool, _stride, Enumerable.Repeat(1, _rank).ToArray());
        var attrs = new List<(string, object)> { ("kernel_shape", ConvGeometry.Longs(_pool)), ("strides", ConvGeometry.Longs(_stride)), ("pads", pads) };
        // Keras and PyTorch's "same" average pooling divide by the count of real pixels.
        if (_op == "AveragePool") attrs.Add(("count_include_pad", 0L));
        var y = e.Op(_op, [x], attrs.ToArray());
        foreach (var d in y.Type.Dims!.Skip(2))
            if (d.IsKnown && d.Value <= 0) throw BuildException.For(this, $"input {x.Type} is smaller than the pool ({string.Join(",", _pool)})");
        return [y];
    }
}

public sealed class MaxPool1D(int pool = 2, int? stride = null, Padding padding = default, string? name = null) : Pooling("MaxPool", 1, pool, stride, padding, name);

public sealed class MaxPool2D(int pool = 2, int? stride = null, Padding padding = default, string? name = null) : Pooling("MaxPool", 2, pool, stride, padding, name);

public sealed class AvgPool1D(int pool = 2, int? stride = null, Padding padding = default, string? name = null) : Pooling("AveragePool", 1, pool, stride, padding, name);

public sealed class AvgPool2D(int pool = 2, int? stride = null, Padding padding = default, string? name = null) : Pooling("AveragePool", 2, pool, stride, padding, name);

/// <summary>Mean or max over all spatial positions: [N, C, …] → [N, C] (or [N, C, 1, …] with keepDims).</summary>
public abstract class GlobalPooling(string op, bool keepDims, string? name) : Layer(name)
{
    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (inputs[0].Rank < 3) throw BuildException.For(this, $"expects [N, C, spatial…], got {inputs[0]}");
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var y = e.Op(op, inputs[0]);
        return [keepDims ? y : e.Op("Flatten", [y], ("axis", 1L))];
    }
}

public sealed class GlobalAveragePool(bool keepDims = false, string? name = null) : GlobalPooling("GlobalAveragePool", keepDims, name);

public sealed class GlobalMaxPool(bool keepDims = false, string? name = null) : GlobalPooling("GlobalMaxPool", keepDims, name);
