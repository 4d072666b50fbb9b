using System.Diagnostics;
using System.Globalization;
using Engine.Builder;
using Engine.Training;
using Spectre.Console;

namespace Engine.Cli.Commands;

/// <summary>
/// Draws training progress with Spectre.Console: one bar per epoch with loss, samples/s and ETA,
/// then a line with the epoch's figures. Falls back to plain lines when the output is not a terminal.
/// </summary>
public sealed class SpectreFitProgress : IFitProgress
{
    private readonly ProgressContext? _ctx;
    private ProgressTask? _task;
    private readonly Stopwatch _clock = new();
    private readonly Func<EpochReport, int, string> _line;
    private int _epochs;
    private string _epochLabel = "";

    /// <param name="line">The finished epoch's line (default: loss, validation loss/accuracy, samples/s, seconds).</param>
    public SpectreFitProgress(ProgressContext? ctx, Func<EpochReport, int, string>? line = null)
    {
        _ctx = ctx;
        _line = line ?? DefaultLine;
    }

    /// <summary>Runs <paramref name="fit"/> under a live progress display (or plain lines when the output is redirected).</summary>
    public static void Run(Action<IFitProgress> fit, Func<EpochReport, int, string>? line = null)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            fit(new SpectreFitProgress(null, line));
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => fit(new SpectreFitProgress(ctx, line)));
    }

    public void EpochStarted(int epoch, int epochs, int samples)
    {
        _epochs = epochs;
        _clock.Restart();
        _epochLabel = $"epoch {epoch}/{epochs}";
        _task = _ctx?.AddTask(_epochLabel, maxValue: samples);
    }

    public void BatchFinished(int samplesDone, double loss)
    {
        if (_task is null) return;
        _task.Value = samplesDone;
        double rate = samplesDone / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
        _task.Description = Markup.Escape($"{_epochLabel} loss={F(loss)} {rate.ToString("0", CultureInfo.InvariantCulture)} samples/s");
    }

    public void EpochFinished(EpochReport r, int samples)
    {
        string line = _line(r, samples);
        if (_task is not null)
        {
            _task.Value = samples;
            _task.Description = Markup.Escape(line);
            _task.StopTask();
        }
        else
        {
            Console.WriteLine(line);
        }
    }

    private string DefaultLine(EpochReport r, int samples)
    {
        string line = $"epoch {r.Epoch,3}/{_epochs}  loss={F(r.TrainLoss)}";
        if (r.Valid is { } m) line += $"  val_loss={F(r.ValidLoss!.Value)}  val_accuracy={F(m.Accuracy)}";
        return line + $"  {(samples / Math.Max(1e-9, r.Seconds)).ToString("0", CultureInfo.InvariantCulture)} samples/s  {r.Seconds.ToString("0.0", CultureInfo.InvariantCulture)}s";
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
