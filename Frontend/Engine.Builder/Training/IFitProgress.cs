using Engine.Training;

namespace Engine.Builder;

/// <summary>Receives <c>Fit</c>'s progress (the CLI draws a Spectre.Console bar from it).</summary>
public interface IFitProgress
{
    void EpochStarted(int epoch, int epochs, int samples);

    /// <summary>After each minibatch: samples seen so far in this epoch and the batch's loss.</summary>
    void BatchFinished(int samplesDone, double loss);

    void EpochFinished(EpochReport report, int samples);
}
