namespace Engine.Training;

/// <summary>Everything that decides a training run (with the model and the data).</summary>
public sealed record TrainConfig
{
    public int Epochs { get; init; } = 20;

    public int BatchSize { get; init; } = 32;

    public Optimizer Optimizer { get; init; } = Optimizer.Adam();

    /// <summary>Base learning rate; null = the optimizer's default.</summary>
    public double? Lr { get; init; }

    public LrSchedule Schedule { get; init; } = new ConstantSchedule();

    public TrainOptions Options { get; init; } = new();

    public int Seed { get; init; }

    public int Threads { get; init; } = 1;

    public StepBackend Backend { get; init; } = StepBackend.Reference;

    /// <summary>Stop after this many epochs without a lower validation loss, and restore the best weights (null = never).</summary>
    public int? Patience { get; init; }

    public double BaseLr => Lr ?? Optimizer.DefaultLr;
}
