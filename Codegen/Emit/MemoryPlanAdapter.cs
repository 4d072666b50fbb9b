using Engine.Graph;
using Engine.Passes.Memory;

namespace Engine.Codegen;

/// <summary>The memory planner (Passes/Memory) as the emitter's <see cref="IStoragePlan"/>.</summary>
internal sealed class MemoryPlanAdapter : IStoragePlan
{
    private readonly MemoryPlan _plan;

    private MemoryPlanAdapter(MemoryPlan plan) => _plan = plan;

    public static MemoryPlanAdapter Create(Graph.Graph graph, Func<Node, int, bool> canWriteInPlace) =>
        new(MemoryPlan.Create(graph, new MemoryPlanOptions { CanWriteInPlace = canWriteInPlace, Alignment = 64 }));

    public Slot Locate(Value v)
    {
        var l = _plan.Locate(v);
        var kind = l.Kind switch
        {
            BufferKind.Arena => SlotKind.Arena,
            BufferKind.GraphInput => SlotKind.GraphInput,
            BufferKind.GraphOutput => SlotKind.GraphOutput,
            BufferKind.Initializer => SlotKind.Initializer,
            _ => throw new InvalidOperationException($"unknown buffer kind {l.Kind}"),
        };
        return new Slot(kind, l.Index, l.ByteOffset);
    }

    public bool IsElided(Node n) => _plan.IsElided(n);

    public long ArenaBytes => _plan.ArenaBytes;

    public long LowerBoundBytes => _plan.LowerBoundBytes;

    public string Describe() => _plan.Describe();
}
