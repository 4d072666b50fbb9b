using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Tests.Ops;

namespace Engine.Tests.Compute;

/// <summary>Softmax, normalizations and reductions against their reference kernels, random odd shapes, all ISA paths.</summary>
public unsafe class SoftmaxNormReduceTests
{
    private static (int Outer, int Mid, int Inner) Split(int[] s, int a0, int a1)
    {
        int outer = 1, mid = 1, inner = 1;
        for (int i = 0; i < s.Length; i++)
        {
            if (i < a0) outer *= s[i];
            else if (i < a1) mid *= s[i];
            else inner *= s[i];
        }
        return (outer, mid, inner);
    }

    [Fact]
    public void SoftmaxAndLogSoftmaxMatchReference()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 40; trial++)
        {
            int rank = rng.Next(1, 5);
            var shape = PrimitiveKit.Dims(rng, rank, 17);
            if (trial == 0) shape = [3, 0, 5];
            if (trial == 1) shape = [2, 300];
            rank = shape.Length;
            int axis = rng.Next(rank);
            bool log = trial % 2 == 1;
            var x = Tensor.FromArray(NnHarness.Random((int)Tensor.ElementCount(shape), trial, -20, 20), shape);
            var expected = NnHarness.Run1(log ? "LogSoftmax" : "Softmax", [x], ("axis", (long)axis)).As<float>();
            var (outer, len, inner) = Split(shape, axis, axis + 1);
            foreach (var isa in ComputeReference.Paths)
            {
                var y = new float[x.Length];
                fixed (float* px = x.As<float>(), py = y) Softmax.Run(px, py, outer, len, inner, log, 2, isa);
                PrimitiveKit.Close(expected, y, 2e-5, 1e-6, $"{isa} {Tensor.ShapeString(shape)} axis {axis}");
                // In place.
                var z = (float[])x.As<float>().Clone();
                fixed (float* pz = z) Softmax.Run(pz, pz, outer, len, inner, log, 2, isa);
                PrimitiveKit.Close(expected, z, 2e-5, 1e-6);
            }
        }
    }

    [Fact]
    public void LayerNormMatchesReference()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 30; trial++)
        {
            int rank = rng.Next(1, 4);
            var shape = PrimitiveKit.Dims(rng, rank, 17);
            if (trial == 0) shape = [2, 768];
            rank = shape.Length;
            int axis = rng.Next(rank);
            var (outer, _, inner) = Split(shape, axis, axis);
            var normShape = shape[axis..];
            var x = Tensor.FromArray(NnHarness.Random((int)Tensor.ElementCount(shape), trial, -3, 5), shape);
            var scale = Tensor.FromArray(NnHarness.Random(inner, trial + 100, 0.5f, 2), normShape);
            var bias = Tensor.FromArray(NnHarness.Random(inner, trial + 200), normShape);
            bool withBias = trial % 3 != 0;
            var outs = NnHarness.Run("LayerNormalization", withBias ? [x, scale, bias] : [x, scale], 3, 1, ("axis", (long)axis), ("epsilon", 1e-5f));
            foreach (var isa in ComputeReference.Paths)
            {
                var y = new float[x.Length];
                var mean = new float[outer];
                var inv = new float[outer];
                fixed (float* px = x.As<float>(), py = y, ps = scale.As<float>(), pb = bias.As<float>(), pm = mean, pi = inv)
                    Normalization.LayerNorm(px, py, outer, inner, ps, withBias ? pb : null, 1e-5f, pm, pi, 2, isa);
                PrimitiveKit.Close(outs[0].As<float>(), y, 1e-4, 1e-5, $"{isa} {Tensor.ShapeString(shape)} axis {axis}");
                PrimitiveKit.Close(outs[1].As<float>(), mean, 1e-5, 1e-6);
                PrimitiveKit.Close(outs[2].As<float>(), inv, 1e-4, 1e-6);
            }
        }
    }

    [Fact]
    public void RmsNormMatchesReference()
    {
        var rng = new Random(6);
        for (int trial = 0; trial < 10; trial++)
        {
            var shape = PrimitiveKit.Dims(rng, 3, 17);
            int inner = shape[^1];
            var x = Tensor.FromArray(NnHarness.Random((int)Tensor.ElementCount(shape), trial, -3, 3), shape);
            var scale = Tensor.FromArray(NnHarness.Random(inner, trial + 9), inner);
            var expected = NnHarness.Run1("RMSNormalization", [x, scale], ("axis", -1L), ("epsilon", 1e-5f)).As<float>();
            foreach (var isa in ComputeReference.Paths)
            {
                var y = new float[x.Length];
                fixed (float* px = x.As<float>(), py = y, ps = scale.As<float>()) Normalization.RmsNorm(px, py, x.Length / Math.Max(1, inner), inner, ps, 1e-5f, 2, isa);
                PrimitiveKit.Close(expected, y, 1e-4, 1e-5);
            }
        }
    }

    [Fact]
    public void BatchNormMatchesReference()
    {
        foreach (var shape in new[] { new[] { 1, 3, 5, 5 }, new[] { 2, 17, 7, 3 }, new[] { 3, 4 }, new[] { 1, 1, 1, 1 }, new[] { 2, 5, 33 }, new[] { 2, 3, 0, 4 } })
        {
            int c = shape[1];
            var x = Tensor.FromArray(NnHarness.Random((int)Tensor.ElementCount(shape), c, -3, 3), shape);
            var s = Tensor.FromArray(NnHarness.Random(c, 1), c);
            var b = Tensor.FromArray(NnHarness.Random(c, 2), c);
            var m = Tensor.FromArray(NnHarness.Random(c, 3), c);
            var v = Tensor.FromArray(NnHarness.Random(c, 4, 0.1f, 2), c);
            var expected = NnHarness.Run1("BatchNormalization", [x, s, b, m, v], ("epsilon", 1e-3f)).As<float>();
            int inner = (int)Tensor.ElementCount(shape[2..]);
            foreach (var isa in ComputeReference.Paths)
            {
                var y = new float[x.Length];
                fixed (float* px = x.As<float>(), py = y, ps = s.As<float>(), pb = b.As<float>(), pm = m.As<float>(), pv = v.As<float>())
                    Normalization.BatchNorm(px, py, shape[0], c, inner, ps, pb, pm, pv, 1e-3f, 2, isa);
                PrimitiveKit.Close(expected, y, 1e-5, 1e-6);
            }
        }
    }

    [Theory]
    [InlineData("ReduceSum", ReduceOp.Sum)]
    [InlineData("ReduceMean", ReduceOp.Mean)]
    [InlineData("ReduceMax", ReduceOp.Max)]
    [InlineData("ReduceMin", ReduceOp.Min)]
    [InlineData("ReduceProd", ReduceOp.Prod)]
    [InlineData("ReduceL1", ReduceOp.L1)]
    [InlineData("ReduceL2", ReduceOp.L2)]
    [InlineData("ReduceSumSquare", ReduceOp.SumSquare)]
    [InlineData("ReduceLogSum", ReduceOp.LogSum)]
    [InlineData("ReduceLogSumExp", ReduceOp.LogSumExp)]
    public void ReductionsMatchReference(string opName, ReduceOp op)
    {
        var rng = new Random(opName.Length);
        for (int trial = 0; trial < 16; trial++)
        {
            int rank = rng.Next(1, 5);
            var shape = PrimitiveKit.Dims(rng, rank, 17);
            if (trial == 0) shape = [3, 200];
            if (trial == 1) shape = [2, 0, 3];
            rank = shape.Length;
            int a0 = rng.Next(rank), a1 = rng.Next(a0 + 1, rank + 1);
            if (trial == 1) { a0 = 1; a1 = 2; }
            var axes = Enumerable.Range(a0, a1 - a0).Select(i => (long)i).ToArray();
            float lo = op is ReduceOp.LogSum ? 0.1f : -2, hi = op is ReduceOp.Prod ? 1.2f : 2;
            var x = Tensor.FromArray(NnHarness.Random((int)Tensor.ElementCount(shape), trial, lo, hi), shape);
            var expected = NnHarness.Run1(opName, [x, Tensor.FromArray(axes, axes.Length)], ("keepdims", 1L)).As<float>();
            var (outer, r, inner) = Split(shape, a0, a1);
            foreach (var isa in ComputeReference.Paths)
            {
                var y = new float[expected.Length];
                fixed (float* px = x.As<float>(), py = y) Reductions.Reduce(op, px, py, outer, r, inner, 2, isa);
                PrimitiveKit.Close(expected, y, 2e-5, 1e-5, $"{isa} {Tensor.ShapeString(shape)} axes {a0}..{a1}");
            }
        }
    }
}
