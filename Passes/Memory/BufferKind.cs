namespace Engine.Passes.Memory;

/// <summary>Which storage a value's bytes live in at run time.</summary>
public enum BufferKind
{
    /// <summary>The one intermediate arena the plan sizes (<see cref="MemoryPlan.ArenaBytes"/>).</summary>
    Arena,

    /// <summary>The caller's input buffer of graph input <see cref="BufferLocation.Index"/> (read only).</summary>
    GraphInput,

    /// <summary>The caller's output buffer of graph output <see cref="BufferLocation.Index"/>.</summary>
    GraphOutput,

    /// <summary>The weights of initializer <see cref="BufferLocation.Index"/> (index into Graph.InitializerValues; read only).</summary>
    Initializer,
}
