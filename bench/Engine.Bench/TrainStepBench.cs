using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engine.Runtime;
using Engine.Training;

namespace Engine.Bench;

/// <summary>
/// One training step (forward, softmax cross-entropy, backward, Adam update) of the 2-layer MLP
/// (784 → 128 → 10) and of LeNet-5 on 1×28×28 inputs, batch 64, at 1 and 2 threads: Engine's step
/// graph on the reference executor and compiled by the Roslyn backend, against PyTorch CPU timed by
/// bench/torch_train_step.py in a /usr/bin/python3 subprocess. Prints median milliseconds per step and
/// the ratio compiled ÷ torch. Usage: <c>--train-step [--models mlp,lenet5] [--steps N] [--torch-script PATH]</c>.
/// </summary>
public static class TrainStepBench
{
    private const int Batch = 64;

    public static void Run(string[] args)
    {
        var models = Arg(args, "--models", "mlp,lenet5").Split(',');
        int steps = int.Parse(Arg(args, "--steps", "30"), CultureInfo.InvariantCulture);
        string script = Arg(args, "--torch-script", Path.Combine("bench", "torch_train_step.py"));
        Console.WriteLine($"one training step, batch {Batch}, Adam; median of {steps} steps after warm-up; ms per step");
        Console.WriteLine($"{"model",-8} {"threads",7} {"torch",9} {"engine-ref",11} {"engine-cpu",11} {"cpu/torch",10}");
        foreach (var name in models)
        {
            foreach (int threads in new[] { 1, 2 })
            {
                double torch = Torch(script, name, threads, steps);
                double reference = Engine(name, threads, StepBackend.Reference, steps);
                double compiled = Engine(name, threads, StepBackend.Compiled, steps);
                string ratio = double.IsNaN(torch) ? "n/a" : (compiled / torch).ToString("F2", CultureInfo.InvariantCulture);
                Console.WriteLine($"{name,-8} {threads,7} {Ms(torch),9} {Ms(reference),11} {Ms(compiled),11} {ratio,10}");
            }
        }
    }

    private static double Engine(string modelName, int threads, StepBackend backend, int steps)
    {
        var model = global::Engine.Builder.Zoo.ZooRegistration.Definition(modelName);
        int[] sample = [1, 28, 28];
        var rng = new Rng(0);
        var weights = model.InitWeights(sample, 10, rng);
        var graph = Trainer.BuildStepGraph(model, sample, 10, Batch, weights, Optimizer.Adam());
        using var step = new TrainStep(graph, backend, threads);
        var x = new float[Batch * 784];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var y = Enumerable.Range(0, Batch).Select(_ => (long)rng.NextInt(10)).ToArray();
        var batch = new Dictionary<string, Tensor>
        {
            ["x"] = new Tensor(DataType.Float, [Batch, .. sample], x),
            ["y"] = Tensor.FromArray(y, Batch),
        };
        return Median(() => step.Run(batch, 1e-3), steps);
    }

    private static double Torch(string script, string model, int threads, int steps)
    {
        if (!File.Exists(script)) return double.NaN;
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, "--model", model, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--batch", Batch.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture)])
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
            Console.Error.WriteLine($"torch ({model}, {threads} threads) failed: {err.Trim().Split('\n')[^1]}");
            return double.NaN;
        }
        using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return doc.RootElement.GetProperty("median_ms").GetDouble();
    }

    private static double Median(Action a, int steps)
    {
        for (int i = 0; i < 5; i++) a();
        var times = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            a();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[steps / 2];
    }

    private static string Ms(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
