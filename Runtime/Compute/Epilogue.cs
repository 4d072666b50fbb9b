namespace Engine.Runtime.Compute;

/// <summary>Element-wise activation fused into a GEMM/conv epilogue.</summary>
public enum ActivationKind
{
    None,
    Relu,
    /// <summary>min(max(x, Alpha), Beta); Relu6 is Clip(0, 6).</summary>
    Clip,
    /// <summary>x &lt; 0 ? Alpha·x : x.</summary>
    LeakyRelu,
    Sigmoid,
    Tanh,
    /// <summary>Exact GELU, 0.5·x·(1 + erf(x/√2)) (ONNX Gelu approximate="none").</summary>
    Gelu,
    /// <summary>GELU with the tanh approximation (ONNX Gelu approximate="tanh").</summary>
    GeluTanh,
    /// <summary>x·sigmoid(x) (a.k.a. Swish).</summary>
    Silu,
}

/// <summary>An activation with its parameters.</summary>
public readonly record struct Activation(ActivationKind Kind, float Alpha = 0, float Beta = 0)
{
    public static Activation None => default;
    public static Activation Relu => new(ActivationKind.Relu);
    public static Activation Relu6 => new(ActivationKind.Clip, 0, 6);
    public static Activation Sigmoid => new(ActivationKind.Sigmoid);
    public static Activation Tanh => new(ActivationKind.Tanh);
    public static Activation Gelu => new(ActivationKind.Gelu);
    public static Activation GeluTanh => new(ActivationKind.GeluTanh);
    public static Activation Silu => new(ActivationKind.Silu);
    public static Activation Clip(float min, float max) => new(ActivationKind.Clip, min, max);
    public static Activation LeakyRelu(float alpha = 0.01f) => new(ActivationKind.LeakyRelu, alpha);
}

/// <summary>How the bias vector of an epilogue is indexed.</summary>
public enum BiasKind
{
    None,
    /// <summary>bias[j] added to column j (a fully connected layer's bias).</summary>
    PerColumn,
    /// <summary>bias[i] added to row i (a conv's per-output-channel bias in NCHW).</summary>
    PerRow,
}

/// <summary>
/// What happens to each output element after the product: y = act(acc + bias + residual), or with
/// <see cref="ResidualAfterActivation"/>, y = act(acc + bias) + residual. The bias and residual data are
/// passed to the primitive separately (they are spans).
/// </summary>
public readonly record struct Epilogue(BiasKind Bias = BiasKind.None, Activation Activation = default, bool ResidualAfterActivation = false)
{
    public static Epilogue None => default;

    public static Epilogue Of(Activation activation, BiasKind bias = BiasKind.None) => new(bias, activation);
}
