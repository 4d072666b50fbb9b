using System.Globalization;
using Engine.Graph;
using Engine.Runtime;
using Engine.Runtime.Compute;

namespace Engine.Codegen.Lowering;

/// <summary>
/// The elementwise tail of a fused group that its anchor (an <see cref="IEpilogueLowering"/>) must
/// apply to every output element before storing it: y = act(acc + bias + residual), or with
/// <see cref="ResidualAfterActivation"/>, y = act(acc + bias) + residual. All float32.
/// </summary>
public sealed class EpilogueRequest
{
    /// <summary>
    /// How <see cref="BiasPointer"/> is indexed, relative to the anchor's OUTPUT tensor:
    /// <see cref="BiasKind.PerRow"/> = by output dim 1 (the channel of NCHW, as Conv2D's per-row bias);
    /// <see cref="BiasKind.PerColumn"/> = by the output's last dim (a Gemm/MatMul bias).
    /// For a rank-2 output both mean "dim 1"; the emitter picks PerColumn then.
    /// </summary>
    public BiasKind Bias { get; init; }

    /// <summary>float* expression of the bias vector (length <see cref="BiasLength"/>), or null.</summary>
    public string? BiasPointer { get; init; }

    public int BiasLength { get; init; }

    /// <summary>The bias data when it is a compile-time constant (e.g. to fold it into packed weights), else null.</summary>
    public Tensor? BiasConstant { get; init; }

    public Activation Activation { get; init; }

    /// <summary>float* expression of a tensor with exactly the output's shape and element order, or null.</summary>
    public string? Residual { get; init; }

    public bool ResidualAfterActivation { get; init; }

    /// <summary>The elementwise nodes (inside the fused body) this request covers, for comments and reports.</summary>
    public IReadOnlyList<Node> Covered { get; init; } = [];

    /// <summary>The request as Runtime.Compute's epilogue spec (bias/residual data are passed separately).</summary>
    public Epilogue Spec => new(Bias, Activation, ResidualAfterActivation);

    /// <summary>C# expression constructing <see cref="Spec"/> (fully qualified, literals only).</summary>
    public string SpecExpression
    {
        get
        {
            const string ns = "Engine.Runtime.Compute.";
            string F(float f) => LoweringContext.FloatLiteral(f);
            return $"new {ns}Epilogue({ns}BiasKind.{Enum.GetName(Bias)}, new {ns}Activation({ns}ActivationKind.{Enum.GetName(Activation.Kind)}, {F(Activation.Alpha)}, {F(Activation.Beta)}), {(ResidualAfterActivation ? "true" : "false")})";
        }
    }

    /// <summary>
    /// Scalar C# applying the whole epilogue to float expression <paramref name="acc"/>, for an element at
    /// flat output index <paramref name="flatIndex"/> whose bias index is <paramref name="biasIndex"/>
    /// (both C# int/long expressions; biasIndex is ignored without a bias).
    /// </summary>
    public string ScalarExpression(string acc, string biasIndex, string flatIndex)
    {
        string x = acc;
        if (BiasPointer is not null) x = $"({x} + {BiasPointer}[{biasIndex}])";
        if (Residual is not null && !ResidualAfterActivation) x = $"({x} + {Residual}[{flatIndex}])";
        x = ActivationScalar(Activation, x);
        if (Residual is not null && ResidualAfterActivation) x = $"({x} + {Residual}[{flatIndex}])";
        return x;
    }

    /// <summary>Scalar C# of an activation over a float expression (evaluated more than once: pass a local).</summary>
    public static string ActivationScalar(Activation a, string x)
    {
        string F(float f) => LoweringContext.FloatLiteral(f);
        return a.Kind switch
        {
            ActivationKind.None => x,
            ActivationKind.Relu => $"MathF.Max({x}, 0f)",
            ActivationKind.Clip => $"MathF.Min(MathF.Max({x}, {F(a.Alpha)}), {F(a.Beta)})",
            ActivationKind.LeakyRelu => $"({x} < 0f ? {F(a.Alpha)} * {x} : {x})",
            ActivationKind.Sigmoid => $"(1f / (1f + MathF.Exp(-{x})))",
            ActivationKind.Tanh => $"MathF.Tanh({x})",
            ActivationKind.Silu => $"({x} / (1f + MathF.Exp(-{x})))",
            ActivationKind.Gelu => $"(0.5f * {x} * (1f + (float)Engine.Runtime.Kernels.SpecialFunctions.Erf({x} * 0.70710678118654752f)))",
            ActivationKind.GeluTanh => $"(0.5f * {x} * (1f + MathF.Tanh(0.7978845608f * ({x} + 0.044715f * {x} * {x} * {x}))))",
            _ => throw new EngineException($"cpu backend: no scalar form for activation {a.Kind}"),
        };
    }

    public override string ToString() =>
        string.Join(" ", new[]
        {
            Bias == BiasKind.None ? null : $"bias({Bias})",
            Residual is not null && !ResidualAfterActivation ? "+residual" : null,
            Activation.Kind == ActivationKind.None ? null : Activation.Kind.ToString().ToLower(CultureInfo.InvariantCulture),
            Residual is not null && ResidualAfterActivation ? "+residual" : null,
        }.Where(s => s is not null));
}
