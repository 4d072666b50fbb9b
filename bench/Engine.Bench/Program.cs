using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Engine.Bench;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--train-step")
        {
            TrainStepBench.Run(args[1..]);
            return;
        }
        if (args.Length > 0 && args[0] == "--train-epoch")
        {
            TrainEpochBench.Run(args[1..]);
            return;
        }
        if (args.Length > 0 && args[0] == "--quick-sequence") { SequenceKernelBenchmarks.Quick(); return; }
        if (args.Length > 0 && args[0] == "--quick")
        {
            Quick(args.Length > 1 ? args[1] : "");
            return;
        }
        // Unless a job is asked for, one short in-process job: the whole suite (GEMM sweep, convs, models at 1 and
        // 2 threads) finishes in minutes. Engine and ORT of one case run back to back in the same process.
        bool customJob = args.Any(a => a is "--job" or "-j" or "--inProcess" or "--runtimes" or "-r");
        var config = customJob
            ? DefaultConfig.Instance
            : DefaultConfig.Instance.AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(7)
                .WithMaxRelativeError(0.05).WithId("Short"));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    /// <summary>A stopwatch sanity run (median of a few calls per case) for quick iteration; the numbers to quote come from BenchmarkDotNet.</summary>
    private static void Quick(string filter)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            foreach (int size in new[] { 256, 512, 1024 })
            {
                if (!$"gemm {size} t={threads}".Contains(filter)) continue;
                var g = new GemmBenchmarks { Size = size, Threads = threads };
                g.Setup();
                Report($"gemm {size} t={threads}", g.Ort, g.Engine, 2.0 * size * size * size);
                g.Cleanup();
            }
            foreach (var name in ModelBenchmarks.Names)
            {
                if (!$"model {name} t={threads}".Contains(filter)) continue;
                using var pair = new ModelPair(name, threads);
                pair.CheckSame();
                Report($"model {name} t={threads}", pair.Ort, pair.Engine, 0);
            }
            foreach (var c in ConvBenchmarks.Cases)
            {
                if (!$"conv {c} t={threads}".Contains(filter)) continue;
                var b = new ConvBenchmarks { Case = c, Threads = threads };
                b.Setup();
                Report($"conv {c} t={threads}", b.Ort, b.Engine, 0);
                b.Cleanup();
            }
        }
    }

    private static void Report(string name, Action ort, Action engine, double flops)
    {
        // Warm up until tiered JIT settles, then alternate the two so machine load hits both alike.
        long w0 = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(w0).TotalMilliseconds < 400) { ort(); engine(); }
        const int Rounds = 31;
        var to = new double[Rounds];
        var te = new double[Rounds];
        for (int i = 0; i < Rounds; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ort();
            to[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            t0 = Stopwatch.GetTimestamp();
            engine();
            te[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        Array.Sort(to);
        Array.Sort(te);
        double o = to[Rounds / 2], e = te[Rounds / 2];
        string gf = flops > 0 ? $"  engine {flops / e / 1e3:F1} GFLOP/s" : "";
        Console.WriteLine($"{name,-32} ort {o,9:F1} us  engine {e,9:F1} us  ratio {e / o:F2}{gf}");
    }
}
