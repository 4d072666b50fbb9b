namespace Engine.Cli.Commands.Demo;

/// <summary>
/// One row of the demo's final table: a model variant (fp32 today; int8 and pruned variants add rows)
/// measured the same way — its ONNX file, test accuracy of our compiled code and of ONNX Runtime on that
/// file, batch-1 latency medians of both measured alternately in one loop, and its sizes.
/// </summary>
internal sealed record DemoVariant(
    string Name,
    string OnnxPath,
    double EngineAccuracy,
    double OrtAccuracy,
    double ArgmaxAgreement,
    double EngineMicros,
    double OrtMicros,
    long OnnxBytes,
    long WeightBytes,
    int Fallbacks)
{
    public double Ratio => EngineMicros / OrtMicros;
}
