using Engine.Runtime;

namespace Engine.Training;

/// <summary>The loss and the extra outputs of one step.</summary>
public sealed record StepResult(double Loss, IReadOnlyDictionary<string, Tensor> Extras);

/// <summary>
/// A ready-to-run training step: the step graph, the engine that runs it and the current state.
/// <see cref="Run"/> feeds batch + lr + step + state, and replaces the state with the graph's new
/// state outputs. Deterministic: the same graph, seed, thread count and batches give bitwise the
/// same state.
/// </summary>
public sealed class TrainStep : IDisposable
{
    private readonly IStepRunner _runner;

    public TrainStep(TrainStepGraph graph, StepBackend backend = StepBackend.Reference, int threads = 1, int seed = 0)
    {
        Graph = graph;
        Backend = backend;
        State = new TrainState(graph.InitialState);
        _runner = backend == StepBackend.Compiled
            ? new CompiledStepRunner(graph.Graph, threads, seed)
            : new ReferenceStepRunner(graph.Graph, threads, seed);
    }

    public TrainStepGraph Graph { get; }

    public StepBackend Backend { get; }

    public TrainState State { get; set; }

    public StepResult Run(IReadOnlyDictionary<string, Tensor> batch, double lr)
    {
        long step = State.Step + 1;
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [TrainStepGraph.LrInput] = Tensor.Scalar((float)lr),
            [TrainStepGraph.StepInput] = Tensor.Scalar(step),
        };
        foreach (var name in Graph.BatchInputs)
        {
            inputs[name] = batch.TryGetValue(name, out var t) ? t : throw new EngineException($"train step: batch input '{name}' was not given");
        }
        foreach (var name in Graph.StateNames) inputs[name] = State.Tensors[name];
        var outs = _runner.Run(inputs, step);
        foreach (var name in Graph.StateNames) State.Tensors[name] = outs[TrainStepGraph.NewPrefix + name];
        State.Step = step;
        var extras = Graph.ExtraOutputs.ToDictionary(n => n, n => outs[n], StringComparer.Ordinal);
        return new StepResult(outs[Graph.LossOutput].ScalarAsDouble(), extras);
    }

    public void Dispose() => _runner.Dispose();
}
