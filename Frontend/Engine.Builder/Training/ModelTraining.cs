using Engine.Runtime;
using Engine.Training;

namespace Engine.Builder;

/// <summary>
/// Keras-style <c>Fit</c>/<c>Evaluate</c>/<c>Predict</c> for builder models, on the training library's
/// loop (one compiled-or-interpreted train-step graph, seeded shuffling, schedules, early stopping).
/// Trained weights are written back into the model's parameters.
/// </summary>
public sealed class ModelTraining : IDisposable
{
    private readonly BuilderModelDefinition _definition;

    public ModelTraining(Model model, int[] sampleShape, int classes, TrainConfig config)
    {
        Model = model;
        var shape = sampleShape.Select(d => (long)d).ToArray();
        if (!model.Inputs[0].Shape.Skip(1).SequenceEqual(shape))
            throw new EngineException($"model '{model.Name}': data samples are {Tensor.ShapeString(sampleShape)} but the model takes {Tensor.ShapeString(model.Inputs[0].Shape.Skip(1).Select(d => (int)d).ToArray())}");
        _definition = new BuilderModelDefinition(model.Name, (_, _) => model, keepWeights: true);
        Trainer = new Trainer(_definition, sampleShape, classes, config);
    }

    public Model Model { get; }

    public Trainer Trainer { get; }

    public TrainingHistory History { get; } = new();

    /// <summary>Trains; after each epoch reports progress and, when <paramref name="checkpoint"/> is given, saves it and the training-curve PNG beside it.</summary>
    public TrainingHistory Fit(Dataset train, Dataset? valid = null, IFitProgress? progress = null, string? checkpoint = null)
    {
        ProgressFit.Fit(Trainer, train, valid, progress, r =>
        {
            History.Add(r);
            if (checkpoint is not null)
            {
                Checkpoint.Save(Trainer, checkpoint);
                History.SavePlot(Path.ChangeExtension(checkpoint, ".png"), $"{Model.Name}: training curve");
            }
        });
        WriteBack();
        return History;
    }

    public ClassificationMetrics Evaluate(Dataset data) => Trainer.Evaluate(data);

    /// <summary>Logits [n, classes] for every sample.</summary>
    public Tensor Predict(Dataset data) => Trainer.Predict(data);

    /// <summary>Copies the trained weights into the model's parameters (for export, compile, transfer).</summary>
    public void WriteBack()
    {
        var weights = Trainer.Weights;
        foreach (var p in Model.Parameters)
            if (weights.TryGetValue(p.Name, out var t)) p.Assign(t);
    }

    public void Dispose() => Trainer.Dispose();
}
