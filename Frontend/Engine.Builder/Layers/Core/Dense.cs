using Engine.Graph;

namespace Engine.Builder;

/// <summary>
/// y = activation(x·W + b) over the last axis; W is [in, units] (fan-in rows). A rank-2 input lowers to
/// one Gemm (the code generator's GEMM with a bias epilogue), higher ranks to MatMul + Add.
/// </summary>
public sealed class Dense(int units, string? activation = null, bool useBias = true, IInitializer? kernelInitializer = null,
    IInitializer? biasInitializer = null, string? name = null) : Layer(name)
{
    private Parameter _kernel = null!;
    private Parameter? _bias;

    public int Units { get; } = units > 0 ? units : throw new BuildException($"Dense: units must be positive, got {units}");

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        Activations.Check(this, activation);
        var x = inputs[0];
        if (x.Rank < 2 || !x.Dims![^1].IsKnown)
            throw BuildException.For(this, $"input must have rank ≥ 2 with a known last dim, got {x}");
        int inFeatures = (int)x.Dims[^1].Value;
        _kernel = AddWeight("kernel", [inFeatures, Units], kernelInitializer ?? Init.GlorotUniform, inFeatures, Units);
        if (useBias) _bias = AddWeight("bias", [Units], biasInitializer ?? Init.Zeros, inFeatures, Units);
    }

    protected override void CheckInputs(IReadOnlyList<TensorType> inputs)
    {
        var last = inputs[0].Dims?[^1];
        if (last is not { IsKnown: true } d || d.Value != _kernel.Shape[0])
            throw BuildException.For(this, $"expects last dim {_kernel.Shape[0]} (built for that), got input {inputs[0]}");
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var x = inputs[0];
        Value y = x.Type.Rank == 2
            ? e.Op("Gemm", _bias is null ? [x, e.Param(_kernel)] : [x, e.Param(_kernel), e.Param(_bias)])
            : _bias is null ? e.Op("MatMul", x, e.Param(_kernel)) : e.Op("Add", e.Op("MatMul", x, e.Param(_kernel)), e.Param(_bias));
        return [Activations.Apply(e, activation, y)];
    }
}
