using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// SimpleRNN/GRU/LSTM over batch-first [N, T, D] inputs, lowered to the ONNX RNN/GRU/LSTM ops (ONNX gate
/// order and default activations; a time-major transpose around the op). Keras-style single bias per gate
/// (the op's recurrent bias is zero), so parameter counts match Keras: SimpleRNN(15) on D = 10 has 390.
/// Call with (x) or (x, h0[, c0]) where states are [N, H] ([N, 2, H] when bidirectional).
/// Returns the last hidden state [N, H·dirs] or, with <c>returnSequences</c>, [N, T, H·dirs]; with
/// <c>returnState</c> the final h (and c) follow as extra outputs.
/// </summary>
public abstract class RecurrentLayer : Layer
{
    private readonly string _op;
    private readonly int _gates;
    private Parameter _w = null!, _r = null!;
    private Parameter? _b;

    protected RecurrentLayer(string op, int gates, int units, bool returnSequences, bool returnState, bool useBias, string? name) : base(name)
    {
        if (units <= 0) throw new BuildException($"{op}: units must be positive, got {units}");
        _op = op;
        _gates = gates;
        Units = units;
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        UseBias = useBias;
    }

    public int Units { get; }

    public bool ReturnSequences { get; }

    public bool ReturnState { get; }

    public bool UseBias { get; }

    /// <summary>Set by <see cref="Bidirectional.Wrap{T}"/>: runs forward and reverse, concatenating features.</summary>
    public bool IsBidirectional { get; internal set; }

    private int Dirs => IsBidirectional ? 2 : 1;

    private int StateCount => _op == "LSTM" ? 2 : 1;

    public override string TypeName => IsBidirectional ? $"Bidirectional({_op switch { "RNN" => "SimpleRNN", _ => _op }})" : base.TypeName;

    public override int OutputCount => 1 + (ReturnState ? StateCount : 0);

    /// <summary>Extra attributes of the op (GRU's linear_before_reset).</summary>
    protected virtual (string, object)[] OpAttributes => [];

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (x.Rank != 3 || !x.Dims![2].IsKnown) throw BuildException.For(this, $"expects [N, T, D] with known D, got {x}");
        if (inputs.Count > 1 + StateCount) throw BuildException.For(this, $"takes x and at most {StateCount} initial state(s), got {inputs.Count} inputs");
        int d = (int)x.Dims[2].Value, g = _gates * Units;
        _w = AddWeight("kernel", [Dirs, g, d], Init.GlorotUniform, d, g);
        _r = AddWeight("recurrent_kernel", [Dirs, g, Units], Init.Orthogonal(), Units, g);
        if (UseBias) _b = AddWeight("bias", [Dirs, g], Init.Zeros, d, g);
        CheckStates(inputs);
    }

    protected override void CheckInputs(IReadOnlyList<TensorType> inputs)
    {
        if (inputs[0].Rank != 3 || inputs[0].Dims![2] is not { IsKnown: true } d || d.Value != _w.Shape[2])
            throw BuildException.For(this, $"built for [N, T, {_w.Shape[2]}] inputs, got {inputs[0]}");
        CheckStates(inputs);
    }

    private void CheckStates(IReadOnlyList<TensorType> inputs)
    {
        for (int i = 1; i < inputs.Count; i++)
        {
            var s = inputs[i];
            bool ok = IsBidirectional
                ? s.Rank == 3 && s.Dims![1] is { IsKnown: true, Value: 2 } && s.Dims[2] is { IsKnown: true } h && h.Value == Units
                : s.Rank == 2 && s.Dims![1] is { IsKnown: true } u && u.Value == Units;
            if (!ok) throw BuildException.For(this, $"initial state {i} must be {(IsBidirectional ? $"[N, 2, {Units}]" : $"[N, {Units}]")}, got {s}");
        }
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var xt = e.Op("Transpose", [inputs[0]], ("perm", new long[] { 1, 0, 2 }));
        Value? bias = null;
        if (_b is not null)
        {
            var zeros = e.Const(Tensor.Zeros(DataType.Float, Dirs, _gates * Units));
            bias = e.Op("Concat", [e.Param(_b), zeros], ("axis", 1L));
        }
        Value? State(int k)
        {
            if (k >= inputs.Length) return null;
            var s = inputs[k];
            return IsBidirectional ? e.Op("Transpose", [s], ("perm", new long[] { 1, 0, 2 })) : e.Op("Unsqueeze", s, e.Int64s(0));
        }
        var args = new List<Value?> { xt, e.Param(_w), e.Param(_r), bias, null, State(1) };
        if (_op == "LSTM") args.Add(State(2));
        var attrs = new List<(string, object)> { ("hidden_size", (long)Units), ("direction", IsBidirectional ? "bidirectional" : "forward") };
        attrs.AddRange(OpAttributes);
        var outs = e.OpN(_op, 1 + StateCount, args.ToArray(), attrs.ToArray());
        // Y: [T, dirs, N, H] → [N, T, dirs·H]; Y_h/Y_c: [dirs, N, H] → [N, dirs·H].
        Value Last(Value s) => e.Op("Reshape", e.Op("Transpose", [s], ("perm", new long[] { 1, 0, 2 })), e.Int64s(0, -1));
        var result = new List<Value>
        {
            ReturnSequences
                ? e.Op("Reshape", e.Op("Transpose", [outs[0]], ("perm", new long[] { 2, 0, 1, 3 })), e.Int64s(0, 0, -1))
                : Last(outs[1]),
        };
        if (ReturnState) for (int k = 1; k <= StateCount; k++) result.Add(Last(outs[k]));
        return result.ToArray();
    }
}

/// <summary>Elman RNN: h = tanh(x·Wᵀ + h·Rᵀ + b).</summary>
public sealed class SimpleRNN(int units, bool returnSequences = false, bool returnState = false, bool useBias = true, string? name = null)
    : RecurrentLayer("RNN", 1, units, returnSequences, returnState, useBias, name);

/// <summary>LSTM with ONNX gate order (i, o, f, c).</summary>
public sealed class LSTM(int units, bool returnSequences = false, bool returnState = false, bool useBias = true, string? name = null)
    : RecurrentLayer("LSTM", 4, units, returnSequences, returnState, useBias, name);

/// <summary>GRU with ONNX gate order (z, r, h) and the reset gate applied after the recurrent matmul (PyTorch/cuDNN, Keras reset_after).</summary>
public sealed class GRU(int units, bool returnSequences = false, bool returnState = false, bool useBias = true, string? name = null)
    : RecurrentLayer("GRU", 3, units, returnSequences, returnState, useBias, name)
{
    protected override (string, object)[] OpAttributes => [("linear_before_reset", 1L)];
}

/// <summary>Runs a recurrent layer forward and backward in time and concatenates both hidden states.</summary>
public static class Bidirectional
{
    public static T Wrap<T>(T layer) where T : RecurrentLayer
    {
        if (layer.IsBuilt) throw BuildException.For(layer, "wrap the layer before calling it");
        layer.IsBidirectional = true;
        return layer;
    }
}
