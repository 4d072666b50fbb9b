using BenchmarkDotNet.Attributes;

namespace Engine.Bench;

/// <summary>Whole models: Engine's compiled CPU backend vs ONNX Runtime, same inputs, preallocated outputs.</summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    public static IEnumerable<string> Names => ModelPair.Models.Keys;

    [ParamsSource(nameof(Names))]
    public string Model { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private ModelPair? _pair;

    [GlobalSetup]
    public void Setup()
    {
        _pair = new ModelPair(Model, Threads);
        _pair.CheckSame();
    }

    [GlobalCleanup]
    public void Cleanup() => _pair?.Dispose();

    [Benchmark(Baseline = true)]
    public void Ort() => _pair!.Ort();

    [Benchmark]
    public void Engine() => _pair!.Engine();
}
