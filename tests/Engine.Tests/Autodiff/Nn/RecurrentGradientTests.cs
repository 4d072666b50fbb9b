using CsCheck;
using Engine.Runtime;
using Engine.Tests.Ops.Loss;
using CheckCase = Engine.Tests.Autodiff.Nn.OpGradCheck.Case;

namespace Engine.Tests.Autodiff.Nn;

/// <summary>
/// RNN, GRU and LSTM gradients (backpropagation through time) against finite differences on random
/// small problems: directions, layouts, sequence lengths, initial states, activations, peepholes, GRU's
/// linear_before_reset and LSTM's input_forget. The forward kernels compute in float32 even for
/// float64 tensors, so the difference step is 1e-3 and the tolerances 3e-3 (a wrong term is off by far more).
/// Clip is checked on inputs chosen far from its kinks (random ones would straddle them).
/// </summary>
public class RecurrentGradientTests
{
    private static void CheckRandom(string op, int gates, int seed)
    {
        var rng = new Random(seed);
        int t = rng.Next(1, 4), b = rng.Next(1, 3), i = rng.Next(1, 4), h = rng.Next(1, 4);
        string direction = new[] { "forward", "reverse", "bidirectional" }[rng.Next(3)];
        int dirs = direction == "bidirectional" ? 2 : 1;
        bool batchMajor = rng.Next(3) == 0;
        var x = LossRunner.Random(rng, -1, 1, batchMajor ? [b, t, i] : [t, b, i]);
        var w = LossRunner.Random(rng, -0.8, 0.8, dirs, gates * h, i);
        var r = LossRunner.Random(rng, -0.8, 0.8, dirs, gates * h, h);
        var bias = rng.Next(2) == 0 ? LossRunner.Random(rng, -0.5, 0.5, dirs, 2 * gates * h) : null;
        var lens = rng.Next(2) == 0 ? Tensor.FromArray(Enumerable.Range(0, b).Select(k => (int)(k == 0 ? t : rng.Next(0, t + 1))).ToArray(), b) : null;
        int[] state = batchMajor ? [b, dirs, h] : [dirs, b, h];
        var h0 = rng.Next(2) == 0 ? LossRunner.Random(rng, -1, 1, state) : null;
        var attrs = new List<(string, object)> { ("direction", direction), ("hidden_size", (long)h), ("layout", batchMajor ? 1L : 0L) };
        var inputs = new List<Tensor?> { x, w, r, bias, lens, h0 };
        int outputs = 2;
        if (op == "GRU") attrs.Add(("linear_before_reset", (long)rng.Next(2)));
        if (op == "LSTM")
        {
            inputs.Add(rng.Next(2) == 0 ? LossRunner.Random(rng, -1, 1, state) : null);
            inputs.Add(rng.Next(2) == 0 ? LossRunner.Random(rng, -0.5, 0.5, dirs, 3 * h) : null);
            if (rng.Next(3) == 0) attrs.Add(("input_forget", 1L));
            outputs = 3;
        }
        if (rng.Next(3) == 0) attrs.Add(("activations", Enumerable.Range(0, dirs).SelectMany(_ => op switch
        {
            "RNN" => new[] { "Softsign" },
            "GRU" => new[] { "HardSigmoid", "Softsign" },
            _ => new[] { "Sigmoid", "Softsign", "Tanh" },
        }).ToArray()));
        var wrt = inputs.Select((v, k) => (v, k)).Where(p => p.v is not null && p.k != 4).Select(p => p.k).ToArray();
        OpGradCheck.Check(new CheckCase(op, inputs.ToArray(), wrt, attrs.ToArray())
        {
            Outputs = outputs,
            Tolerance = 3e-3,
            Atol = 3e-3,
            Eps = 1e-3,
        });
    }

    /// <summary>Clip: the first step's pre-activation (2.5) is clipped, so nothing flows through it; the second (≈ 0.33) is not.</summary>
    [Fact]
    public void ClippedPreActivationsPassNoGradient()
    {
        var x = Tensor.FromArray(new[] { 0.5, 0.05 }, 2, 1, 1);
        var w = Tensor.FromArray(new[] { 5.0 }, 1, 1, 1);
        var r = Tensor.FromArray(new[] { 0.1 }, 1, 1, 1);
        foreach (var op in new[] { "RNN" })
        {
            OpGradCheck.Check(new CheckCase(op, [x, w, r], [0, 1, 2], [("hidden_size", 1L), ("clip", 1.0f)])
            {
                Outputs = 2,
                Tolerance = 3e-3,
                Atol = 3e-3,
                Eps = 1e-3,
            });
        }
        var rng = new Random(8);
        var xg = LossRunner.Random(rng, -1, 1, 3, 2, 2);
        // A large W saturates some gates past the clip, the rest stay well inside it.
        var wg = Tensor.FromArray(LossRunner.Random(rng, -1, 1, 1, 6, 2).ToDoubleArray().Select((v, i) => i % 3 == 0 ? 6 * Math.Sign(v) : 0.2 * v).ToArray(), 1, 6, 2);
        var rg = LossRunner.Random(rng, -0.1, 0.1, 1, 6, 2);
        OpGradCheck.Check(new CheckCase("GRU", [xg, wg, rg], [0, 1, 2], [("hidden_size", 2L), ("clip", 2.0f)])
        {
            Outputs = 2,
            Tolerance = 3e-3,
            Atol = 3e-3,
            Eps = 1e-3,
        });
    }

    [Fact]
    public void RnnMatchesFiniteDifferences() =>
        Gen.Int[0, 1_000_000].Sample(seed => CheckRandom("RNN", 1, seed), iter: 10, threads: 1);

    [Fact]
    public void GruMatchesFiniteDifferences() =>
        Gen.Int[0, 1_000_000].Sample(seed => CheckRandom("GRU", 3, seed), iter: 10, threads: 1);

    [Fact]
    public void LstmMatchesFiniteDifferences() =>
        Gen.Int[0, 1_000_000].Sample(seed => CheckRandom("LSTM", 4, seed), iter: 10, threads: 1);
}
