namespace Engine.Onnx.Conformance;

public enum ConformanceStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>The outcome of one test: status, reason, the op it is about, and how long it took.</summary>
public sealed record ConformanceResult(string Name, string Op, ConformanceStatus Status, string Reason, double Seconds);
