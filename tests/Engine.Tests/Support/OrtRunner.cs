using Engine.Runtime;
using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace Engine.Tests.Support;

/// <summary>Runs a serialized ONNX model in ONNX Runtime (the reference peer; tests only).</summary>
public static class OrtRunner
{
    public static Dictionary<string, Tensor> Run(byte[] model, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var names = inputs.Keys.ToArray();
        var values = names.Select(n => ToOrt(inputs[n])).ToArray();
        try
        {
            var outputNames = session.OutputNames.ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var map = new Dictionary<string, Tensor>();
            for (int i = 0; i < outputNames.Length; i++) map[outputNames[i]] = FromOrt(results[i]);
            return map;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static OrtValue ToOrt(Tensor t)
    {
        var shape = t.Shape.Select(d => (long)d).ToArray();
        return t.Data switch
        {
            float[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            double[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            long[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            int[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            bool[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            byte[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            sbyte[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
            _ => throw new NotSupportedException($"ORT input of {t.Type}"),
        };
    }

    private static Tensor FromOrt(OrtValue v)
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
            var t => throw new NotSupportedException($"ORT output of {t}"),
        };
    }
}
