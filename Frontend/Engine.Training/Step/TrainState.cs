using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Everything a train step carries from one update to the next: parameters, optimizer slots and
/// buffers by name, and the number of updates done. Tensors are replaced, never written in place,
/// so a snapshot is a shallow copy.
/// </summary>
public sealed class TrainState
{
    public TrainState(IReadOnlyDictionary<string, Tensor> tensors, long step = 0)
    {
        Tensors = new Dictionary<string, Tensor>(tensors, StringComparer.Ordinal);
        Step = step;
    }

    public Dictionary<string, Tensor> Tensors { get; }

    /// <summary>Updates done so far (the next update is number Step + 1).</summary>
    public long Step { get; set; }

    public TrainState Snapshot() => new(Tensors, Step);
}
