using Engine.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace Engine.Cli.Commands;

/// <summary>
/// ONNX Runtime for <c>engine bench --compare-ort</c> and the demo's comparison: the ONLY file of the product that
/// uses ORT, and only there (the native library loads on first use). ORT_ENABLE_ALL, the given intra-op threads,
/// sequential execution; inputs bound once from our tensors and outputs preallocated, so a timed
/// <see cref="Run"/> measures inference like our preallocated-output Run does.
/// </summary>
internal sealed class BenchOrt : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly string[] _inputNames, _outputNames;
    private readonly OrtValue[] _inputs, _outputs;

    public BenchOrt(byte[] model, int threads, IReadOnlyDictionary<string, Tensor> feeds)
    {
        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            _session = new InferenceSession(model, _options);
        }
        catch (OnnxRuntimeException e)
        {
            _options.Dispose();
            throw new EngineException($"--compare-ort: ONNX Runtime cannot load the model: {e.Message.Split('\n')[0]}");
        }
        var names = _session.InputMetadata.Keys.ToList();
        _inputNames = names.Where(feeds.ContainsKey).ToArray();
        var missing = names.Where(n => !feeds.ContainsKey(n)).ToList();
        if (missing.Count > 0) throw new EngineException($"--compare-ort: no input for ORT's '{missing[0]}'");
        _inputs = _inputNames.Select(n => ToOrt(feeds[n])).ToArray();
        _outputNames = _session.OutputMetadata.Keys.ToArray();
        // Preallocated outputs of the shapes one warm-up run reports.
        using (var first = _session.Run(_run, _inputNames, _inputs, _outputNames))
        {
            _outputs = first.Select(v =>
            {
                var info = v.GetTensorTypeAndShape();
                return OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, info.ElementDataType, info.Shape);
            }).ToArray();
        }
    }

    public void Run() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

    /// <summary>One run on other inputs (any batch size the model allows): the first output's floats.</summary>
    public float[] Infer(IReadOnlyDictionary<string, Tensor> feeds)
    {
        var values = _inputNames.Select(n => ToOrt(feeds.TryGetValue(n, out var t) ? t : throw new EngineException($"ONNX Runtime: no input '{n}'"))).ToArray();
        try
        {
            using var results = _session.Run(_run, _inputNames, values, _outputNames);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static OrtValue ToOrt(Tensor t)
    {
        long[] shape = t.Shape.Select(d => (long)d).ToArray();
        return t.Type switch
        {
            DataType.Float => OrtValue.CreateTensorValueFromMemory(t.As<float>(), shape),
            DataType.Double => OrtValue.CreateTensorValueFromMemory(t.As<double>(), shape),
            DataType.Int64 => OrtValue.CreateTensorValueFromMemory(t.As<long>(), shape),
            DataType.Int32 => OrtValue.CreateTensorValueFromMemory(t.As<int>(), shape),
            DataType.UInt8 => OrtValue.CreateTensorValueFromMemory(t.As<byte>(), shape),
            DataType.Int8 => OrtValue.CreateTensorValueFromMemory(t.As<sbyte>(), shape),
            DataType.Bool => OrtValue.CreateTensorValueFromMemory(t.As<bool>(), shape),
            _ => throw new EngineException($"--compare-ort: {t.Type} inputs are not supported"),
        };
    }

    public void Dispose()
    {
        foreach (var v in _inputs) v.Dispose();
        foreach (var v in _outputs ?? []) v.Dispose();
        _run.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}
