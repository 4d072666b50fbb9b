using BenchmarkDotNet.Attributes;
using Engine.Runtime.Compute;

namespace Engine.Bench;

/// <summary>Square SGEMM, C = A·B with B a constant (prepacked by both engines).</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    [Params(256, 512, 1024, 2048)]
    public int Size { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    private float[] _a = [], _packedB = [], _c = [], _cOrt = [], _scratch = [];
    private OrtSession? _ort;

    [GlobalSetup]
    public void Setup()
    {
        int n = Size;
        _a = Check.Random(n * n, 1);
        var b = Check.Random(n * n, 2);
        _packedB = PackedGemm.PackB(b, n, n);
        _c = new float[n * n];
        _cOrt = new float[n * n];
        _scratch = new float[PackedGemm.ScratchLength(n, n, n, Threads)];
        _ort = new OrtSession(OnnxModels.MatMul(n, n, n, b), Threads, _a, [n, n], _cOrt, [n, n]);
        Engine();
        Ort();
        Check.Same($"MatMul {n}", _cOrt, _c);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort?.Dispose();

    [Benchmark(Baseline = true)]
    public void Ort() => _ort!.Run();

    [Benchmark]
    public void Engine() => PackedGemm.Run(Size, Size, Size, _a, Size, false, _packedB, _c, Size, scratch: _scratch, threads: Threads);
}
