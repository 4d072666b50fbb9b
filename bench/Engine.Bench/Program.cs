using System.Diagnostics;
using BenchmarkDotNet.Running;

namespace Engine.Bench;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--probe")
        {
            ProbeGemm();
            Probe();
            return;
        }
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

    private static void Probe()
    {
        foreach (var s in new[] { new Engine.Runtime.Compute.Conv2DShape(1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1), new Engine.Runtime.Compute.Conv2DShape(1, 576, 56, 56, 64, 1, 1), new Engine.Runtime.Compute.Conv2DShape(1, 64, 58, 58, 64, 3, 3), new Engine.Runtime.Compute.Conv2DShape(1, 576, 56, 56, 1, 1, 1), new Engine.Runtime.Compute.Conv2DShape(1, 64, 56, 56, 1, 3, 3, 1, 1, 1, 1, 1, 1) })
        {
            var x = Check.Random(s.InputLength, 1);
            var w = Engine.Runtime.Compute.Conv2D.PackWeights(Check.Random(s.WeightLength, 2), s);
            var y = new float[s.OutputLength];
            var scr = new float[Engine.Runtime.Compute.Conv2D.ScratchLength(s, 1)];
            double t = Median(() => Engine.Runtime.Compute.Conv2D.Run(s, x, w, y, default, default, default, scr, 1));
            Console.WriteLine($"probe {s.KH}x{s.KW} C={s.C} M={s.M}: {t:F1} us");
        }
    }

    private static void ProbeGemm()
    {
        foreach (var (m, n, k) in new[] { (64, 3136, 576), (3136, 64, 576), (512, 512, 512), (64, 3136, 512), (96, 3136, 576) })
        {
            var a = Check.Random(m * k, 1);
            var b = Engine.Runtime.Compute.PackedGemm.PackB(Check.Random(k * n, 2), k, n);
            var c = new float[m * n];
            double t = Median(() => Engine.Runtime.Compute.PackedGemm.Run(m, n, k, a, k, false, b, c, n));
            Console.WriteLine($"gemm {m}x{n}x{k}: {t:F1} us {2.0 * m * n * k / t / 1e3:F1} GFLOP/s");
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
