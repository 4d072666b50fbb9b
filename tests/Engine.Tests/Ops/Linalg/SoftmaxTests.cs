using Engine.Runtime;
using static Engine.Tests.Ops.Linalg.LinalgHarness;

namespace Engine.Tests.Ops.Linalg;

public class SoftmaxTests
{
    /// <summary>Softmax / LogSoftmax / Hardmax over one axis, straight from the definition.</summary>
    private static double[] Naive(string op, double[] x, int[] shape, int axis)
    {
        if (axis < 0) axis += shape.Length;
        int outer = shape[..axis].Aggregate(1, (a, b) => a * b), len = shape[axis], inner = shape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        var r = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++)
            {
                int At(int i) => (o * len + i) * inner + j;
                double max = double.NegativeInfinity;
                int arg = 0;
                for (int i = 0; i < len; i++) if (x[At(i)] > max) { max = x[At(i)]; arg = i; }
                double sum = 0;
                for (int i = 0; i < len; i++) sum += Math.Exp(x[At(i)] - max);
                for (int i = 0; i < len; i++)
                    r[At(i)] = op switch
                    {
                        "Softmax" => Math.Exp(x[At(i)] - max) / sum,
                        "LogSoftmax" => x[At(i)] - max - Math.Log(sum),
                        _ => i == arg ? 1 : 0,
                    };
            }
        return r;
    }

    [Theory]
    [InlineData("Softmax", 0)]
    [InlineData("Softmax", 1)]
    [InlineData("Softmax", -1)]
    [InlineData("LogSoftmax", 0)]
    [InlineData("LogSoftmax", 2)]
    [InlineData("LogSoftmax", -2)]
    [InlineData("Hardmax", 1)]
    [InlineData("Hardmax", -1)]
    public void MatchesDefinition(string op, int axis)
    {
        int[] shape = [3, 4, 5];
        var x = Random(60, 11, -5, 5);
        var want = Naive(op, x.Select(v => (double)v).ToArray(), shape, axis);
        var y = Run(op, [Tensor.FromArray(x, shape)], ("axis", (long)axis));
        Close(want, y.ToDoubleArray(), 1e-5, 1e-6);
        var yd = Run(op, [Tensor.FromArray(x.Select(v => (double)v).ToArray(), shape)], ("axis", (long)axis));
        Close(want, yd.ToDoubleArray(), 1e-12, 1e-14);
    }

    [Fact]
    public void LargeValuesDoNotOverflow()
    {
        var y = Run("Softmax", [Tensor.FromArray(new float[] { 1000, 1001, 1002, -1000 }, 1, 4)]);
        Close(Naive("Softmax", [1000, 1001, 1002, -1000], [1, 4], -1), y.ToDoubleArray(), 1e-5, 1e-7);
        var l = Run("LogSoftmax", [Tensor.FromArray(new float[] { 1000, 1001, 1002, -1000 }, 1, 4)]);
        Close(Naive("LogSoftmax", [1000, 1001, 1002, -1000], [1, 4], -1), l.ToDoubleArray(), 1e-5, 1e-5);
    }

    [Fact]
    public void HardmaxPicksFirstMaximumAndBf16Works()
    {
        var y = Run("Hardmax", [Tensor.FromArray(new float[] { 1, 3, 3, 2, 0, 0, 0, 0 }, 2, 4)]);
        Assert.Equal(new float[] { 0, 1, 0, 0, 1, 0, 0, 0 }, y.As<float>());
        var bf = Tensor.BFloat16(new float[] { 1, 2, 3, 4 }.Select(Runtime.BFloat16Bits.FromFloat).ToArray(), 2, 2);
        var s = Run("Softmax", [bf]);
        Assert.Equal(DataType.BFloat16, s.Type);
        Close(Naive("Softmax", [1, 2, 3, 4], [2, 2], -1), s.ToDoubleArray(), 1e-2, 1e-3);
    }

    [Fact]
    public void AxisOutOfRangeFails()
    {
        Assert.ThrowsAny<EngineException>(() => Run("Softmax", [Tensor.FromArray(new float[6], 2, 3)], ("axis", 2L)));
    }

    [Theory]
    [InlineData("Softmax", 11, 1)]
    [InlineData("Softmax", 11, -3)]
    [InlineData("Softmax", 1, null)]
    [InlineData("LogSoftmax", 11, 0)]
    [InlineData("LogSoftmax", 11, 2)]
    [InlineData("Hardmax", 11, 1)]
    [InlineData("Hardmax", 9, -2)]
    public void OldOpsetsCoerceTo2D(string op, int opset, int? axis)
    {
        // Opsets < 13 flatten to 2-D at 'axis' (default 1) and normalise whole rows.
        var x = Tensor.FromArray(Random(2 * 3 * 4, 12, -3, 3), 2, 3, 4);
        var attrs = axis is { } a ? new[] { ("axis", (object)(long)a) } : [];
        MatchesOrt(op, opset, [("x", x, false)], 3, attrs);
        // Without a known input rank the rewrite cannot tell whether 'axis' is the last one.
        MatchesOrt(op, opset, [("x", x, false)], -1, true, attrs);
    }
}
