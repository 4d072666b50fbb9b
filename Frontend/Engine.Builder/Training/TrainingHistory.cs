using System.Globalization;
using System.Text;
using Engine.Training;

namespace Engine.Builder;

/// <summary>Per-epoch figures of a <c>Fit</c> run, with the training-curve plot and a CSV dump.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochReport> _epochs = new();

    public IReadOnlyList<EpochReport> Epochs => _epochs;

    internal void Add(EpochReport r) => _epochs.Add(r);

    public EpochReport Last => _epochs.Count > 0 ? _epochs[^1] : throw new InvalidOperationException("no epoch has run");

    /// <summary>Loss (train, validation) and validation accuracy per epoch, as a PNG (ScottPlot).</summary>
    public void SavePlot(string path, string title = "training curve")
    {
        if (_epochs.Count == 0) return;
        var plot = new ScottPlot.Plot();
        double[] xs = _epochs.Select(e => (double)e.Epoch).ToArray();
        var train = plot.Add.Scatter(xs, _epochs.Select(e => e.TrainLoss).ToArray());
        train.LegendText = "train loss";
        if (_epochs.All(e => e.ValidLoss is not null))
        {
            var valid = plot.Add.Scatter(xs, _epochs.Select(e => e.ValidLoss!.Value).ToArray());
            valid.LegendText = "validation loss";
        }
        if (_epochs.All(e => e.Valid is not null))
        {
            var acc = plot.Add.Scatter(xs, _epochs.Select(e => e.Valid!.Accuracy).ToArray());
            acc.LegendText = "validation accuracy";
            acc.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "accuracy";
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.ShowLegend();
        string tmp = path + ".tmp.png";
        plot.SavePng(tmp, 800, 500);
        File.Move(tmp, path, overwrite: true);
    }

    public string ToCsv()
    {
        var sb = new StringBuilder("epoch,train_loss,valid_loss,valid_accuracy,lr,seconds\n");
        foreach (var e in _epochs)
            sb.Append(CultureInfo.InvariantCulture, $"{e.Epoch},{e.TrainLoss},{e.ValidLoss},{e.Valid?.Accuracy},{e.Lr},{e.Seconds}\n");
        return sb.ToString();
    }
}
