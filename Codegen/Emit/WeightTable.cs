using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// The compile-time tensors a generated class receives in its constructor (graph initializers, tensor
/// attributes of fallback nodes, data packed by lowerings), by index. Those the code reads through a
/// pointer are copied once into one 64-byte-aligned native block owned by the generated instance.
/// </summary>
internal sealed class WeightTable
{
    private readonly List<Tensor> _tensors = new();
    private readonly List<bool> _pointer = new();
    private readonly List<string> _notes = new();
    private readonly Dictionary<Tensor, int> _index = new(ReferenceEqualityComparer.Instance);

    public int Count => _tensors.Count;

    public IReadOnlyList<Tensor> Tensors => _tensors;

    public bool NeedsPointer(int j) => _pointer[j];

    public string Note(int j) => _notes[j];

    public int Index(Tensor t, string note)
    {
        if (_index.TryGetValue(t, out int j)) return j;
        j = _tensors.Count;
        _tensors.Add(t);
        _pointer.Add(false);
        _notes.Add(note);
        _index[t] = j;
        return j;
    }

    /// <summary>A typed pointer field (<c>w{j}</c>) to the tensor's native copy.</summary>
    public string Pointer(int j)
    {
        if (_tensors[j].Type == DataType.String) throw new EngineException("cpu backend: string tensors are not supported in generated code");
        _pointer[j] = true;
        return $"w{j}";
    }

    /// <summary>The tensor itself, for reference kernels.</summary>
    public static string TensorExpr(int j) => $"_weights[{j}]";

    public (int Count, int Pointers) Mark() => (_tensors.Count, _pointer.Count(p => p));

    /// <summary>Forgets tensors added after <paramref name="count"/> (a lowering that declined); pointer flags set since stay harmless.</summary>
    public void Truncate(int count)
    {
        for (int j = _tensors.Count - 1; j >= count; j--)
        {
            _index.Remove(_tensors[j]);
            _tensors.RemoveAt(j);
            _pointer.RemoveAt(j);
            _notes.RemoveAt(j);
        }
    }
}
