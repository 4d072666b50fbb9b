using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engine.Builder.Data;
using Engine.Training;

namespace Engine.Bench;

/// <summary>
/// One epoch of LeNet-5 (the zoo's) on Fashion-MNIST's 60,000 training images, batch 64, Adam, at 1 and 2
/// threads: Engine's compiled training step driven by <see cref="Trainer"/> against PyTorch CPU
/// (bench/torch_train_epoch.py in a /usr/bin/python3 subprocess). Compilation happens before the clock starts,
/// as PyTorch's setup does. Usage: <c>--train-epoch [--torch-script PATH]</c>.
/// </summary>
public static class TrainEpochBench
{
    private const int Batch = 64;

    public static void Run(string[] args)
    {
        int i = Array.IndexOf(args, "--torch-script");
        string script = i >= 0 && i + 1 < args.Length ? args[i + 1] : Path.Combine("bench", "torch_train_epoch.py");
        var (train, _) = Datasets.FashionMnist();
        Console.WriteLine($"one epoch of LeNet-5 on Fashion-MNIST ({train.Count} images), batch {Batch}, Adam; seconds");
        Console.WriteLine($"{"threads",7} {"torch",8} {"engine",8} {"engine/torch",13} {"torch loss",11} {"engine loss",12}");
        foreach (int threads in new[] { 1, 2 })
        {
            var (torchSeconds, torchLoss) = Torch(script, threads);
            var (engineSeconds, engineLoss) = Engine(train, threads);
            string ratio = double.IsNaN(torchSeconds) ? "n/a" : (engineSeconds / torchSeconds).ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine($"{threads,7} {S(torchSeconds),8} {S(engineSeconds),8} {ratio,13} {S(torchLoss),11} {S(engineLoss),12}");
        }
    }

    private static (double Seconds, double Loss) Engine(Dataset train, int threads)
    {
        var config = new TrainConfig { Epochs = 1, BatchSize = Batch, Optimizer = Optimizer.Adam(), Backend = StepBackend.Compiled, Threads = threads, Seed = 0 };
        using var trainer = new Trainer(global::Engine.Builder.Zoo.ZooRegistration.Definition("lenet5"), train.SampleShape, train.Classes, config);
        var sw = Stopwatch.StartNew();
        var report = trainer.RunEpoch(train, null);
        return (sw.Elapsed.TotalSeconds, report.TrainLoss);
    }

    private static (double Seconds, double Loss) Torch(string script, int threads)
    {
        if (!File.Exists(script)) return (double.NaN, double.NaN);
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--batch", Batch.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Console.Error.WriteLine($"torch ({threads} threads) failed: {err.Trim().Split('\n')[^1]} (bench/setup-torch.sh installs it)");
            return (double.NaN, double.NaN);
        }
        using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return (doc.RootElement.GetProperty("seconds").GetDouble(), doc.RootElement.GetProperty("loss").GetDouble());
    }

    private static string S(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F2", CultureInfo.InvariantCulture);
}
