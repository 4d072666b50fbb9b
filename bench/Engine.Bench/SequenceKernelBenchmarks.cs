using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Engine.Onnx.Proto;
using Engine.Runtime.Compute;
using Google.Protobuf;

namespace Engine.Bench;

/// <summary>
/// ConvTranspose, batched MatMul, Attention and LSTM/GRU: the Runtime.Compute primitive against the same single-op
/// ONNX model in ORT (weights as initializers). Attention is self-attention Attention(X, X, X) (one ORT input).
/// <c>dotnet run -c Release --project bench/Engine.Bench -- --quick-sequence</c> prints stopwatch medians side by side.
/// </summary>
[MemoryDiagnoser]
public unsafe class SequenceKernelBenchmarks
{
    public static IEnumerable<string> Cases =>
    [
        "convT 4x4 s2 64x28x28->32", "convT 3x3 s2 128x14x14->64", "bmm 16x(128x64 * 64x128)",
        "attention 8h 128x64", "attention causal 8h 256x64", "lstm seq32 b4 128->128", "gru seq32 b4 128->128",
    ];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private float[] _x = [], _y = [], _yOrt = [], _packed = [], _bias = [], _scratch = [];
    private GCHandle[] _pins = [];
    private OrtSession? _ort;
    private Action _engine = () => { };

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(' ');
        switch (parts[0])
        {
            case "convT":
                {
                    var s = Case.Contains("4x4")
                        ? new ConvTranspose2DShape(1, 64, 28, 28, 32, 4, 4, 56, 56, 2, 2, 1, 1)
                        : new ConvTranspose2DShape(1, 128, 14, 14, 64, 3, 3, 28, 28, 2, 2, 1, 1);
                    var w = Check.Random(s.WeightLength, 2);
                    _bias = Check.Random(s.M, 3);
                    _x = Check.Random(s.InputLength, 1);
                    _packed = ConvTranspose2D.PackWeights(w, s);
                    Alloc(s.OutputLength, ConvTranspose2D.ScratchLength(s, Threads));
                    int op = s.OH - ConvTranspose2DShape.NaturalOutput(s.H, s.KH, s.StrideH, 1, 1, 1, 0);
                    var node = Node("ConvTranspose", "X", "W", "B");
                    node.Attribute.Add(Ints("strides", 2, 2));
                    node.Attribute.Add(Ints("pads", 1, 1, 1, 1));
                    node.Attribute.Add(Ints("output_padding", op, op));
                    _ort = Session(node, [s.N, s.C, s.H, s.W], [s.N, s.M, s.OH, s.OW], Init("W", w, s.C, s.M, s.KH, s.KW), Init("B", _bias, s.M));
                    _engine = () => Pin((x, p, y, scr) => ConvTranspose2D.Run(s, x, p, (float*)_pins[4].AddrOfPinnedObject(), y, scr, Threads));
                    break;
                }
            case "bmm":
                {
                    var s = BatchedMatMulShape.FromShapes([16, 128, 64], [16, 64, 128])!.Value;
                    var b = Check.Random(16 * 64 * 128, 2);
                    _x = Check.Random(16 * 128 * 64, 1);
                    _packed = BatchedMatMul.PackB(b, s);
                    Alloc(s.OutputLength, BatchedMatMul.ScratchLength(s, Threads));
                    _ort = Session(Node("MatMul", "X", "B"), [16, 128, 64], [16, 128, 128], Init("B", b, 16, 64, 128));
                    _engine = () => Pin((x, p, y, scr) => BatchedMatMul.Run(s, x, p, y, scr, Threads));
                    break;
                }
            case "attention":
                {
                    bool causal = Case.Contains("causal");
                    int seq = causal ? 256 : 128;
                    var s = new AttentionShape(1, 8, 8, seq, seq, 64, 64, 0.125f, Causal: causal);
                    _x = Check.Random(8 * seq * 64, 1);
                    Alloc((int)s.OutputLength, FusedAttention.ScratchLength(s, Threads));
                    var node = Node("Attention", "X", "X", "X");
                    node.Attribute.Add(new AttributeProto { Name = "is_causal", Type = AttributeProto.Types.AttributeType.Int, I = causal ? 1 : 0 });
                    node.Attribute.Add(new AttributeProto { Name = "scale", Type = AttributeProto.Types.AttributeType.Float, F = 0.125f });
                    _ort = Session(node, [1, 8, seq, 64], [1, 8, seq, 64], 24);
                    _engine = () => Pin((x, p, y, scr) => FusedAttention.Run(s, x, x, x, null, null, y, scr, Threads));
                    break;
                }
            default:
                {
                    bool lstm = parts[0] == "lstm";
                    var s = new RecurrentShape(lstm ? RecurrentCell.Lstm : RecurrentCell.Gru, 32, 4, 128, 128);
                    int gh = s.GH;
                    var w = Check.Random(gh * 128, 2);
                    var r = Check.Random(gh * 128, 3);
                    var b = Check.Random(2 * gh, 4);
                    for (int i = 0; i < w.Length; i++) (w[i], r[i]) = (w[i] * 0.1f, r[i] * 0.1f);
                    _x = Check.Random(32 * 4 * 128, 1);
                    _packed = Recurrent.PackWeights(s, w, r, b, default);
                    Alloc(32 * 4 * 128, Recurrent.ScratchLength(s, Threads));
                    var node = Node(lstm ? "LSTM" : "GRU", "X", "W", "R", "B");
                    node.Attribute.Add(new AttributeProto { Name = "hidden_size", Type = AttributeProto.Types.AttributeType.Int, I = 128 });
                    _ort = Session(node, [32, 4, 128], [32, 1, 4, 128], Init("W", w, 1, gh, 128), Init("R", r, 1, gh, 128), Init("B", b, 1, 2 * gh));
                    _engine = () => Pin((x, p, y, scr) => Recurrent.Run(s, x, p, null, null, null, y, null, null, scr, Threads));
                    break;
                }
        }
        Engine();
        Ort();
        Check.Same(Case, _yOrt, _y);
    }

    private void Alloc(int outLen, long scratch)
    {
        _y = new float[outLen];
        _yOrt = new float[outLen];
        _scratch = new float[Math.Max(1, scratch)];
        if (_bias.Length == 0) _bias = new float[1];
        _pins = [GCHandle.Alloc(_x, GCHandleType.Pinned), GCHandle.Alloc(_packed.Length == 0 ? new float[1] : _packed, GCHandleType.Pinned),
            GCHandle.Alloc(_y, GCHandleType.Pinned), GCHandle.Alloc(_scratch, GCHandleType.Pinned), GCHandle.Alloc(_bias, GCHandleType.Pinned)];
    }

    private delegate void Kernel(float* x, float* packed, float* y, float* scratch);

    private void Pin(Kernel k) => k((float*)_pins[0].AddrOfPinnedObject(), (float*)_pins[1].AddrOfPinnedObject(),
        (float*)_pins[2].AddrOfPinnedObject(), (float*)_pins[3].AddrOfPinnedObject());

    [GlobalCleanup]
    public void Cleanup()
    {
        _ort?.Dispose();
        foreach (var p in _pins) p.Free();
    }

    [Benchmark(Baseline = true)]
    public void Ort() => _ort!.Run();

    [Benchmark]
    public void Engine() => _engine();

    /// <summary>Stopwatch medians, ORT and Engine alternating per case.</summary>
    public static void Quick()
    {
        foreach (int threads in new[] { 1, 2 })
            foreach (var c in Cases)
            {
                var b = new SequenceKernelBenchmarks { Case = c, Threads = threads };
                b.Setup();
                double o = 0, e = 0;
                for (int round = 0; round < 3; round++)
                {
                    o += Median(b.Ort);
                    e += Median(b.Engine);
                }
                Console.WriteLine($"{c,-32} t={threads}  ort {o / 3,9:F1} us  engine {e / 3,9:F1} us  ratio {e / o:F2}");
                b.Cleanup();
            }
    }

    private static double Median(Action a)
    {
        // Long enough for tiered JIT to reach the optimized code of everything called (slow on a loaded machine).
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 400) a();
        var times = new double[11];
        for (int i = 0; i < times.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            a();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static NodeProto Node(string op, params string[] inputs)
    {
        var n = new NodeProto { OpType = op, Name = "n" };
        n.Input.AddRange(inputs);
        n.Output.Add("Y");
        return n;
    }

    private OrtSession Session(NodeProto node, int[] x, int[] y, params TensorProto[] inits) => Session(node, x, y, 21, inits);

    private OrtSession Session(NodeProto node, int[] x, int[] y, int opset, params TensorProto[] inits)
    {
        var g = new GraphProto { Name = "op" };
        g.Input.Add(Info("X", x));
        g.Initializer.AddRange(inits);
        g.Node.Add(node);
        g.Output.Add(Info("Y", y));
        var model = new ModelProto { IrVersion = 10, ProducerName = "Engine.Bench", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return new OrtSession(model.ToByteArray(), Threads, _x, x.Select(d => (long)d).ToArray(), _yOrt, y.Select(d => (long)d).ToArray());
    }

    private static ValueInfoProto Info(string name, int[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Init(string name, float[] data, params int[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())) };
        t.Dims.AddRange(dims.Select(d => (long)d));
        return t;
    }

    private static AttributeProto Ints(string name, params int[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values.Select(v => (long)v));
        return a;
    }
}
