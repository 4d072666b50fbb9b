using CsCheck;
using Engine.Runtime;
using Engine.Tests.Ops.Loss;
using CheckCase = Engine.Tests.Autodiff.Nn.OpGradCheck.Case;

namespace Engine.Tests.Autodiff.Nn;

/// <summary>
/// Conv, ConvTranspose and pooling gradients against finite differences on random small geometries:
/// 1-D/2-D, odd sizes, stride, padding (explicit and auto_pad), dilation, groups and depthwise.
/// </summary>
public class ConvPoolGradientTests
{
    private sealed record Geometry(int Rank, int N, int Group, int Cg, int Mg, int[] K, int[] S, int[] D, int[] Pads, int[] X, string AutoPad, bool Bias)
    {
        public override string ToString() =>
            $"rank {Rank} N {N} group {Group} C/g {Cg} M/g {Mg} k [{string.Join(",", K)}] s [{string.Join(",", S)}] d [{string.Join(",", D)}] pads [{string.Join(",", Pads)}] x [{string.Join(",", X)}] auto_pad {AutoPad} bias {Bias}";
    }

    private static Geometry Random(int seed, bool allowAutoPad)
    {
        var rng = new Random(seed);
        int r = rng.Next(1, 3);
        int group = rng.Next(3) switch { 0 => 1, 1 => 2, _ => 3 };
        int cg = rng.Next(1, 3);
        int mg = rng.Next(3) == 0 ? 1 : rng.Next(1, 3);
        var k = Enumerable.Range(0, r).Select(_ => rng.Next(1, 4)).ToArray();
        var s = Enumerable.Range(0, r).Select(_ => rng.Next(1, 4)).ToArray();
        var d = Enumerable.Range(0, r).Select(_ => rng.Next(1, 3)).ToArray();
        var pads = Enumerable.Range(0, 2 * r).Select(i => rng.Next(0, Math.Min(3, (k[i % r] - 1) * d[i % r] + 1))).ToArray();
        var x = Enumerable.Range(0, r).Select(i => (k[i] - 1) * d[i] + 1 + rng.Next(0, 5)).ToArray();
        string autoPad = allowAutoPad && rng.Next(4) == 0 ? (rng.Next(2) == 0 ? "SAME_UPPER" : "VALID") : "NOTSET";
        return new Geometry(r, rng.Next(1, 3), group, cg, mg, k, s, d, pads, x, autoPad, rng.Next(2) == 0);
    }

    private static (string, object)[] Attrs(Geometry g, bool transpose)
    {
        var a = new List<(string, object)> { ("strides", L(g.S)), ("dilations", L(g.D)), ("group", (long)g.Group) };
        if (g.AutoPad == "NOTSET") a.Add(("pads", L(g.Pads)));
        else a.Add(("auto_pad", g.AutoPad));
        if (transpose) a.Add(("output_padding", g.S.Select((v, i) => (long)((g.K[i] + i) % v)).ToArray()));
        return a.ToArray();
    }

    private static long[] L(int[] v) => v.Select(x => (long)x).ToArray();

    [Fact]
    public void ConvMatchesFiniteDifferences() =>
        Gen.Int[0, 1_000_000].Sample(seed =>
        {
            var geo = Random(seed, allowAutoPad: true);
            var rng = new Random(seed + 1);
            var x = LossRunner.Random(rng, -1, 1, [geo.N, geo.Group * geo.Cg, .. geo.X]);
            var w = LossRunner.Random(rng, -1, 1, [geo.Group * geo.Mg, geo.Cg, .. geo.K]);
            var b = geo.Bias ? LossRunner.Random(rng, -1, 1, geo.Group * geo.Mg) : null;
            OpGradCheck.Check(new CheckCase("Conv", [x, w, b], geo.Bias ? [0, 1, 2] : [0, 1], Attrs(geo, false)) { Tolerance = 1e-5 });
        }, iter: 12, threads: 1, print: seed => Random(seed, true).ToString());

    [Fact]
    public void DepthwiseConvMatchesFiniteDifferences()
    {
        var rng = new Random(9);
        var x = LossRunner.Random(rng, -1, 1, 1, 3, 5, 4);
        var w = LossRunner.Random(rng, -1, 1, 3, 1, 3, 3);
        OpGradCheck.Check(new CheckCase("Conv", [x, w], [0, 1], [("group", 3L), ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 2, 1 })]));
    }

    [Fact]
    public void ConvTransposeMatchesFiniteDifferences() =>
        Gen.Int[0, 1_000_000].Sample(seed =>
        {
            var geo = Transposable(Random(seed, allowAutoPad: false));
            var rng = new Random(seed + 2);
            var x = LossRunner.Random(rng, -1, 1, [geo.N, geo.Group * geo.Cg, .. geo.X]);
            var w = LossRunner.Random(rng, -1, 1, [geo.Group * geo.Cg, geo.Mg, .. geo.K]);
            var b = geo.Bias ? LossRunner.Random(rng, -1, 1, geo.Group * geo.Mg) : null;
            OpGradCheck.Check(new CheckCase("ConvTranspose", [x, w, b], geo.Bias ? [0, 1, 2] : [0, 1], Attrs(geo, true)) { Tolerance = 1e-5 });
        }, iter: 12, threads: 1, print: seed => Transposable(Random(seed, false)).ToString());

    /// <summary>A smaller input for ConvTranspose, with pads trimmed so every output dim stays ≥ 1.</summary>
    private static Geometry Transposable(Geometry g)
    {
        var x = g.X.Select(v => Math.Max(1, v - 2)).ToArray();
        var pads = (int[])g.Pads.Clone();
        for (int i = 0; i < g.Rank; i++)
        {
            int op = (g.K[i] + i) % g.S[i];
            int full = (x[i] - 1) * g.S[i] + op + (g.K[i] - 1) * g.D[i] + 1;
            while (full - pads[i] - pads[i + g.Rank] < 1) pads[pads[i] > 0 ? i : i + g.Rank]--;
        }
        return g with { X = x, Pads = pads };
    }

    /// <summary>Inputs with distinct values far apart, so a small step never changes which tap is the maximum.</summary>
    private static Tensor Distinct(Random rng, params int[] shape)
    {
        int n = (int)Tensor.ElementCount(shape);
        var v = Enumerable.Range(0, n).Select(i => (double)i * 0.1).OrderBy(_ => rng.Next()).ToArray();
        return Tensor.FromArray(v, shape);
    }

    [Fact]
    public void PoolsMatchFiniteDifferences() =>
        Gen.Int[0, 1_000_000].Sample(seed =>
        {
            var geo = Random(seed, allowAutoPad: true);
            var rng = new Random(seed + 3);
            var pads = geo.Pads.Select((p, i) => Math.Min(p, geo.K[i % geo.Rank] / 2)).ToArray();
            var attrs = new List<(string, object)> { ("kernel_shape", L(geo.K)), ("strides", L(geo.S)), ("ceil_mode", geo.AutoPad == "NOTSET" ? (long)(seed % 2) : 0L) };
            if (geo.AutoPad == "NOTSET") attrs.Add(("pads", L(pads)));
            else attrs.Add(("auto_pad", geo.AutoPad));
            var x = Distinct(rng, [geo.N, geo.Cg + 1, .. geo.X]);
            OpGradCheck.Check(new CheckCase("MaxPool", [x], [0], [.. attrs, ("dilations", L(geo.D))]) { Outputs = seed % 3 == 0 ? 2 : 1 });
            var y = LossRunner.Random(rng, -1, 1, [geo.N, geo.Cg + 1, .. geo.X]);
            OpGradCheck.Check(new CheckCase("AveragePool", [y], [0], [.. attrs, ("count_include_pad", (long)(seed / 2 % 2))]));
        }, iter: 16, threads: 1, print: seed => Random(seed, true).ToString());

    [Fact]
    public void GlobalPoolsMatchFiniteDifferences()
    {
        var rng = new Random(4);
        OpGradCheck.Check(new CheckCase("GlobalAveragePool", [LossRunner.Random(rng, -1, 1, 2, 3, 5, 3)], [0], []));
        OpGradCheck.Check(new CheckCase("GlobalMaxPool", [Distinct(rng, 2, 3, 4, 3)], [0], []));
        OpGradCheck.Check(new CheckCase("GlobalAveragePool", [LossRunner.Random(rng, -1, 1, 1, 2, 7)], [0], []));
    }
}
