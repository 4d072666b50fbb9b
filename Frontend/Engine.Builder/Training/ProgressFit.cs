using Engine.Training;

namespace Engine.Builder;

/// <summary>
/// Runs a <see cref="Trainer"/> under an <see cref="IFitProgress"/>: epoch start/finish and every
/// minibatch reach the progress display, in one place for <see cref="ModelTraining"/> and <c>engine train</c>.
/// </summary>
public static class ProgressFit
{
    public static void Fit(Trainer trainer, Dataset train, Dataset? valid, IFitProgress? progress, Action<EpochReport>? onEpoch = null)
    {
        int epochs = trainer.Config.Epochs;
        if (trainer.Epoch < epochs) progress?.EpochStarted(trainer.Epoch + 1, epochs, train.Count);
        trainer.BatchFinished = progress is null ? null : progress.BatchFinished;
        try
        {
            trainer.Fit(train, valid, r =>
            {
                progress?.EpochFinished(r, train.Count);
                onEpoch?.Invoke(r);
                if (r.Epoch < epochs && !trainer.Stopped) progress?.EpochStarted(r.Epoch + 1, epochs, train.Count);
            });
        }
        finally
        {
            trainer.BatchFinished = null;
        }
    }
}
