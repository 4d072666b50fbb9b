using Engine.Codegen;
using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Engine.Bench;

/// <summary>
/// One model loaded twice on the same inputs: compiled by Engine (optimized at level 3, Roslyn CPU backend) and
/// in ONNX Runtime (ORT_ENABLE_ALL, same intra-op threads, sequential), both writing into preallocated outputs.
/// The `light` CNN topologies carry ConstantOfShape weights: they are folded and replaced by random He-scaled
/// values first (1-D tensors such as BatchNormalization statistics are kept), and ORT gets that same graph.
/// </summary>
internal sealed class ModelPair : IDisposable
{
    public static readonly string SharedRoot = Environment.GetEnvironmentVariable("ENGINE_SHARED") ?? FindShared();

    /// <summary>Benchmark name → model file under ../shared.</summary>
    public static readonly Dictionary<string, string> Models = new()
    {
        ["mnist"] = "models/mnist/model.onnx",
        ["ultraface"] = "models/ultraface/model.onnx",
        ["resnet50"] = "onnx/other/light/light_resnet50.onnx",
        ["shufflenet"] = "onnx/other/light/light_shufflenet.onnx",
        ["squeezenet"] = "onnx/other/light/light_squeezenet.onnx",
    };

    private readonly CompiledModel _engine;
    private readonly Tensor[] _ins, _outs;
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly string[] _inputNames, _outputNames;
    private readonly OrtValue[] _ortIns, _ortOuts;

    public CodegenReport Report => _engine.Report;

    public ModelPair(string name, int threads)
    {
        string path = Path.Combine(SharedRoot, Models[name]);
        var model = new OnnxImporter().Load(path);
        var g = model.Graph;
        if (name is not ("mnist" or "ultraface"))
        {
            PassManager.Run(g, [new ShapeInference(null), new ConstantFolding()], new PassContext());
            Randomize(g);
        }
        byte[] bytes = OnnxExporter.Export(g).ToByteArray();
        var feeds = new Dictionary<string, Tensor>();
        var rng = new Random(7);
        foreach (var v in g.Inputs.Where(v => !g.IsInitializer(v)))
        {
            var t = Tensor.Zeros(DataType.Float, v.Type.StaticShape());
            var d = t.As<float>();
            for (int i = 0; i < d.Length; i++) d[i] = (float)rng.NextDouble();
            feeds[v.Name] = t;
        }
        PassManager.Run(g, Pipelines.ForLevel(3, feeds.ToDictionary(kv => kv.Key, kv => kv.Value.Shape)), new PassContext());
        _engine = CompiledModel.Compile(g, new CodegenOptions { Threads = threads });
        _ins = _engine.Inputs.Select(s => feeds[s.Name]).ToArray();
        _outs = _engine.Outputs.Select(s => Tensor.Zeros(s.Type, (int[])s.Shape.Clone())).ToArray();

        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _session = new InferenceSession(bytes, _options);
        _inputNames = _session.InputMetadata.Keys.ToArray();
        _ortIns = _inputNames.Select(n => OrtValue.CreateTensorValueFromMemory(feeds[n].As<float>(), feeds[n].Shape.Select(d => (long)d).ToArray())).ToArray();
        _outputNames = _engine.Outputs.Select(s => s.Name).ToArray();
        _ortOuts = _engine.Outputs.Select(s => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, s.Shape.Select(d => (long)d).ToArray())).ToArray();
    }

    public void Engine() => _engine.Run(_ins, _outs);

    public void Ort() => _session.Run(_run, _inputNames, _ortIns, _outputNames, _ortOuts);

    /// <summary>Both engines computed the same outputs (loose: random deep nets amplify rounding).</summary>
    public void CheckSame()
    {
        Engine();
        Ort();
        for (int k = 0; k < _outs.Length; k++)
            Check.Same(_outputNames[k], _ortOuts[k].GetTensorDataAsSpan<float>().ToArray(), _outs[k].As<float>());
    }

    private static void Randomize(Graph.Graph g)
    {
        var rng = new Random(3);
        foreach (var v in g.InitializerValues.ToList())
        {
            var t = g.InitializerData(v)!;
            if (t.Type != DataType.Float || t.Rank < 1) continue;
            var d = new float[t.Length];
            if (t.Rank == 1)
            {
                // Biases and BatchNormalization scale/bias/mean/variance: positive and near 1, so variances stay
                // valid and activations neither vanish into denormals (slow on both engines) nor blow up.
                for (int i = 0; i < d.Length; i++) d[i] = (float)(0.5 + rng.NextDouble());
            }
            else
            {
                long fanIn = t.Length / Math.Max(1, t.Shape[0]);
                float bound = (float)Math.Sqrt(6.0 / Math.Max(1, fanIn));
                for (int i = 0; i < d.Length; i++) d[i] = (float)(rng.NextDouble() * 2 - 1) * bound;
            }
            g.SetInitializer(v, Tensor.FromArray(d, t.Shape));
        }
    }

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "models"))) return candidate;
        }
        return "/work/shared";
    }

    public void Dispose()
    {
        _engine.Dispose();
        foreach (var v in _ortIns) v.Dispose();
        foreach (var v in _ortOuts) v.Dispose();
        _run.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}
