using Engine.Builder;
using Engine.Builder.Data;
using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;
using Engine.Training;
using Google.Protobuf;

namespace Engine.Tests.Passes.Quantization;

/// <summary>A small CNN trained on the carried digits (as [1, 8, 8] images), shared by the quantization tests.</summary>
internal static class QuantizationKit
{
    private static readonly Lazy<(byte[] Onnx, Dataset Train, Dataset Test)> Trained = new(Train);

    public static byte[] OnnxBytes => Trained.Value.Onnx;

    public static Dataset TrainSet => Trained.Value.Train;

    public static Dataset TestSet => Trained.Value.Test;

    /// <summary>A fresh import of the trained fp32 model (the way a user's ONNX file arrives).</summary>
    public static Graph.Graph Import() => new OnnxImporter().Import(Engine.Onnx.Proto.ModelProto.Parser.ParseFrom(OnnxBytes), "digits-cnn").Graph;

    public static List<IReadOnlyDictionary<string, Tensor>> Calibration(int samples = 256, int batch = 64)
    {
        var list = new List<IReadOnlyDictionary<string, Tensor>>();
        var d = TrainSet;
        for (int start = 0; start + batch <= Math.Min(samples, d.Count); start += batch)
            list.Add(new Dictionary<string, Tensor> { ["x"] = new Tensor(DataType.Float, [batch, 1, 8, 8], d.Features.AsSpan(start * 64, batch * 64).ToArray()) });
        return list;
    }

    public static Tensor TestBatch() => new(DataType.Float, [TestSet.Count, 1, 8, 8], TestSet.Features);

    public static int[] ArgMax(Tensor logits)
    {
        int rows = logits.Shape[0], cols = logits.Shape[1];
        var v = logits.As<float>();
        return Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, cols).MaxBy(c => v[r * cols + c])).ToArray();
    }

    public static double Accuracy(int[] predictions) => (double)predictions.Where((p, i) => p == TestSet.Labels[i]).Count() / predictions.Length;

    public static Tensor Logits(Graph.Graph g) => new ReferenceExecutor(g).Run(new Dictionary<string, Tensor> { ["x"] = TestBatch() }).Values.First();

    private static (byte[], Dataset, Dataset) Train()
    {
        var all = Datasets.Digits();
        var images = new Dataset("digits-8x8", all.Features, [1, 8, 8], all.Labels, 10);
        var (test, train) = images.Split(0.2, new Rng(5));
        var model = new Sequential([1, 8, 8], "digits_cnn")
            .Add(new Conv2D(8, 3, padding: 1, activation: "relu"))
            .Add(new MaxPool2D(2))
            .Add(new Conv2D(16, 3, padding: 1, activation: "relu"))
            .Add(new Flatten())
            .Add(new Dense(32, "relu"))
            .Add(new Dense(10));
        using var t = new ModelTraining(model, [1, 8, 8], 10, new TrainConfig { Epochs = 6, BatchSize = 32, Seed = 2, Lr = 0.003 });
        t.Fit(train);
        var onnx = OnnxExporter.Export(t.Trainer.InferenceGraph(Dim.Sym("N"))).ToByteArray();
        return (onnx, train, test);
    }
}
