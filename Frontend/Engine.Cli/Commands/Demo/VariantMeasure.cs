using System.Diagnostics;
using Engine.Codegen;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;
using Engine.Training;

namespace Engine.Cli.Commands.Demo;

/// <summary>
/// Measures a model variant from its ONNX file the way a user would meet it: imported, optimized at O3 for
/// batch 1 and compiled by the Roslyn backend; the same file loaded by ONNX Runtime. Both classify the whole
/// test set (accuracy, argmax agreement) and are timed alternately in one loop (median batch-1 latency).
/// </summary>
internal static class VariantMeasure
{
    public static DemoVariant Measure(string name, string onnxPath, Dataset test, int threads, int latencyIters)
    {
        var model = new OnnxImporter().Load(onnxPath);
        var graph = model.Graph;
        long weightBytes = graph.Initializers.Values.Sum(t => (long)t.Length * DataTypes.Size(t.Type));
        if (graph.Inputs.Count != 1) throw new EngineException($"demo: {onnxPath} has {graph.Inputs.Count} inputs, expected 1");
        string inputName = graph.Inputs[0].Name;
        int[] one = [1, .. test.SampleShape];
        PassManager.Run(graph, Pipelines.ForLevel(3, new Dictionary<string, int[]> { [inputName] = one }), new PassContext());
        using var compiled = CompiledModel.Compile(graph, new CodegenOptions { Threads = threads });
        var x = Tensor.Zeros(DataType.Float, one);
        var logits = Tensor.Zeros(compiled.Outputs[0].Type, (int[])compiled.Outputs[0].Shape.Clone());
        Tensor[] ins = [x], outs = [logits];
        using var ort = new BenchOrt(File.ReadAllBytes(onnxPath), threads, new Dictionary<string, Tensor> { [inputName] = x });

        int size = test.SampleSize, classes = test.Classes;
        var enginePred = new int[test.Count];
        for (int n = 0; n < test.Count; n++)
        {
            test.Features.AsSpan(n * size, size).CopyTo(x.Span<float>());
            compiled.Run(ins, outs);
            enginePred[n] = ArgMax(logits.Span<float>());
        }
        var ortPred = new int[test.Count];
        const int chunk = 500;
        for (int start = 0; start < test.Count; start += chunk)
        {
            int count = Math.Min(chunk, test.Count - start);
            var batch = new Tensor(DataType.Float, [count, .. test.SampleShape], test.Features.AsSpan(start * size, count * size).ToArray());
            var y = ort.Infer(new Dictionary<string, Tensor> { [inputName] = batch });
            for (int i = 0; i < count; i++) ortPred[start + i] = ArgMax(y.AsSpan(i * classes, classes));
        }

        // Latency on one real test image, engine and ORT alternating so machine noise hits both alike.
        test.Features.AsSpan(0, size).CopyTo(x.Span<float>());
        // Warm up for at least half a second as well: .NET promotes hot methods to optimized code only after
        // a short quiet period, so a count-only warm-up of a 20 µs model would time tier-0 code.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < Math.Max(20, latencyIters / 10) || warm.ElapsedMilliseconds < 500; i++)
        {
            compiled.Run(ins, outs);
            ort.Run();
        }
        var te = new double[latencyIters];
        var to = new double[latencyIters];
        for (int i = 0; i < latencyIters; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            compiled.Run(ins, outs);
            te[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            t0 = Stopwatch.GetTimestamp();
            ort.Run();
            to[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        int engineRight = 0, ortRight = 0, agree = 0;
        for (int n = 0; n < test.Count; n++)
        {
            engineRight += enginePred[n] == test.Labels[n] ? 1 : 0;
            ortRight += ortPred[n] == test.Labels[n] ? 1 : 0;
            agree += enginePred[n] == ortPred[n] ? 1 : 0;
        }
        double total = Math.Max(1, test.Count);
        return new DemoVariant(name, onnxPath, engineRight / total, ortRight / total, agree / total, Median(te), Median(to),
            new FileInfo(onnxPath).Length, weightBytes, compiled.Report.Fallbacks.Count);
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }

    private static double Median(double[] t)
    {
        var s = (double[])t.Clone();
        Array.Sort(s);
        return s[s.Length / 2];
    }
}
