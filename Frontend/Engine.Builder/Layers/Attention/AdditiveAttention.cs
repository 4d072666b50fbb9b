using Engine.Graph;

namespace Engine.Builder;

/// <summary>
/// Bahdanau (additive) attention: score(q_t, v_s) = wᵀ·tanh(W_q·q_t + W_v·v_s); softmax over s; the
/// context for each query step is the weighted sum of values. Call(queries [N, T, Hq], values [N, S, Hv])
/// → contexts [N, T, Hv].
/// </summary>
public sealed class AdditiveAttention(int units, string? name = null) : Layer(name)
{
    private Parameter _wq = null!, _wv = null!, _w = null!;

    protected override void Build(IReadOnlyList<TensorType> inputs)
    {
        if (inputs.Count != 2) throw BuildException.For(this, $"takes (queries, values), got {inputs.Count} inputs");
        var (q, v) = (inputs[0], inputs[1]);
        if (q.Rank != 3 || v.Rank != 3 || !q.Dims![2].IsKnown || !v.Dims![2].IsKnown)
            throw BuildException.For(this, $"expects [N, T, H] queries and [N, S, H] values, got {q} and {v}");
        if (units <= 0) throw BuildException.For(this, $"units must be positive, got {units}");
        int hq = (int)q.Dims[2].Value, hv = (int)v.Dims[2].Value;
        _wq = AddWeight("query_kernel", [hq, units], Init.GlorotUniform, hq, units);
        _wv = AddWeight("value_kernel", [hv, units], Init.GlorotUniform, hv, units);
        _w = AddWeight("score_vector", [units, 1], Init.GlorotUniform, units, 1);
    }

    protected internal override Value[] Emit(LayerEmitter e, Value[] inputs)
    {
        var (q, v) = (inputs[0], inputs[1]);
        // [N, T, 1, U] + [N, 1, S, U] → tanh → ·w → [N, T, S, 1] → [N, T, S].
        var pq = e.Op("Unsqueeze", e.Op("MatMul", q, e.Param(_wq)), e.Int64s(2));
        var pv = e.Op("Unsqueeze", e.Op("MatMul", v, e.Param(_wv)), e.Int64s(1));
        var scores = e.Op("Squeeze", e.Op("MatMul", e.Op("Tanh", e.Op("Add", pq, pv)), e.Param(_w)), e.Int64s(3));
        var probs = e.Op("Softmax", [scores], ("axis", -1L));
        return [e.Op("MatMul", probs, v)];
    }
}
