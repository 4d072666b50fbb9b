using Engine.Codegen;
using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>Which engine runs the train-step graph.</summary>
public enum StepBackend
{
    /// <summary>The reference executor (the oracle).</summary>
    Reference,

    /// <summary>The graph optimized at O2 and compiled by the Roslyn CPU backend into one program.</summary>
    Compiled,
}

/// <summary>Runs a graph with inputs and outputs by name.</summary>
public interface IStepRunner : IDisposable
{
    Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, long step);
}

/// <summary>
/// The reference executor. Each step gets its own executor seed derived from (seed, step), so
/// random ops (Dropout in training mode) draw new values every step yet repeat exactly on a rerun.
/// </summary>
public sealed class ReferenceStepRunner(Graph.Graph graph, int threads, int seed) : IStepRunner
{
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, long step) =>
        new ReferenceExecutor(graph, threads, SeedMix.ForStep(seed, step)).Run(inputs);

    public void Dispose()
    {
    }
}

/// <summary>The step graph optimized (O2 with its static input shapes) and compiled by Roslyn.</summary>
public sealed class CompiledStepRunner : IStepRunner
{
    private readonly CompiledModel _model;

    public CompiledStepRunner(Graph.Graph graph, int threads, int seed)
    {
        var shapes = graph.Inputs.Where(v => v.Type.IsStatic).ToDictionary(v => v.Name, v => v.Type.StaticShape());
        PassManager.Run(graph, Pipelines.ForLevel(2, shapes), new PassContext { VerifyEachPass = false });
        _model = CompiledModel.Compile(graph, new CodegenOptions { Threads = threads, Seed = seed });
    }

    public CodegenReport Report => _model.Report;

    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, long step) => _model.Run(inputs);

    public void Dispose() => _model.Dispose();
}

/// <summary>Seeds derived from a base seed, the same in every process (SplitMix64 finalizer).</summary>
public static class SeedMix
{
    public static int ForStep(int seed, long step)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)step + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
