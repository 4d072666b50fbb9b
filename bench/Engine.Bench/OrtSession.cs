using Microsoft.ML.OnnxRuntime;

namespace Engine.Bench;

/// <summary>
/// An ORT session with its input and output bound once to our arrays, so a timed Run() measures the kernel,
/// not marshalling: ORT_ENABLE_ALL, the given intra-op threads, no inter-op parallelism.
/// </summary>
internal sealed class OrtSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly RunOptions _run = new();
    private readonly OrtValue _input, _output;
    private readonly string[] _inputNames = ["X"], _outputNames = ["Y"];
    private readonly OrtValue[] _inputs, _outputs;

    public OrtSession(byte[] model, int threads, float[] x, long[] xShape, float[] y, long[] yShape)
    {
        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _session = new InferenceSession(model, _options);
        _input = OrtValue.CreateTensorValueFromMemory(x, xShape);
        _output = OrtValue.CreateTensorValueFromMemory(y, yShape);
        _inputs = [_input];
        _outputs = [_output];
    }

    public void Run() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _run.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}
