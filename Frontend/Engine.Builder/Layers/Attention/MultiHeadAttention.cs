using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// Multi-head scaled dot-product attention (Vaswani et al.) over batch-first sequences.
/// Call(query) is self-attention; Call(query, context) attends over a context sequence (cross-attention);
/// Call(query, context, keyMask) also masks padded context positions (keyMask [N, S]: 1 keep, 0 pad).
/// <c>causal</c> forbids attending to later positions (GPT-style decoders).
/// </summary>
public sealed class MultiHeadAttention(int heads, int keyDim, int? valueDim = null, bool causal = false, float dropout = 0,
    bool useBias = true, string? name = null) : Layer(name)
{
    private readonly int _valueDim = valueDim ?? keyDim;
    private Parameter _wq = null!, _wk = null!, _wv = null!, _wo = null!;
    private Parameter? _bq, _bk, _bv, _bo;

    public int Heads { get; } = heads > 0 ? heads : throw new BuildException($"MultiHeadAttention: heads must be positive, got {heads}");

    public bool Causal { get; } = causal;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (keyDim <= 0 || _valueDim <= 0) throw BuildException.For(this, $"key and value dims must be positive, got {keyDim} and {_valueDim}");
        if (dropout is < 0 or >= 1) throw BuildException.For(this, $"dropout must be in [0, 1), got {dropout}");
        if (inputs.Count > 3) throw BuildException.For(this, $"takes (query[, context[, key mask]]), got {inputs.Count} inputs");
        var q = inputs[0];
        var c = inputs.Count > 1 ? inputs[1] : q;
        int eq = FeatureDim(q, "query"), ec = FeatureDim(c, "context");
        int hk = Heads * keyDim, hv = Heads * _valueDim;
        _wq = AddWeight("query_kernel", [eq, hk], Init.GlorotUniform, eq, hk);
        _wk = AddWeight("key_kernel", [ec, hk], Init.GlorotUniform, ec, hk);
        _wv = AddWeight("value_kernel", [ec, hv], Init.GlorotUniform, ec, hv);
        _wo = AddWeight("output_kernel", [hv, eq], Init.GlorotUniform, hv, eq);
        if (useBias)
        {
            _bq = AddWeight("query_bias", [hk], Init.Zeros, eq, hk);
            _bk = AddWeight("key_bias", [hk], Init.Zeros, ec, hk);
            _bv = AddWeight("value_bias", [hv], Init.Zeros, ec, hv);
            _bo = AddWeight("output_bias", [eq], Init.Zeros, hv, eq);
        }
        if (inputs.Count == 3)
        {
            var m = inputs[2];
            if (m.Rank != 2 || (m.Dims![1].IsKnown && c.Dims![1].IsKnown && m.Dims[1].Value != c.Dims[1].Value))
                throw BuildException.For(this, $"key mask must be [N, {c.Dims![1]}], got {m}");
        }
    }

    private int FeatureDim(TensorType t, string what)
    {
        if (t.Rank != 3 || !t.Dims![2].IsKnown) throw BuildException.For(this, $"{what} must be [N, T, E] with known E, got {t}");
        return (int)t.Dims[2].Value;
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var q = inputs[0];
        var ctx = inputs.Length > 1 ? inputs[1] : q;
        Value Project(Value x, Parameter w, Parameter? b)
        {
            var y = e.Op("MatMul", x, e.Param(w));
            return b is null ? y : e.Op("Add", y, e.Param(b));
        }
        // [N, T, H·d] → [N, H, T, d] (or [N, H, d, T] for keys, ready for QKᵀ).
        Value Heads4(Value x, int d, long[] perm) => e.Op("Transpose", [e.Op("Reshape", x, e.Int64s(0, 0, Heads, d))], ("perm", perm));
        var qh = Heads4(Project(q, _wq, _bq), keyDim, [0, 2, 1, 3]);
        var kt = Heads4(Project(ctx, _wk, _bk), keyDim, [0, 2, 3, 1]);
        var vh = Heads4(Project(ctx, _wv, _bv), _valueDim, [0, 2, 1, 3]);
        var scores = e.Op("Mul", e.Op("MatMul", qh, kt), e.Scalar(1f / MathF.Sqrt(keyDim)));
        if (Causal)
        {
            long t = q.Type.Dims![1].IsKnown ? q.Type.Dims[1].Value : -1, s = ctx.Type.Dims![1].IsKnown ? ctx.Type.Dims[1].Value : -1;
            if (t < 0 || s < 0) throw BuildException.For(this, "a causal mask needs known sequence lengths");
            var mask = new float[t * s];
            // Query i may see keys j ≤ i + (s − t) (the last t of s positions when the context is longer).
            for (long i = 0; i < t; i++) for (long j = 0; j < s; j++) mask[i * s + j] = j <= i + (s - t) ? 0f : -1e9f;
            scores = e.Op("Add", scores, e.Const(Tensor.FromArray(mask, (int)t, (int)s)));
        }
        if (inputs.Length == 3)
        {
            var m = inputs[2].Type.Elem == DataType.Float ? inputs[2] : e.Op("Cast", [inputs[2]], ("to", (long)DataType.Float));
            // (mask − 1)·1e9: 0 where kept, −1e9 where padded; [N, S] → [N, 1, 1, S].
            var bias = e.Op("Mul", e.Op("Sub", m, e.Scalar(1f)), e.Scalar(1e9f));
            scores = e.Op("Add", scores, e.Op("Reshape", bias, e.Int64s(0, 1, 1, -1)));
        }
        var probs = e.Op("Softmax", [scores], ("axis", -1L));
        if (e.Training && dropout > 0)
            probs = e.OpN("Dropout", 2, [probs, e.Scalar(dropout), e.Const(Tensor.Scalar(true))], ("seed", (long)(HashCode.Combine(e.Seed, Name) & 0x7fffffff)))[0];
        var o = e.Op("Transpose", [e.Op("MatMul", probs, vh)], ("perm", new long[] { 0, 2, 1, 3 }));
        o = e.Op("Reshape", o, e.Int64s(0, 0, Heads * _valueDim));
        return [Project(o, _wo, _bo)];
    }
}
