using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>Where a value's bytes are during Run.</summary>
internal enum SlotKind { Arena, GraphInput, GraphOutput, Initializer }

/// <summary>A value's bytes: the arena at an offset, or inside graph input/output/initializer <see cref="Index"/>.</summary>
internal readonly record struct Slot(SlotKind Kind, int Index, long ByteOffset);

/// <summary>The emitter's view of a memory plan (the planner's API adapted, or the naive plan).</summary>
internal interface IStoragePlan
{
    Slot Locate(Value v);

    /// <summary>The node needs no code: its output is a view of its input or already written in place.</summary>
    bool IsElided(Node n);

    long ArenaBytes { get; }

    /// <summary>Max over time of the bytes live at once (the bound the arena is compared with).</summary>
    long LowerBoundBytes { get; }

    string Describe();
}

/// <summary>
/// One arena slot per intermediate value, never reused; graph outputs written in the caller's buffers.
/// <see cref="CodegenOptions.PlanMemory"/> = false selects it (to check the real planner against).
/// </summary>
internal sealed class NaivePlan : IStoragePlan
{
    private readonly Dictionary<Value, Slot> _slots = new();

    public NaivePlan(Graph.Graph g)
    {
        for (int i = 0; i < g.Inputs.Count; i++) _slots.TryAdd(g.Inputs[i], new Slot(SlotKind.GraphInput, i, 0));
        for (int j = 0; j < g.InitializerValues.Count; j++) _slots[g.InitializerValues[j]] = new Slot(SlotKind.Initializer, j, 0);
        for (int k = 0; k < g.Outputs.Count; k++)
            if (g.Outputs[k].Producer is not null) _slots.TryAdd(g.Outputs[k], new Slot(SlotKind.GraphOutput, k, 0));
        long off = 0;
        foreach (var n in g.Nodes)
        {
            foreach (var o in n.Outputs)
            {
                if (o is null || _slots.ContainsKey(o)) continue;
                _slots[o] = new Slot(SlotKind.Arena, 0, off);
                long bytes = Tensor.ElementCount(o.Type.StaticShape()) * Math.Max(1, DataTypes.Size(o.Type.Elem));
                off += (bytes + 63) / 64 * 64;
            }
        }
        ArenaBytes = off;
    }

    public Slot Locate(Value v) => _slots.TryGetValue(v, out var s) ? s : throw new EngineException($"cpu backend: value '{v.Name}' has no storage");

    public bool IsElided(Node n) => false;

    public long ArenaBytes { get; }

    public long LowerBoundBytes => ArenaBytes;

    public string Describe() => $"naive plan: {ArenaBytes} arena bytes, one slot per value";
}
