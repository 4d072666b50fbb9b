using BenchmarkDotNet.Attributes;
using Engine.Runtime.Compute;

namespace Engine.Bench;

/// <summary>Conv + bias + Relu (ORT fuses the Relu into its Conv too), ResNet/MobileNet-like shapes.</summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    public static IEnumerable<string> Cases => ["3x3 64x56x56->64", "3x3 dw 128x56x56", "3x3 dw s2 128x56x56", "1x1 32x120x160->32", "3x3 dw 32x120x160", "3x3 s2 3x240x320->16"];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private Conv2DShape _s;
    private float[] _x = [], _packedW = [], _bias = [], _y = [], _yOrt = [], _scratch = [];
    private OrtSession? _ort;
    private static readonly Epilogue Relu = Epilogue.Of(Activation.Relu);

    private static Conv2DShape ShapeOf(string c) => c switch
    {
        "3x3 64x56x56->64" => new Conv2DShape(1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1),
        "3x3 dw 128x56x56" => new Conv2DShape(1, 128, 56, 56, 128, 3, 3, 1, 1, 1, 1, 1, 1, Groups: 128),
        "3x3 dw s2 128x56x56" => new Conv2DShape(1, 128, 56, 56, 128, 3, 3, 2, 2, 1, 1, 1, 1, Groups: 128),
        "1x1 32x120x160->32" => new Conv2DShape(1, 32, 120, 160, 32, 1, 1),
        "3x3 dw 32x120x160" => new Conv2DShape(1, 32, 120, 160, 32, 3, 3, 1, 1, 1, 1, 1, 1, Groups: 32),
        "3x3 s2 3x240x320->16" => new Conv2DShape(1, 3, 240, 320, 16, 3, 3, 2, 2, 1, 1, 1, 1),
        _ => throw new ArgumentException(c),
    };

    [GlobalSetup]
    public void Setup()
    {
        _s = ShapeOf(Case);
        _x = Check.Random(_s.InputLength, 1);
        var w = Check.Random(_s.WeightLength, 2);
        _bias = Check.Random(_s.M, 3);
        _packedW = Conv2D.PackWeights(w, _s);
        _y = new float[_s.OutputLength];
        _yOrt = new float[_s.OutputLength];
        _scratch = new float[Conv2D.ScratchLength(_s, Threads)];
        _ort = new OrtSession(OnnxModels.ConvRelu(_s, w, _bias), Threads, _x, [_s.N, _s.C, _s.H, _s.W], _yOrt, [_s.N, _s.M, _s.OH, _s.OW]);
        Engine();
        Ort();
        Check.Same(Case, _yOrt, _y);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort?.Dispose();

    [Benchmark(Baseline = true)]
    public void Ort() => _ort!.Run();

    [Benchmark]
    public void Engine() => Conv2D.Run(_s, _x, _packedW, _y, Relu, _bias, default, _scratch, Threads);
}
