using Engine.Runtime;

namespace Engine.Tests.Ops.Loss;

public class CtcLossTests
{
    /// <summary>−log Σ over every length-T path that collapses (merge repeats, drop blanks) to the target.</summary>
    private static double BruteForce(double[] lp, int t, int n, int c, int b, long[] target, int blank)
    {
        double total = 0;
        int paths = (int)Math.Pow(c, t);
        var path = new int[t];
        for (int code = 0; code < paths; code++)
        {
            int v = code;
            for (int i = 0; i < t; i++)
            {
                path[i] = v % c;
                v /= c;
            }
            var collapsed = new List<long>();
            for (int i = 0; i < t; i++)
            {
                if (path[i] != blank && (i == 0 || path[i] != path[i - 1])) collapsed.Add(path[i]);
            }
            if (!collapsed.SequenceEqual(target)) continue;
            double logp = 0;
            for (int i = 0; i < t; i++) logp += lp[(i * n + b) * c + path[i]];
            total += Math.Exp(logp);
        }
        return -Math.Log(total);
    }

    private static Tensor LogSoftmaxRandom(Random rng, int t, int n, int c)
    {
        var x = LossRunner.Random(rng, -2, 2, t, n, c).ToDoubleArray();
        for (int r = 0; r < t * n; r++)
        {
            double lse = Math.Log(Enumerable.Range(0, c).Sum(j => Math.Exp(x[r * c + j])));
            for (int j = 0; j < c; j++) x[r * c + j] -= lse;
        }
        return Tensor.FromArray(x, t, n, c);
    }

    [Fact]
    public void MatchesBruteForceOverAllAlignments()
    {
        var rng = new Random(1);
        int t = 5, n = 3, c = 3;
        var lp = LogSoftmaxRandom(rng, t, n, c);
        var targets = Tensor.FromArray(new long[] { 1, 1, 0, 2, 0, 0, 2, 1, 2 }, 3, 3);
        var tl = Tensor.FromArray(new long[] { 2, 1, 3 }, 3);
        var il = Tensor.FromArray(new long[] { 5, 4, 5 }, 3);
        long[][] seqs = [[1, 1], [2], [2, 1, 2]];
        var expected = Enumerable.Range(0, 3).Select(b => BruteForce(lp.ToDoubleArray(), (int)il.ToInt64Array()[b], n, c, b, seqs[b], 0)).ToArray();
        // Input length 4 for sample 1: only the first 4 frames count.
        LossRunner.Close(expected, LossRunner.Run1("CTCLoss", [lp, targets, il, tl], ("reduction", "none")).ToDoubleArray(), 1e-9);
        double mean = Enumerable.Range(0, 3).Sum(b => expected[b] / seqs[b].Length) / 3;
        Assert.Equal(mean, LossRunner.Scalar("CTCLoss", [lp, targets, il, tl]), 9);
        // Concatenated targets give the same losses.
        var flat = Tensor.FromArray(new long[] { 1, 1, 2, 2, 1, 2 }, 6);
        LossRunner.Close(expected, LossRunner.Run1("CTCLoss", [lp, flat, il, tl], ("reduction", "none")).ToDoubleArray(), 1e-9);
    }

    [Fact]
    public void ImpossibleAlignmentsAreInfiniteUnlessZeroed()
    {
        var lp = LogSoftmaxRandom(new Random(2), 2, 1, 3);
        var targets = Tensor.FromArray(new long[] { 1, 1 }, 1, 2);
        var il = Tensor.FromArray(new long[] { 2 }, 1);
        var tl = Tensor.FromArray(new long[] { 2 }, 1);
        Assert.True(double.IsPositiveInfinity(LossRunner.Scalar("CTCLoss", [lp, targets, il, tl], ("reduction", "sum"))));
        Assert.Equal(0, LossRunner.Scalar("CTCLoss", [lp, targets, il, tl], ("reduction", "sum"), ("zero_infinity", 1L)));
    }

    [Theory]
    [InlineData("mean", 0L)]
    [InlineData("sum", 2L)]
    [InlineData("none", 1L)]
    public void GradientMatchesFiniteDifferences(string reduction, long blank)
    {
        var rng = new Random(3);
        int t = 6, n = 2, c = 4;
        // Unnormalised log-probabilities: the gradient must not assume they sum to one.
        var lp = LossRunner.Random(rng, -3, 0, t, n, c);
        long[] labels = blank == 0 ? [1, 3, 3, 2, 1, 0] : blank == 1 ? [0, 3, 3, 2, 2, 0] : [1, 3, 3, 0, 1, 0];
        var targets = Tensor.FromArray(labels, 2, 3);
        var il = Tensor.FromArray(new long[] { 6, 5 }, 2);
        var tl = Tensor.FromArray(new long[] { 3, 2 }, 2);
        (string, object)[] attrs = [("reduction", reduction), ("blank", blank)];
        var dY = reduction == "none" ? Tensor.FromArray(new[] { 0.6, -1.2 }, 2) : Tensor.FromArray(new[] { 1.0 });
        var g = LossRunner.Run1("CTCLossGrad", [dY, lp, targets, il, tl], attrs).ToDoubleArray();
        LossRunner.CheckGradient("CTCLoss", [lp, targets, il, tl], 0, dY, g, attrs);
        // Frames past an input length get no gradient.
        for (int k = 0; k < c; k++) Assert.Equal(0, g[(5 * n + 1) * c + k]);
    }

    [Fact]
    public void BlankInTheTargetIsAOneLineError()
    {
        var lp = LogSoftmaxRandom(new Random(2), 2, 1, 3);
        var e = Assert.Throws<EngineException>(() => LossRunner.Run1("CTCLoss",
            [lp, Tensor.FromArray(new long[] { 0 }, 1, 1), Tensor.FromArray(new long[] { 2 }, 1), Tensor.FromArray(new long[] { 1 }, 1)]));
        Assert.Contains("blank", e.Message);
    }
}
