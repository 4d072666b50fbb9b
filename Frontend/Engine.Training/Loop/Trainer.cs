using System.Diagnostics;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>One epoch's figures: mean training loss, validation loss and metrics (when there is a validation set).</summary>
public sealed record EpochReport(int Epoch, double TrainLoss, double? ValidLoss, ClassificationMetrics? Valid, double Lr, double Seconds);

/// <summary>
/// The training loop of a classifier: seeded shuffling into fixed-size minibatches (the last partial
/// batch of an epoch is dropped so the step graph keeps static shapes; a new shuffle every epoch
/// covers it), the lr schedule, validation after every epoch, early stopping with patience that
/// restores the best weights, and checkpoints that resume bitwise exactly.
/// </summary>
public sealed class Trainer : IDisposable
{
    public const string InputName = "x";
    public const string LabelName = "y";
    public const string LossName = "loss";

    public Trainer(IModelDefinition model, int[] sampleShape, int classes, TrainConfig config)
    {
        if (config.BatchSize < 1) throw new EngineException($"train: batch size must be ≥ 1, got {config.BatchSize}");
        if (config.Epochs < 0) throw new EngineException($"train: epochs must be ≥ 0, got {config.Epochs}");
        Model = model;
        SampleShape = sampleShape;
        Classes = classes;
        Config = config;
        var weights = model.InitWeights(sampleShape, classes, new Rng(SeedStream(config.Seed, 1)));
        _initialWeights = new Dictionary<string, Tensor>(weights, StringComparer.Ordinal);
        ShuffleRng = new Rng(SeedStream(config.Seed, 2));
        Step = new TrainStep(BuildStepGraph(model, sampleShape, classes, config.BatchSize, weights, config.Optimizer, config.Options),
            config.Backend, config.Threads, config.Seed);
    }

    private readonly Dictionary<string, Tensor> _initialWeights;

    public IModelDefinition Model { get; }

    public int[] SampleShape { get; }

    public int Classes { get; }

    public TrainConfig Config { get; }

    public TrainStep Step { get; }

    public Rng ShuffleRng { get; }

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; internal set; }

    public double BestValidLoss { get; internal set; } = double.PositiveInfinity;

    public int BestEpoch { get; internal set; }

    public int EpochsWithoutImprovement { get; internal set; }

    /// <summary>The parameters at the best validation loss so far (early stopping restores them).</summary>
    public Dictionary<string, Tensor>? BestWeights { get; internal set; }

    public bool Stopped { get; internal set; }

    /// <summary>Called after every minibatch with the samples done so far in the epoch and the batch's loss (progress bars).</summary>
    public Action<int, double>? BatchFinished { get; set; }

    /// <summary>
    /// Every weight of the model by name: the trained parameters and the buffers (running statistics) as the step
    /// left them, and frozen weights as they started (the inference graph and exports need all of them).
    /// </summary>
    public Dictionary<string, Tensor> Weights
    {
        get
        {
            var result = new Dictionary<string, Tensor>(_initialWeights, StringComparer.Ordinal);
            foreach (var (name, t) in Step.State.Tensors)
            {
                if (result.ContainsKey(name)) result[name] = t;
            }
            return result;
        }
    }

    /// <summary>
    /// The train-step graph of a classifier: the model's forward graph in training mode, mean softmax
    /// cross-entropy against int64 labels "y" [batch], backward and updates.
    /// </summary>
    public static TrainStepGraph BuildStepGraph(IModelDefinition model, int[] sampleShape, int classes, int batch,
        IReadOnlyDictionary<string, Tensor> weights, Optimizer optimizer, TrainOptions? options = null)
    {
        var mg = model.Forward(Dim.Of(batch), sampleShape, classes, weights, training: true);
        var g = mg.Graph;
        var labels = g.AddInput(LabelName, TensorType.Of(DataType.Int64, batch));
        var b = new GraphBuilder(g, "loss");
        var loss = b.Op("ai.engine::SoftmaxCrossEntropyLoss", mg.Logits, labels);
        loss.Name = LossName;
        g.Outputs.Clear();
        g.Outputs.Add(loss);
        return TrainStepGraph.Build(new TrainSpec
        {
            Graph = g,
            Loss = loss,
            Buffers = mg.Buffers ?? [],
            Frozen = mg.Frozen ?? new HashSet<string>(StringComparer.Ordinal),
        }, optimizer, options);
    }

    /// <summary>Trains until <see cref="TrainConfig.Epochs"/> epochs are done or early stopping ends the run.</summary>
    public void Fit(Dataset train, Dataset? valid, Action<EpochReport>? onEpoch = null)
    {
        while (Epoch < Config.Epochs && !Stopped)
        {
            // Not onEpoch?.Invoke(RunEpoch(…)): a null callback would skip evaluating the epoch itself.
            var report = RunEpoch(train, valid);
            onEpoch?.Invoke(report);
        }
        if (Stopped && BestWeights is not null) RestoreBest();
    }

    public EpochReport RunEpoch(Dataset train, Dataset? valid)
    {
        int batch = Config.BatchSize;
        int steps = train.Count / batch;
        if (steps == 0) throw new EngineException($"train: {train.Count} training samples do not fill one batch of {batch}");
        var sw = Stopwatch.StartNew();
        var order = ShuffleRng.Permutation(train.Count);
        long total = (long)steps * Config.Epochs;
        double lossSum = 0, lr = 0;
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int s = 0; s < steps; s++)
        {
            lr = Config.Schedule.At(Config.BaseLr, new ScheduleClock(Step.State.Step, Epoch, steps, total));
            var (x, y) = train.Batch(order.AsSpan(s * batch, batch));
            inputs[InputName] = x;
            inputs[LabelName] = y;
            double loss = Step.Run(inputs, lr).Loss;
            if (!double.IsFinite(loss)) throw new EngineException($"train: loss became {loss} at step {Step.State.Step} (epoch {Epoch + 1}); lower the learning rate");
            lossSum += loss;
            BatchFinished?.Invoke((s + 1) * batch, loss);
        }
        Epoch++;
        double? validLoss = null;
        ClassificationMetrics? metrics = null;
        if (valid is not null && valid.Count > 0)
        {
            var logits = Predict(valid);
            validLoss = ClassificationMetrics.CrossEntropy(logits, valid.Labels);
            metrics = ClassificationMetrics.From(valid.Labels, ClassificationMetrics.ArgMax(logits), Classes);
            TrackBest(validLoss.Value);
        }
        return new EpochReport(Epoch, lossSum / steps, validLoss, metrics, lr, sw.Elapsed.TotalSeconds);
    }

    private void TrackBest(double validLoss)
    {
        if (Config.Patience is not { } patience) return;
        if (validLoss < BestValidLoss)
        {
            BestValidLoss = validLoss;
            BestEpoch = Epoch;
            BestWeights = Weights;
            EpochsWithoutImprovement = 0;
        }
        else if (++EpochsWithoutImprovement >= patience)
        {
            Stopped = true;
        }
    }

    /// <summary>Puts the best weights back (optimizer slots are left as they are: training is over).</summary>
    public void RestoreBest()
    {
        if (BestWeights is null) return;
        foreach (var (name, t) in BestWeights) Step.State.Tensors[name] = t;
    }

    /// <summary>Logits [n, classes] of the inference graph (training = false) with the current weights.</summary>
    public Tensor Predict(Dataset data)
    {
        var g = InferenceGraph(Dim.Of(data.Count));
        var exec = new ReferenceExecutor(g, Config.Threads, Config.Seed);
        return exec.Run(new Dictionary<string, Tensor> { [InputName] = data.All().X })[g.Outputs[0].Name];
    }

    public ClassificationMetrics Evaluate(Dataset data) =>
        ClassificationMetrics.From(data.Labels, ClassificationMetrics.ArgMax(Predict(data)), Classes);

    /// <summary>The inference graph (input "x", output "logits") with the current weights as initializers: what --save exports.</summary>
    public Graph.Graph InferenceGraph(Dim batch) => Model.Forward(batch, SampleShape, Classes, Weights, training: false).Graph;

    public void Dispose() => Step.Dispose();

    private static ulong SeedStream(int seed, int stream) => unchecked((ulong)SeedMix.ForStep(seed, stream) * 0x9E3779B97F4A7C15UL + (ulong)stream);
}
