using System.Numerics.Tensors;

namespace Engine.Runtime.Compute;

/// <summary>Which ONNX recurrent op: gates in W/R/B are [h] for RNN, [z, r, h] for GRU, [i, o, f, c] for LSTM.</summary>
public enum RecurrentCell
{
    Rnn,
    Gru,
    Lstm,
}

public enum RecurrentDirection
{
    Forward,
    Reverse,
    Bidirectional,
}

/// <summary>The activation functions of ONNX RNN/GRU/LSTM. <see cref="Default"/> stands for the op's default in that slot.</summary>
public enum RecurrentActivationKind
{
    Default,
    Relu,
    Tanh,
    Sigmoid,
    Affine,
    LeakyRelu,
    ThresholdedRelu,
    ScaledTanh,
    HardSigmoid,
    Elu,
    Softsign,
    Softplus,
}

/// <summary>One activation of a recurrent op with its alpha/beta (resolved by the caller: ONNX defaults per function).</summary>
public readonly record struct RecurrentActivation(RecurrentActivationKind Kind, float Alpha = 0, float Beta = 0)
{
    /// <summary>The ONNX alpha/beta defaults of a function, for callers that parse the attributes.</summary>
    public static (float Alpha, float Beta, bool UsesAlpha, bool UsesBeta) Defaults(RecurrentActivationKind kind) => kind switch
    {
        RecurrentActivationKind.Affine => (1f, 0f, true, true),
        RecurrentActivationKind.LeakyRelu => (0.01f, 0f, true, false),
        RecurrentActivationKind.ThresholdedRelu => (1f, 0f, true, false),
        RecurrentActivationKind.ScaledTanh => (1f, 1f, true, true),
        RecurrentActivationKind.HardSigmoid => (0.2f, 0.5f, true, true),
        RecurrentActivationKind.Elu => (1f, 0f, true, false),
        _ => (0f, 0f, false, false),
    };

    /// <summary>Parses an ONNX activation name (case-insensitive, as ONNX Runtime); null when unknown.</summary>
    public static RecurrentActivationKind? Parse(string name) => name.ToLowerInvariant() switch
    {
        "relu" => RecurrentActivationKind.Relu,
        "tanh" => RecurrentActivationKind.Tanh,
        "sigmoid" => RecurrentActivationKind.Sigmoid,
        "affine" => RecurrentActivationKind.Affine,
        "leakyrelu" => RecurrentActivationKind.LeakyRelu,
        "thresholdedrelu" => RecurrentActivationKind.ThresholdedRelu,
        "scaledtanh" => RecurrentActivationKind.ScaledTanh,
        "hardsigmoid" => RecurrentActivationKind.HardSigmoid,
        "elu" => RecurrentActivationKind.Elu,
        "softsign" => RecurrentActivationKind.Softsign,
        "softplus" => RecurrentActivationKind.Softplus,
        _ => null,
    };

    /// <summary>Applies the function in place (Default must have been resolved).</summary>
    public void Apply(Span<float> x)
    {
        switch (Kind)
        {
            case RecurrentActivationKind.Sigmoid:
                TensorPrimitives.Sigmoid(x, x);
                return;
            case RecurrentActivationKind.Tanh:
                TensorPrimitives.Tanh(x, x);
                return;
            case RecurrentActivationKind.Relu:
                TensorPrimitives.Max(x, 0f, x);
                return;
        }
        float a = Alpha, b = Beta;
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            x[i] = Kind switch
            {
                RecurrentActivationKind.Affine => a * v + b,
                RecurrentActivationKind.LeakyRelu => v >= 0 ? v : a * v,
                RecurrentActivationKind.ThresholdedRelu => v > a ? v : 0,
                RecurrentActivationKind.ScaledTanh => a * MathF.Tanh(b * v),
                RecurrentActivationKind.HardSigmoid => Math.Clamp(a * v + b, 0f, 1f),
                RecurrentActivationKind.Elu => v >= 0 ? v : a * (MathF.Exp(v) - 1f),
                RecurrentActivationKind.Softsign => v / (1f + MathF.Abs(v)),
                RecurrentActivationKind.Softplus => v > 20f ? v : MathF.Log(1f + MathF.Exp(v)),
                _ => throw new EngineException($"recurrent: activation {Kind} was not resolved"),
            };
        }
    }
}

/// <summary>
/// An ONNX RNN/GRU/LSTM forward pass. X is [Seq, Batch, Input] (or [Batch, Seq, Input] with
/// <see cref="BatchMajor"/>, the 'layout' = 1 form, which also applies to Y, initial and final states).
/// Activations are per direction: slots 0–2 for the first direction, 3–5 for the reverse one of a
/// bidirectional op (f, g, h; RNN uses f only, GRU f and g).
/// </summary>
public readonly record struct RecurrentShape(
    RecurrentCell Cell, int Seq, int Batch, int Input, int Hidden,
    RecurrentDirection Direction = RecurrentDirection.Forward, bool BatchMajor = false, float Clip = float.PositiveInfinity,
    bool LinearBeforeReset = false, bool InputForget = false,
    RecurrentActivation Act0 = default, RecurrentActivation Act1 = default, RecurrentActivation Act2 = default,
    RecurrentActivation Act3 = default, RecurrentActivation Act4 = default, RecurrentActivation Act5 = default)
{
    public int Gates => Cell switch { RecurrentCell.Rnn => 1, RecurrentCell.Gru => 3, _ => 4 };

    public int Directions => Direction == RecurrentDirection.Bidirectional ? 2 : 1;

    public int GH => checked(Gates * Hidden);

    public bool IsReverse(int d) => Direction == RecurrentDirection.Reverse || d == 1;

    /// <summary>Activation j (0 = f, 1 = g, 2 = h) of direction d, with Default resolved to the op's default.</summary>
    public RecurrentActivation Activation(int d, int j)
    {
        var a = (d * 3 + j) switch { 0 => Act0, 1 => Act1, 2 => Act2, 3 => Act3, 4 => Act4, _ => Act5 };
        if (a.Kind != RecurrentActivationKind.Default) return a;
        var kind = Cell == RecurrentCell.Rnn ? RecurrentActivationKind.Tanh : j == 0 ? RecurrentActivationKind.Sigmoid : RecurrentActivationKind.Tanh;
        return new RecurrentActivation(kind);
    }

    internal void Validate()
    {
        if (Seq < 0 || Batch < 0 || Input < 0 || Hidden < 1) throw new EngineException($"recurrent: invalid sizes {this}");
        if (!(Clip > 0)) throw new EngineException($"recurrent: clip must be positive, got {Clip}");
    }
}
