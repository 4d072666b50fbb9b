using Engine.Runtime;

namespace Engine.Tests.Autodiff.Nn;

/// <summary>
/// One op, as a one-node graph, through <see cref="GradCheck"/> (float64 central differences against the
/// autodiff graph). Inputs may be null (absent optional inputs); outputs in <c>SkipOutputs</c> (running
/// statistics) take no part in the loss, non-float outputs (indices, masks) never do.
/// </summary>
internal static class OpGradCheck
{
    public sealed record Case(string Op, Tensor?[] Inputs, int[] Wrt, (string, object)[] Attrs)
    {
        public int Outputs { get; init; } = 1;
        public int[] SkipOutputs { get; init; } = [];
        public double Tolerance { get; init; } = 1e-5;

        /// <summary>Absolute tolerance and difference step (larger for ops whose kernels compute in float32).</summary>
        public double Atol { get; init; } = 1e-6;
        public double Eps { get; init; } = 1e-6;
        public int Seed { get; init; } = 1;

        /// <summary>Also check the gradients after the optimizer at this level.</summary>
        public int? OptimizeLevel { get; init; }
    }

    public static void Check(Case c)
    {
        var present = c.Inputs.Select((t, i) => (t, i)).Where(p => p.t is not null).ToArray();
        var position = present.Select((p, k) => (p.i, k)).ToDictionary(p => p.i, p => p.k);
        GradCheck.RunMulti((b, xs) =>
        {
            var ins = c.Inputs.Select((t, i) => t is null ? null : xs[position[i]]).ToArray();
            var outs = b.OpN(c.Op, c.Outputs, ins, c.Attrs);
            return outs.Where((_, i) => !c.SkipOutputs.Contains(i)).ToArray();
        }, present.Select(p => p.t!).ToArray(), new GradCheckOptions
        {
            Wrt = c.Wrt.Select(i => position[i]).ToArray(),
            Rtol = c.Tolerance,
            Atol = c.Atol,
            Eps = c.Eps,
            Seed = c.Seed,
            OptimizeLevel = c.OptimizeLevel,
        });
    }
}
