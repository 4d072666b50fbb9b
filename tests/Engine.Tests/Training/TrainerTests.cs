using Engine.Builder.Zoo;
using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;
using Engine.Tests.Support;
using Engine.Training;
using Google.Protobuf;

namespace Engine.Tests.Training;

/// <summary>
/// The loop end to end on the digits: the accuracy bar, compiled vs reference step, bitwise
/// reproducibility, exact resume from a checkpoint, early stopping, ONNX export checked in ORT.
/// </summary>
public class TrainerTests
{
    private static readonly Lazy<Dataset> Digits = new(() => DatasetRegistry.Load("digits", Paths.SharedPath("datasets")));

    private static (Dataset Train, Dataset Test) Split(int seed = 0)
    {
        var (test, train) = Digits.Value.Split(0.2, new Rng((ulong)seed));
        return (train, test);
    }

    private static Trainer NewTrainer(TrainConfig config) => new(ZooRegistration.Definition("mlp"), [64], 10, config);

    [Fact]
    public void MlpWithAdamReachesNinetySevenPercentOnDigits()
    {
        var (train, test) = Split();
        using var trainer = NewTrainer(new TrainConfig { Epochs = 20, BatchSize = 32, Optimizer = Optimizer.Adam(), Lr = 0.002 });
        var losses = new List<double>();
        trainer.Fit(train, null, r => losses.Add(r.TrainLoss));
        var m = trainer.Evaluate(test);
        Assert.True(m.Accuracy >= 0.97, $"test accuracy {m.Accuracy:0.0000} is below the 0.97 bar");
        Assert.True(losses[^1] < losses[0] / 10, $"loss went from {losses[0]} to {losses[^1]}");
    }

    [Fact]
    public void CompiledStepFollowsTheReferenceLossCurve()
    {
        var (train, _) = Split();
        var config = new TrainConfig { Epochs = 3, BatchSize = 32, Optimizer = Optimizer.Adam() };
        using var reference = NewTrainer(config);
        using var compiled = NewTrainer(config with { Backend = StepBackend.Compiled });
        var order = new Rng(5).Permutation(train.Count);
        double worst = 0;
        for (int s = 0; s < 100; s++)
        {
            int start = s * 32 % (train.Count - 32);
            var (x, y) = train.Batch(order.AsSpan(start, 32));
            var batch = new Dictionary<string, Tensor> { ["x"] = x, ["y"] = y };
            double a = reference.Step.Run(batch, 1e-3).Loss, b = compiled.Step.Run(batch, 1e-3).Loss;
            worst = Math.Max(worst, Math.Abs(a - b));
        }
        Assert.True(worst <= 1e-4, $"compiled and reference losses differ by {worst:E2}");
        Assert.Contains(compiled.Step.Graph.Graph.Nodes, n => n.OpType == "AdamUpdate" || n.OpType == "Fused");
    }

    [Fact]
    public void SameSeedGivesBitwiseIdenticalWeights()
    {
        var (train, _) = Split();
        var small = train.Subset(Enumerable.Range(0, 256).ToArray());
        var config = new TrainConfig { Epochs = 2, BatchSize = 32, Seed = 3, Threads = 2, Optimizer = Optimizer.Nadam() };
        using var a = NewTrainer(config);
        using var b = NewTrainer(config);
        using var c = NewTrainer(config with { Seed = 4 });
        a.Fit(small, null);
        b.Fit(small, null);
        c.Fit(small, null);
        foreach (var name in a.Step.Graph.StateNames)
            Assert.Equal(a.Step.State.Tensors[name].ToRawBytes(), b.Step.State.Tensors[name].ToRawBytes());
        Assert.NotEqual(a.Weights["dense.kernel"].ToRawBytes(), c.Weights["dense.kernel"].ToRawBytes());
    }

    [Fact]
    public void CheckpointResumesBitwiseExactly()
    {
        var (train, test) = Split();
        var small = train.Subset(Enumerable.Range(0, 320).ToArray());
        var valid = test.Subset(Enumerable.Range(0, 100).ToArray());
        var config = new TrainConfig { Epochs = 3, BatchSize = 32, Seed = 9, Patience = 10, Optimizer = Optimizer.Adam(), Schedule = new CosineSchedule() };
        using var straight = NewTrainer(config);
        straight.Fit(small, valid);

        var path = Path.Combine(Path.GetTempPath(), $"engine-ckpt-{Guid.NewGuid():N}.bin");
        try
        {
            using (var first = NewTrainer(config))
            {
                first.RunEpoch(small, valid);
                Checkpoint.Save(first, path);
            }
            using var resumed = NewTrainer(config);
            Checkpoint.Load(resumed, path);
            Assert.Equal(1, resumed.Epoch);
            resumed.Fit(small, valid);
            Assert.Equal(straight.Step.State.Step, resumed.Step.State.Step);
            foreach (var name in straight.Step.Graph.StateNames)
                Assert.Equal(straight.Step.State.Tensors[name].ToRawBytes(), resumed.Step.State.Tensors[name].ToRawBytes());
            Assert.Equal(straight.BestValidLoss, resumed.BestValidLoss);

            using var other = new Trainer(ZooRegistration.Definition("mlp"), [64], 10, config with { Optimizer = Optimizer.Sgd() });
            Assert.Contains("optimizer 'adam'", Assert.Throws<EngineException>(() => Checkpoint.Load(other, path)).Message);
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);
            Assert.Contains("truncated", Assert.Throws<EngineException>(() => Checkpoint.Load(resumed, path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        var (train, test) = Split();
        // 64 training samples and a high learning rate overfit quickly, so the validation loss turns up.
        var tiny = train.Subset(Enumerable.Range(0, 64).ToArray());
        var valid = test.Subset(Enumerable.Range(0, 200).ToArray());
        using var trainer = NewTrainer(new TrainConfig { Epochs = 200, BatchSize = 32, Patience = 3, Optimizer = Optimizer.Adam(), Lr = 0.01 });
        var reports = new List<EpochReport>();
        trainer.Fit(tiny, valid, reports.Add);
        Assert.True(trainer.Stopped, "the validation loss never stopped improving");
        Assert.Equal(trainer.BestEpoch + 3, trainer.Epoch);
        Assert.Equal(reports.Min(r => r.ValidLoss!.Value), trainer.BestValidLoss);
        var logits = trainer.Predict(valid);
        Assert.Equal(trainer.BestValidLoss, ClassificationMetrics.CrossEntropy(logits, valid.Labels), 12);
    }

    [Fact]
    public void ExportedModelGivesTheSamePredictionsInOnnxRuntime()
    {
        var (train, test) = Split();
        using var trainer = NewTrainer(new TrainConfig { Epochs = 3, BatchSize = 32, Optimizer = Optimizer.Adam(), Lr = 0.002 });
        trainer.Fit(train, null);
        var bytes = OnnxExporter.Export(trainer.InferenceGraph(Dim.Sym("N"))).ToByteArray();
        var x = test.All().X;
        var ort = OrtRunner.Run(bytes, new Dictionary<string, Tensor> { ["x"] = x })["logits"];
        var ours = trainer.Predict(test);
        Assert.Equal(ClassificationMetrics.ArgMax(ours), ClassificationMetrics.ArgMax(ort));
        var (a, b) = (ours.As<float>(), ort.As<float>());
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * (1 + Math.Abs(a[i])), $"logit {i}: {a[i]} vs ORT {b[i]}");
    }
}
