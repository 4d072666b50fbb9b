using Engine.Builder;
using Engine.Builder.Data;
using Engine.Training;
using Xunit;

namespace Engine.Tests.Builder;

public class FitTests
{
    private sealed class Recorder : IFitProgress
    {
        public List<string> Events { get; } = new();

        public void EpochStarted(int epoch, int epochs, int samples) => Events.Add($"start {epoch}/{epochs}");

        public List<int> Samples { get; } = new();

        public void BatchFinished(int samplesDone, double loss)
        {
            Assert.True(double.IsFinite(loss) && loss > 0, $"batch loss {loss}");
            Samples.Add(samplesDone);
        }

        public void EpochFinished(EpochReport report, int samples) => Events.Add($"end {report.Epoch}");
    }

    [Fact]
    public void Fit_trains_a_builder_mlp_on_digits_and_writes_plot_and_checkpoint()
    {
        var (train, test) = Datasets.Digits().Split(0.8, new Rng(3));
        var model = new Sequential([64]).Add(new Dense(32, "relu")).Add(new Dense(10));
        string dir = Directory.CreateTempSubdirectory("fit").FullName;
        try
        {
            var rec = new Recorder();
            using var t = new ModelTraining(model, [64], 10, new TrainConfig { Epochs = 4, BatchSize = 32, Seed = 1, Lr = 0.005 });
            var before = model.Parameters[0].Data!.As<float>().ToArray();
            var history = t.Fit(train, test, rec, Path.Combine(dir, "mlp.ckpt"));
            Assert.Equal(["start 1/4", "end 1", "start 2/4", "end 2", "start 3/4", "end 3", "start 4/4", "end 4"], rec.Events);
            // Every minibatch reaches the progress display: 4 epochs × ⌊train/32⌋ batches, counting samples up within each epoch.
            int steps = train.Count / 32;
            Assert.Equal(4 * steps, rec.Samples.Count);
            Assert.Equal(Enumerable.Range(1, steps).Select(s => s * 32), rec.Samples.Take(steps));
            Assert.True(history.Epochs[^1].TrainLoss < history.Epochs[0].TrainLoss);
            Assert.True(t.Evaluate(test).Accuracy > 0.9, $"accuracy {t.Evaluate(test).Accuracy}");
            Assert.NotEqual(before, model.Parameters[0].Data!.As<float>());
            Assert.True(new FileInfo(Path.Combine(dir, "mlp.png")).Length > 1000);
            Assert.True(File.Exists(Path.Combine(dir, "mlp.ckpt")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Fashion_mnist_comes_with_its_official_test_split()
    {
        Engine.Builder.Zoo.ZooRegistration.RegisterAll();
        var parts = DatasetRegistry.LoadParts("fashion-mnist", "unused");
        Assert.Equal(60_000, parts.Train.Count);
        Assert.Equal(10_000, parts.Test!.Count);
        Assert.Equal([1, 28, 28], parts.Test.SampleShape);
        Assert.Null(DatasetRegistry.LoadParts("digits", Datasets.FindDataDir()!).Test);
    }

    [Fact]
    public void Fit_updates_batchnorm_running_statistics_and_inference_uses_them()
    {
        var all = Datasets.Digits();
        var images = new Dataset("digits-8x8", all.Features, [1, 8, 8], all.Labels, 10);
        var (test, train) = images.Split(0.2, new Rng(3));
        var bn = new BatchNormalization();
        var model = new Sequential([1, 8, 8]).Add(new Conv2D(8, 3, padding: 1)).Add(bn).Add(new Activation("relu")).Add(new Flatten()).Add(new Dense(10));
        using var t = new ModelTraining(model, [1, 8, 8], 10, new TrainConfig { Epochs = 3, BatchSize = 32, Seed = 1, Lr = 0.01 });
        var buffers = model.Parameters.Where(p => p.IsBuffer).ToList();
        Assert.Equal(2, buffers.Count);
        t.Fit(train);
        // The running mean starts at 0 and the variance at 1; training moves both toward the batch statistics.
        var mean = buffers.Single(p => p.Data!.As<float>().Any(v => v != 0 && v != 1) && p.Name.Contains("mean", StringComparison.Ordinal)).Data!.As<float>();
        Assert.Contains(mean, v => Math.Abs(v) > 1e-3);
        var accuracy = t.Evaluate(test).Accuracy;
        Assert.True(accuracy > 0.85, $"accuracy {accuracy} with the trained running statistics");
    }

    [Fact]
    public void Frozen_layers_stay_bitwise_unchanged_while_the_head_trains()
    {
        var (train, _) = Datasets.Digits().Split(0.8, new Rng(3));
        var baseLayer = new Dense(32, "relu");
        var head = new Dense(10);
        var model = new Sequential([64]).Add(baseLayer).Add(head);
        model.Initialize(seed: 4);
        baseLayer.Trainable = false;
        var before = baseLayer.Parameters.Select(p => p.Data!.As<float>().ToArray()).ToList();
        var headBefore = head.Parameters[0].Data!.As<float>().ToArray();
        using var t = new ModelTraining(model, [64], 10, new TrainConfig { Epochs = 2, BatchSize = 32, Seed = 1, Lr = 0.01 });
        t.Fit(train);
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], baseLayer.Parameters[i].Data!.As<float>());
        Assert.NotEqual(headBefore, head.Parameters[0].Data!.As<float>());
    }

    [Fact]
    public void Fit_rejects_data_of_another_shape()
    {
        var model = new Sequential([10]).Add(new Dense(2));
        Assert.Throws<Engine.Runtime.EngineException>(() => new ModelTraining(model, [64], 10, new TrainConfig()));
    }
}
