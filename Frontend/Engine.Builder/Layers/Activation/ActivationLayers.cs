using Engine.Graph;

namespace Engine.Builder;

/// <summary>A parameter-free elementwise activation layer.</summary>
public abstract class ActivationLayer(string? name) : Layer(name)
{
    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        if (inputs.Length != 1) throw BuildException.For(this, $"takes one input, got {inputs.Length}");
        return [Apply(e, inputs[0])];
    }

    protected abstract Value Apply(LayerEmitter e, Value x);
}

public sealed class ReLU(string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("Relu", x);
}

public sealed class ReLU6(string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => Activations.Apply(e, "relu6", x);
}

public sealed class LeakyReLU(float alpha = 0.01f, string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("LeakyRelu", [x], ("alpha", alpha));
}

public sealed class ELU(float alpha = 1f, string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("Elu", [x], ("alpha", alpha));
}

public sealed class SELU(string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("Selu", x);
}

public sealed class GELU(bool approximateTanh = false, string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("Gelu", [x], ("approximate", approximateTanh ? "tanh" : "none"));
}

/// <summary>SiLU / swish: x·σ(x).</summary>
public sealed class SiLU(string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => Activations.Apply(e, "silu", x);
}

public sealed class Sigmoid(string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("Sigmoid", x);
}

/// <summary>max(0, min(1, αx + β)); Keras' α = 0.2, β = 0.5 by default.</summary>
public sealed class HardSigmoid(float alpha = 0.2f, float beta = 0.5f, string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("HardSigmoid", [x], ("alpha", alpha), ("beta", beta));
}

public sealed class Tanh(string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("Tanh", x);
}

public sealed class Softplus(string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x) => e.Op("Softplus", x);
}

/// <summary>softmax(x / T) along <paramref name="axis"/>; T &gt; 1 softens (distillation), T &lt; 1 sharpens.</summary>
public sealed class Softmax(int axis = -1, float temperature = 1f, string? name = null) : ActivationLayer(name)
{
    protected override Value Apply(LayerEmitter e, Value x)
    {
        if (!(temperature > 0)) throw BuildException.For(this, $"temperature must be positive, got {temperature}");
        var scaled = temperature == 1f ? x : e.Op("Div", x, e.Scalar(temperature));
        return e.Op("Softmax", [scaled], ("axis", (long)axis));
    }
}

/// <summary>Activation by name, e.g. <c>new Activation("relu")</c>.</summary>
public sealed class Activation : ActivationLayer
{
    private readonly string _function;

    public Activation(string function, string? name = null) : base(name)
    {
        _function = function;
        Activations.Check(this, function);
    }

    protected override Value Apply(LayerEmitter e, Value x) => Activations.Apply(e, _function, x);
}

/// <summary>Leaky ReLU with a learned slope per channel (dim 1), as PyTorch's PReLU(num_parameters=C).</summary>
public sealed class PReLU(float initialSlope = 0.25f, bool perChannel = true, string? name = null) : Layer(name)
{
    private Parameter _slope = null!;

    protected override void Build(IReadOnlyList<Graph.TensorType> inputs)
    {
        var x = inputs[0];
        if (!perChannel) { _slope = AddWeight("slope", [1], Init.Constant(initialSlope), 1, 1); return; }
        if (x.Rank < 2 || !x.Dims![1].IsKnown) throw BuildException.For(this, $"needs a known channel dim 1, input is {x}");
        int c = (int)x.Dims[1].Value;
        // Broadcast over the trailing spatial dims: shape [C, 1, …, 1].
        int[] shape = [c, .. Enumerable.Repeat(1, x.Rank - 2)];
        _slope = AddWeight("slope", shape, Init.Constant(initialSlope), 1, 1);
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs) => [e.Op("PRelu", inputs[0], e.Param(_slope))];
}
