using System.Diagnostics;
using BenchmarkDotNet.Running;

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
        if (args.Length > 0 && args[0] == "--quick-sequence") { SequenceKernelBenchmarks.Quick(); return; }
        if (args.Length > 0 && args[0] == "--quick")
        {
            Quick();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    /// <summary>A stopwatch sanity run (median of a few calls per case) for quick iteration; the numbers to quote come from BenchmarkDotNet.</summary>
    private static void Quick()
    {
        foreach (int threads in new[] { 1, 2 })
        {
            foreach (int size in new[] { 256, 512, 1024 })
            {
                var g = new GemmBenchmarks { Size = size, Threads = threads };
                g.Setup();
                Report($"gemm {size} t={threads}", g.Ort, g.Engine, 2.0 * size * size * size);
                g.Cleanup();
            }
            foreach (var c in ConvBenchmarks.Cases)
            {
                var b = new ConvBenchmarks { Case = c, Threads = threads };
                b.Setup();
                Report($"conv {c} t={threads}", b.Ort, b.Engine, 0);
                b.Cleanup();
            }
        }
    }

    private static void Report(string name, Action ort, Action engine, double flops)
    {
        double o = Median(ort), e = Median(engine);
        string gf = flops > 0 ? $"  engine {flops / e / 1e3:F1} GFLOP/s" : "";
        Console.WriteLine($"{name,-32} ort {o,9:F1} us  engine {e,9:F1} us  ratio {e / o:F2}{gf}");
    }

    private static double Median(Action a)
    {
        for (int i = 0; i < 5; i++) a();
        var times = new double[15];
        for (int i = 0; i < times.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            a();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }
}
