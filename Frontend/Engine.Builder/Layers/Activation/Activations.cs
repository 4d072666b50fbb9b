using Engine.Graph;

namespace Engine.Builder;

/// <summary>
/// Activation functions by name (the <c>activation:</c> argument of Dense/Conv layers and the activation
/// layers), each written as registered ops so the optimizer can fuse them into GEMM/conv epilogues.
/// </summary>
public static class Activations
{
    public static readonly IReadOnlyList<string> Names =
        ["linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "sigmoid", "hard_sigmoid", "tanh", "softplus", "softsign", "softmax"];

    public static bool IsKnown(string? name) => name is null || Names.Contains(name);

    internal static void Check(Layer layer, string? name)
    {
        if (!IsKnown(name)) throw BuildException.For(layer, $"unknown activation '{name}' (known: {string.Join(", ", Names)})");
    }

    /// <summary>Applies activation <paramref name="name"/> (null or "linear": none).</summary>
    public static Value Apply(LayerEmitter e, string? name, Value x) => name switch
    {
        null or "linear" => x,
        "relu" => e.Op("Relu", x),
        "relu6" => e.Op("Clip", x, e.Scalar(0), e.Scalar(6)),
        "leaky_relu" => e.Op("LeakyRelu", [x], ("alpha", 0.01f)),
        "elu" => e.Op("Elu", [x], ("alpha", 1f)),
        "selu" => e.Op("Selu", x),
        "gelu" => e.Op("Gelu", x),
        "silu" or "swish" => e.Op("Mul", x, e.Op("Sigmoid", x)),
        "sigmoid" => e.Op("Sigmoid", x),
        "hard_sigmoid" => e.Op("HardSigmoid", [x], ("alpha", 0.2f), ("beta", 0.5f)),
        "tanh" => e.Op("Tanh", x),
        "softplus" => e.Op("Softplus", x),
        "softsign" => e.Op("Softsign", x),
        "softmax" => e.Op("Softmax", [x], ("axis", -1L)),
        _ => throw new BuildException($"unknown activation '{name}'"),
    };
}
