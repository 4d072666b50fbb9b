using Engine.Graph;
using Engine.Runtime;
using static Engine.Tests.Ops.SequenceTestUtil;

namespace Engine.Tests.Ops;

public class AttentionKernelTests
{
    /// <summary>
    /// Plain 4-D attention in double, straight from the spec: bias[b,h,i,j] is the sum of the mask
    /// (bool false / missing key → -inf), causal (j > i + offset → -inf) and padding terms.
    /// </summary>
    private static (double[] Y, double[] Probs) Reference(float[] q, float[] k, float[] v, int b, int hq, int hkv, int sq, int t, int d, int dv,
        Func<int, int, int, int, double> bias, double scale, double softcap = 0)
    {
        var y = new double[b * hq * sq * dv];
        var probs = new double[b * hq * sq * t];
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < hq; h++)
            {
                int kh = h / (hq / hkv);
                for (int i = 0; i < sq; i++)
                {
                    var s = new double[t];
                    for (int j = 0; j < t; j++)
                    {
                        double dot = 0;
                        for (int e = 0; e < d; e++) dot += q[((bi * hq + h) * sq + i) * d + e] * (double)k[((bi * hkv + kh) * t + j) * d + e];
                        dot *= scale;
                        if (softcap > 0) dot = softcap * Math.Tanh(dot / softcap);
                        s[j] = dot + bias(bi, h, i, j);
                    }
                    double max = s.Max();
                    if (double.IsNegativeInfinity(max)) continue;
                    double sum = s.Sum(x => Math.Exp(x - max));
                    for (int j = 0; j < t; j++)
                    {
                        double p = Math.Exp(s[j] - max) / sum;
                        probs[((bi * hq + h) * sq + i) * t + j] = p;
                        for (int e = 0; e < dv; e++) y[((bi * hq + h) * sq + i) * dv + e] += p * v[((bi * hkv + kh) * t + j) * dv + e];
                    }
                }
            }
        return (y, probs);
    }

    [Fact]
    public void GroupedQueryAttentionWithCacheBoolMaskAndSoftcap()
    {
        int b = 2, hq = 4, hkv = 2, sq = 3, skv = 2, past = 3, d = 5, dv = 6, t = past + skv;
        var q = Random(b * hq * sq * d, 1);
        var k = Random(b * hkv * skv * d, 2);
        var v = Random(b * hkv * skv * dv, 3);
        var pk = Random(b * hkv * past * d, 4);
        var pv = Random(b * hkv * past * dv, 5);
        // Mask [sq, 4] covers 4 of the 5 keys: the fifth is padded as masked out.
        var mask = new bool[sq * 4];
        var rnd = new Random(6);
        for (int i = 0; i < mask.Length; i++) mask[i] = rnd.Next(3) != 0;
        mask[0] = true;
        var outs = Run("Attention",
            [F(q, b, hq, sq, d), F(k, b, hkv, skv, d), F(v, b, hkv, skv, dv), Tensor.FromArray(mask, sq, 4), F(pk, b, hkv, past, d), F(pv, b, hkv, past, dv)],
            4, ("softcap", 2f), ("qk_matmul_output_mode", 3L));

        var fullK = Concat(pk, k, b * hkv, past, skv, d);
        var fullV = Concat(pv, v, b * hkv, past, skv, dv);
        var (y, probs) = Reference(q, fullK, fullV, b, hq, hkv, sq, t, d, dv,
            (_, _, i, j) => j < 4 && mask[i * 4 + j] ? 0 : double.NegativeInfinity, 1 / Math.Sqrt(d), 2);
        Close(y, outs[0]!);
        Close(fullK.Select(x => (double)x).ToArray(), outs[1]!);
        Close(fullV.Select(x => (double)x).ToArray(), outs[2]!);
        Close(probs, outs[3]!);
        Assert.Equal([b, hkv, t, d], outs[1]!.Shape);
    }

    [Fact]
    public void CausalMaskIsAlignedToTheEndOfTheValidKeys()
    {
        int b = 2, h = 2, sq = 2, t = 6, d = 4;
        var q = Random(b * h * sq * d, 11);
        var k = Random(b * h * t * d, 12);
        var v = Random(b * h * t * d, 13);
        long[] valid = [5, 1];
        var outs = Run("Attention",
            [F(q, b, h, sq, d), F(k, b, h, t, d), F(v, b, h, t, d), null, null, null, Tensor.FromArray(valid, b)],
            1, ("is_causal", 1L), ("scale", 0.7f));
        // offset = valid - sq: batch 0 sees keys ≤ i+3; batch 1 (offset -1) has an empty first row.
        var (y, _) = Reference(q, k, v, b, h, h, sq, t, d, d,
            (bi, _, i, j) => j <= i + valid[bi] - sq && j < valid[bi] ? 0 : double.NegativeInfinity, 0.7);
        Close(y, outs[0]!);
        for (int e = 0; e < d; e++) Assert.Equal(0f, outs[0]!.As<float>()[((1 * h + 0) * sq + 0) * d + e]);
    }

    [Fact]
    public void ThreeDimensionalInputsSplitAndMergeHeads()
    {
        int b = 1, hq = 2, hkv = 1, s = 3, d = 4;
        var q = Random(b * s * hq * d, 21);
        var k = Random(b * s * hkv * d, 22);
        var v = Random(b * s * hkv * d, 23);
        var fmask = Random(s * s, 24);
        var outs = Run("Attention", [F(q, b, s, hq * d), F(k, b, s, hkv * d), F(v, b, s, hkv * d), F(fmask, s, s)], 4,
            ("q_num_heads", 2L), ("kv_num_heads", 1L), ("qk_matmul_output_mode", 2L));
        Assert.Equal([b, s, hq * d], outs[0]!.Shape);
        // Head h of the 3-D layout is the slice [h·d, (h+1)·d) of every row.
        var q4 = new float[q.Length];
        for (int i = 0; i < s; i++)
            for (int h = 0; h < hq; h++)
                for (int e = 0; e < d; e++) q4[(h * s + i) * d + e] = q[(i * hq + h) * d + e];
        var (y4, _) = Reference(q4, k, v, b, hq, hkv, s, s, d, d, (_, _, i, j) => fmask[i * s + j], 0.5);
        var y = outs[0]!.As<float>();
        for (int i = 0; i < s; i++)
            for (int h = 0; h < hq; h++)
                for (int e = 0; e < d; e++)
                    Assert.Equal(y4[(h * s + i) * d + e], y[(i * hq + h) * d + e], 4);
        // Mode 2: the scaled scores plus the mask.
        var qk = outs[3]!.As<float>();
        double dot = 0;
        for (int e = 0; e < d; e++) dot += q4[(1 * s + 2) * d + e] * (double)k[1 * d + e];
        Assert.Equal(dot * 0.5 + fmask[2 * s + 1], qk[(1 * s + 2) * s + 1], 4);
    }

    [Fact]
    public void FullyMaskedRowsGiveZerosNotNaN()
    {
        var q = Random(1 * 1 * 2 * 2, 31);
        var k = Random(1 * 1 * 3 * 2, 32);
        var mask = Tensor.FromArray(new[] { false, false, false, true, false, true }, 2, 3);
        var outs = Run("Attention", [F(q, 1, 1, 2, 2), F(k, 1, 1, 3, 2), F(k, 1, 1, 3, 2), mask], 4, ("qk_matmul_output_mode", 3L));
        var y = outs[0]!.As<float>();
        Assert.Equal([0f, 0f], y[..2]);
        Assert.All(y, x => Assert.False(float.IsNaN(x)));
        Assert.Equal([0f, 0f, 0f], outs[3]!.As<float>()[..3]);
        Assert.Equal(1f, outs[3]!.As<float>()[3..].Sum(), 5);
    }

    [Fact]
    public void HalfPrecisionRoundTrips()
    {
        var q = Random(8, 41);
        var k = Random(8, 42);
        Tensor H(float[] a) => new(DataType.Float16, [1, 1, 2, 4], a.Select(x => (Half)x).ToArray());
        var y16 = Run("Attention", [H(q), H(k), H(k)], 1)[0]!;
        var y32 = Run("Attention", [F(q.Select(x => (float)(Half)x).ToArray(), 1, 1, 2, 4), F(k.Select(x => (float)(Half)x).ToArray(), 1, 1, 2, 4),
            F(k.Select(x => (float)(Half)x).ToArray(), 1, 1, 2, 4)], 1)[0]!;
        Assert.Equal(DataType.Float16, y16.Type);
        Close(y32.ToDoubleArray(), y16, 2e-3);
    }

    [Fact]
    public void BadInputsFailWithTheNodeName()
    {
        var q3 = F(Random(12, 1), 1, 3, 4);
        Assert.Contains("q_num_heads", Assert.Throws<EngineException>(() => Run("Attention", [q3, q3, q3], 1)).Message);
        var q = F(Random(24, 1), 1, 3, 2, 4);
        var k = F(Random(16, 2), 1, 2, 2, 4);
        Assert.Contains("multiple", Assert.Throws<EngineException>(() => Run("Attention", [q, k, k], 1)).Message);
        var q4 = F(Random(16, 1), 1, 2, 2, 4);
        var longMask = Tensor.FromArray(new bool[2 * 3], 2, 3);
        Assert.Contains("n1", Assert.Throws<EngineException>(() => Run("Attention", [q4, q4, q4, longMask], 1)).Message);
    }

    [Fact]
    public void ShapeInference()
    {
        var o = Infer("Attention",
            [new TensorType(DataType.Float, [Dim.Sym("B"), 5, 32]), TensorType.Of(DataType.Float, 2, 1, 16), TensorType.Of(DataType.Float, 2, 1, 24),
             null, TensorType.Of(DataType.Float, 2, 2, 7, 8), TensorType.Of(DataType.Float, 2, 2, 7, 12)],
            4, ("q_num_heads", 4L), ("kv_num_heads", 2L));
        Assert.Equal("f32[B,5,48]", o[0]!.ToString());
        Assert.Equal("f32[B,2,8,8]", o[1]!.ToString());
        Assert.Equal("f32[B,2,8,12]", o[2]!.ToString());
        Assert.Equal("f32[B,4,5,8]", o[3]!.ToString());
        var o4 = Infer("Attention", [TensorType.Of(DataType.Float16, 1, 8, 3, 16), TensorType.Of(DataType.Float16, 1, 2, 4, 16), TensorType.Of(DataType.Float16, 1, 2, 4, 10)], 1);
        Assert.Equal("f16[1,8,3,10]", o4[0]!.ToString());
    }

    private static float[] Concat(float[] past, float[] cur, int groups, int p, int c, int d)
    {
        var r = new List<float>();
        for (int g = 0; g < groups; g++)
        {
            r.AddRange(past.Skip(g * p * d).Take(p * d));
            r.AddRange(cur.Skip(g * c * d).Take(c * d));
        }
        return r.ToArray();
    }
}
