using Engine.Runtime;
using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace Engine.Tests.Support;

/// <summary>Runs a serialized ONNX model in ONNX Runtime (the reference peer; tests only).</summary>
public static class OrtRunner
{
    public static Dictionary<string, Tensor> Run(byte[] model, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model, options);
        var names = inputs.Keys.ToArray();
        var values = names.Select(n => ToOrt(inputs[n])).ToArray();
        try
        {
            var outputNames = session.OutputNames.ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var map = new Dictionary<string, Tensor>();
            for (int i = 0; i < outputNames.Length; i++)
            {
                if (FromOrt(results[i]) is { } t) map[outputNames[i]] = t;
            }
            return map;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Element types this bridge converts.</summary>
    public static bool Supports(DataType t) => t is DataType.Float or DataType.Double or DataType.Int64 or DataType.Int32
        or DataType.Bool or DataType.UInt8 or DataType.Int8;

    private static OrtValue ToOrt(Tensor t)
    {
        var shape = t.Shape.Select(d => (long)d).ToArray();
        // Switch on the element type: the CLR lets an sbyte[] pass as a byte[] (and int[] as uint[]).
        return t.Type switch
        {
            DataType.Float => OrtValue.CreateTensorValueFromMemory(t.As<float>(), shape),
            DataType.Double => OrtValue.CreateTensorValueFromMemory(t.As<double>(), shape),
            DataType.Int64 => OrtValue.CreateTensorValueFromMemory(t.As<long>(), shape),
            DataType.Int32 => OrtValue.CreateTensorValueFromMemory(t.As<int>(), shape),
            DataType.Bool => OrtValue.CreateTensorValueFromMemory(t.As<bool>(), shape),
            DataType.UInt8 => OrtValue.CreateTensorValueFromMemory(t.As<byte>(), shape),
            DataType.Int8 => OrtValue.CreateTensorValueFromMemory(t.As<sbyte>(), shape),
            _ => throw new NotSupportedException($"ORT input of {t.Type}"),
        };
    }

    /// <summary>The output as our tensor, or null for element types this bridge does not convert.</summary>
    private static Tensor? FromOrt(OrtValue v)
    {
        var info = v.GetTensorTypeAndShape();
        var shape = info.Shape.Select(d => (int)d).ToArray();
        return info.ElementDataType switch
        {
            TensorElementType.Float => Tensor.FromArray(v.GetTensorDataAsSpan<float>().ToArray(), shape),
            TensorElementType.Double => Tensor.FromArray(v.GetTensorDataAsSpan<double>().ToArray(), shape),
            TensorElementType.Int64 => Tensor.FromArray(v.GetTensorDataAsSpan<long>().ToArray(), shape),
            TensorElementType.Int32 => Tensor.FromArray(v.GetTensorDataAsSpan<int>().ToArray(), shape),
            TensorElementType.Bool => Tensor.FromArray(v.GetTensorDataAsSpan<bool>().ToArray(), shape),
            TensorElementType.UInt8 => Tensor.FromArray(v.GetTensorDataAsSpan<byte>().ToArray(), shape),
            TensorElementType.Int8 => Tensor.FromArray(v.GetTensorDataAsSpan<sbyte>().ToArray(), shape),
            _ => null,
        };
    }
}
