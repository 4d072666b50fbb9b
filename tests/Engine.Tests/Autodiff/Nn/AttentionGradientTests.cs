using CsCheck;
using Engine.Runtime;
using Engine.Tests.Ops.Loss;
using CheckCase = Engine.Tests.Autodiff.Nn.OpGradCheck.Case;

namespace Engine.Tests.Autodiff.Nn;

/// <summary>
/// Attention (opset 24) gradients against finite differences: 4-D and 3-D inputs, grouped-query heads,
/// causal masking, boolean and additive float masks (whose gradient is checked too), scale and softcap.
/// The kernel computes in float32, hence the 1e-3 step and 3e-3 tolerances.
/// </summary>
public class AttentionGradientTests
{
    [Fact]
    public void AttentionMatchesFiniteDifferences() =>
        Gen.Int[0, 1_000_000].Sample(seed =>
        {
            var rng = new Random(seed);
            int b = rng.Next(1, 3), hkv = rng.Next(1, 3), group = rng.Next(1, 3), sq = rng.Next(1, 4), skv = rng.Next(1, 4);
            int d = rng.Next(1, 4), dv = rng.Next(1, 4), hq = hkv * group;
            bool threeD = rng.Next(2) == 0;
            var q = LossRunner.Random(rng, -1, 1, threeD ? [b, sq, hq * d] : [b, hq, sq, d]);
            var k = LossRunner.Random(rng, -1, 1, threeD ? [b, skv, hkv * d] : [b, hkv, skv, d]);
            var v = LossRunner.Random(rng, -1, 1, threeD ? [b, skv, hkv * dv] : [b, hkv, skv, dv]);
            var attrs = new List<(string, object)>();
            if (threeD) attrs.AddRange([("q_num_heads", (long)hq), ("kv_num_heads", (long)hkv)]);
            if (rng.Next(3) == 0) attrs.Add(("is_causal", 1L));
            if (rng.Next(3) == 0) attrs.Add(("scale", 0.7f));
            if (rng.Next(4) == 0) attrs.Add(("softcap", 2.0f));
            Tensor? mask = rng.Next(3) switch
            {
                0 => LossRunner.Random(rng, -1, 1, sq, skv),
                // Column 0 always attends, so no row is fully masked.
                1 => Tensor.FromArray(Enumerable.Range(0, sq * skv).Select(i => i % skv == 0 || rng.Next(3) > 0).ToArray(), sq, skv),
                _ => null,
            };
            int[] wrt = mask is { Type: DataType.Double } ? [0, 1, 2, 3] : [0, 1, 2];
            OpGradCheck.Check(new CheckCase("Attention", [q, k, v, mask], wrt, attrs.ToArray()) { Tolerance = 3e-3, Atol = 3e-3, Eps = 1e-3 });
        }, iter: 16, threads: 1);
}
