using System.Runtime.Intrinsics;

namespace Engine.Codegen;

/// <summary>Which loop bodies the emitter writes for elementwise groups.</summary>
public enum VectorPath
{
    /// <summary>Vector512 when the machine accelerates it, else Vector256, else scalar (decided at emit time).</summary>
    Auto,
    Scalar,
    Vector256,
    Vector512,
}

/// <summary>Options of the Roslyn CPU backend; part of the compile-cache key.</summary>
public sealed record CodegenOptions
{
    public VectorPath Vector { get; init; } = VectorPath.Auto;

    /// <summary>
    /// The model's thread count: generated parallel loops and Compute primitives use up to this many
    /// threads (ParallelFor), fallback reference kernels get it too. Default: the processor count.
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Plan memory (Passes/Memory/MemoryPlan: liveness-shared arena, in-place, zero-copy views, concat
    /// in place). False gives every intermediate its own arena slot (to check the planner against).
    /// </summary>
    public bool PlanMemory { get; init; } = true;

    /// <summary>Seed for the per-node random generators of fallback kernels (as the reference executor's).</summary>
    public int Seed { get; init; }

    /// <summary>The concrete path <see cref="Vector"/> means on this machine.</summary>
    public VectorPath ResolvedVector => Vector switch
    {
        VectorPath.Auto when Vector512.IsHardwareAccelerated => VectorPath.Vector512,
        VectorPath.Auto when Vector256.IsHardwareAccelerated => VectorPath.Vector256,
        VectorPath.Auto => VectorPath.Scalar,
        var v => v,
    };

    /// <summary>Everything that changes the emitted source, as text for hashing.</summary>
    internal string KeyText => $"v1;vector={ResolvedVector};threads={Math.Max(1, Threads)};seed={Seed};plan={PlanMemory}";
}
