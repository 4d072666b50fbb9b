namespace Engine.Runtime.Kernels;

/// <summary>
/// One activation function of a recurrent op (the 'activations' attribute), with its alpha/beta.
/// Names are matched case-insensitively, as ONNX Runtime does.
/// </summary>
internal sealed class RnnActivation
{
    private readonly Kind _kind;

    private RnnActivation(Kind kind, float alpha, float beta)
    {
        _kind = kind;
        Alpha = alpha;
        Beta = beta;
    }

    private enum Kind { Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus }

    public float Alpha { get; }

    public float Beta { get; }

    public float Apply(float x) => _kind switch
    {
        Kind.Relu => x > 0 ? x : 0,
        Kind.Tanh => MathF.Tanh(x),
        Kind.Sigmoid => x >= 0 ? 1f / (1f + MathF.Exp(-x)) : MathF.Exp(x) / (1f + MathF.Exp(x)),
        Kind.Affine => Alpha * x + Beta,
        Kind.LeakyRelu => x >= 0 ? x : Alpha * x,
        Kind.ThresholdedRelu => x > Alpha ? x : 0,
        Kind.ScaledTanh => Alpha * MathF.Tanh(Beta * x),
        Kind.HardSigmoid => Math.Clamp(Alpha * x + Beta, 0f, 1f),
        Kind.Elu => x >= 0 ? x : Alpha * (MathF.Exp(x) - 1f),
        Kind.Softsign => x / (1f + MathF.Abs(x)),
        _ => x > 20f ? x : MathF.Log(1f + MathF.Exp(x)),
    };

    /// <summary>The function in double precision (the recurrent backward kernels recompute the forward pass with it).</summary>
    public double Apply(double x) => _kind switch
    {
        Kind.Relu => x > 0 ? x : 0,
        Kind.Tanh => Math.Tanh(x),
        Kind.Sigmoid => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x)),
        Kind.Affine => Alpha * x + Beta,
        Kind.LeakyRelu => x >= 0 ? x : Alpha * x,
        Kind.ThresholdedRelu => x > Alpha ? x : 0,
        Kind.ScaledTanh => Alpha * Math.Tanh(Beta * x),
        Kind.HardSigmoid => Math.Clamp(Alpha * x + Beta, 0, 1),
        Kind.Elu => x >= 0 ? x : Alpha * (Math.Exp(x) - 1),
        Kind.Softsign => x / (1 + Math.Abs(x)),
        _ => x > 20 ? x : Math.Log(1 + Math.Exp(x)),
    };

    /// <summary>The derivative at <paramref name="x"/> (one-sided at kinks, as the forward picks its branch).</summary>
    public double Derivative(double x)
    {
        switch (_kind)
        {
            case Kind.Relu: return x > 0 ? 1 : 0;
            case Kind.Tanh: { double t = Math.Tanh(x); return 1 - t * t; }
            case Kind.Sigmoid: { double s = Apply(x); return s * (1 - s); }
            case Kind.Affine: return Alpha;
            case Kind.LeakyRelu: return x >= 0 ? 1 : Alpha;
            case Kind.ThresholdedRelu: return x > Alpha ? 1 : 0;
            case Kind.ScaledTanh: { double t = Math.Tanh(Beta * x); return Alpha * Beta * (1 - t * t); }
            case Kind.HardSigmoid: { double v = Alpha * x + Beta; return v is > 0 and < 1 ? Alpha : 0; }
            case Kind.Elu: return x >= 0 ? 1 : Alpha * Math.Exp(x);
            case Kind.Softsign: { double d = 1 + Math.Abs(x); return 1 / (d * d); }
            default: return x > 20 ? 1 : 1 / (1 + Math.Exp(-x));
        }
    }

    /// <summary>
    /// The activations of every direction: <paramref name="perDirection"/> functions per direction,
    /// from the attributes or the op's defaults. alpha/beta values are consumed in order by the
    /// functions that take them; a function without a given value uses its ONNX operator default.
    /// </summary>
    public static RnnActivation[] Parse(KernelContext ctx, int perDirection, int directions, string[] defaults)
    {
        var names = ctx.Attributes.GetStringsOrNull("activations");
        if (names is null || names.Length == 0)
        {
            names = new string[perDirection * directions];
            for (int d = 0; d < directions; d++) Array.Copy(defaults, 0, names, d * perDirection, perDirection);
        }
        if (names.Length != perDirection * directions)
            throw ctx.Fail($"'activations' has {names.Length} entries but {perDirection * directions} are needed");
        var alphas = ctx.Attributes.GetFloatsOrNull("activation_alpha") ?? [];
        var betas = ctx.Attributes.GetFloatsOrNull("activation_beta") ?? [];
        int ai = 0, bi = 0;
        var result = new RnnActivation[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            var kind = names[i].ToLowerInvariant() switch
            {
                "relu" => Kind.Relu,
                "tanh" => Kind.Tanh,
                "sigmoid" => Kind.Sigmoid,
                "affine" => Kind.Affine,
                "leakyrelu" => Kind.LeakyRelu,
                "thresholdedrelu" => Kind.ThresholdedRelu,
                "scaledtanh" => Kind.ScaledTanh,
                "hardsigmoid" => Kind.HardSigmoid,
                "elu" => Kind.Elu,
                "softsign" => Kind.Softsign,
                "softplus" => Kind.Softplus,
                _ => throw ctx.Fail($"unknown activation function '{names[i]}'"),
            };
            var (defAlpha, defBeta, usesAlpha, usesBeta) = kind switch
            {
                Kind.Affine => (1f, 0f, true, true),
                Kind.LeakyRelu => (0.01f, 0f, true, false),
                Kind.ThresholdedRelu => (1f, 0f, true, false),
                Kind.ScaledTanh => (1f, 1f, true, true),
                Kind.HardSigmoid => (0.2f, 0.5f, true, true),
                Kind.Elu => (1f, 0f, true, false),
                _ => (0f, 0f, false, false),
            };
            float alpha = usesAlpha && ai < alphas.Length ? alphas[ai++] : defAlpha;
            float beta = usesBeta && bi < betas.Length ? betas[bi++] : defBeta;
            result[i] = new RnnActivation(kind, alpha, beta);
        }
        return result;
    }
}
