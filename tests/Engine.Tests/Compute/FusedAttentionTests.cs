using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Runtime.Kernels;
using static Engine.Tests.Compute.ComputeReference;

namespace Engine.Tests.Compute;

/// <summary>FusedAttention against the reference Attention kernel (<see cref="AttentionKernels"/>).</summary>
public unsafe class FusedAttentionTests
{
    // batch, qHeads, kvHeads, seqQ, seqKv, head, value
    private static readonly int[][] Sizes =
    [
        [1, 1, 1, 1, 1, 1, 1],
        [2, 4, 4, 7, 7, 16, 16],
        [1, 6, 2, 50, 131, 13, 17],   // GQA, more than one row block and key block, odd dims
        [2, 3, 1, 5, 300, 8, 5],      // MQA, three key blocks
        [1, 2, 2, 97, 97, 64, 64],
    ];

    public static IEnumerable<object[]> Cases()
    {
        // mask: 0 none, 1 additive [seqQ, seqKv], 2 bool [batch, 1, seqQ, seqKv], 3 additive short [1, seqKv - 1]
        for (int i = 0; i < Sizes.Length; i++)
            foreach (var isa in Paths)
                for (int mask = 0; mask < 4; mask++)
                    yield return [i, isa, mask];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceAttention(int sizeIndex, ComputeIsa isa, int maskKind)
    {
        if (!PackedGemmTests.IsSupported(isa)) return;
        var z = Sizes[sizeIndex];
        int b = z[0], hq = z[1], hkv = z[2], sq = z[3], skv = z[4], d = z[5], dv = z[6];
        if (maskKind == 3 && skv < 2) return;
        foreach (bool threeD in new[] { false, true })
            foreach (bool causal in new[] { false, true })
                foreach (float softcap in new[] { 0f, 2.5f })
                {
                    if (softcap > 0 && (causal || threeD)) continue;
                    Check(isa, maskKind, b, hq, hkv, sq, skv, d, dv, threeD, causal, softcap, sizeIndex % 2 == 0 ? 0.37f : null);
                }
    }

    private static void Check(ComputeIsa isa, int maskKind, int b, int hq, int hkv, int sq, int skv, int d, int dv,
        bool threeD, bool causal, float softcap, float? scale)
    {
        var q = Random(b * hq * sq * d, 1, -2, 2);
        var k = Random(b * hkv * skv * d, 2, -2, 2);
        var v = Random(b * hkv * skv * dv, 3);
        Tensor? mask = null;
        float[]? maskF = null;
        bool[]? maskB = null;
        var shape = new AttentionShape(b, hq, hkv, sq, skv, d, dv, scale ?? 1f / MathF.Sqrt(d), threeD, causal, 0, softcap);
        switch (maskKind)
        {
            case 1:
                maskF = Random(sq * skv, 4, -3, 1);
                mask = Tensor.FromArray(maskF, sq, skv);
                shape = shape with { Mask = AttentionMaskKind.Additive, MaskStrideI = skv, MaskWidth = skv };
                break;
            case 2:
                var r = new Random(5);
                maskB = Enumerable.Range(0, b * sq * skv).Select(_ => r.NextDouble() < 0.7).ToArray();
                mask = Tensor.FromArray(maskB, b, 1, sq, skv);
                shape = shape with { Mask = AttentionMaskKind.Boolean, MaskStrideB = (long)sq * skv, MaskStrideI = skv, MaskWidth = skv };
                break;
            case 3:
                maskF = Random(skv - 1, 6, -1, 1);
                mask = Tensor.FromArray(maskF, 1, skv - 1);
                shape = shape with { Mask = AttentionMaskKind.Additive, MaskWidth = skv - 1 };
                break;
        }
        var attrs = new AttributeMap();
        attrs.Set("is_causal", causal ? 1L : 0L);
        attrs.Set("qk_matmul_output_mode", 0L);
        attrs.Set("softcap", softcap);
        if (scale is { } sc) attrs.Set("scale", sc);
        Tensor tq, tk, tv;
        if (threeD)
        {
            attrs.Set("q_num_heads", (long)hq);
            attrs.Set("kv_num_heads", (long)hkv);
            tq = Tensor.FromArray(q, b, sq, hq * d);
            tk = Tensor.FromArray(k, b, skv, hkv * d);
            tv = Tensor.FromArray(v, b, skv, hkv * dv);
        }
        else
        {
            tq = Tensor.FromArray(q, b, hq, sq, d);
            tk = Tensor.FromArray(k, b, hkv, skv, d);
            tv = Tensor.FromArray(v, b, hkv, skv, dv);
        }
        var expected = AttentionKernels.Attention(new KernelContext(attrs, 1, "att"), [tq, tk, tv, mask])[0]!.As<float>();
        var exp = expected.Select(x => (double)x).ToArray();
        foreach (int threads in new[] { 1, 2 })
        {
            var y = new float[shape.OutputLength];
            Array.Fill(y, float.NaN);
            var scratch = new float[FusedAttention.ScratchLength(shape, threads)];
            fixed (float* qp = q, kp = k, vp = v, mp = maskF, yp = y, sp = scratch)
            fixed (bool* bp = maskB)
                FusedAttention.Run(shape, qp, kp, vp, mp, bp, yp, sp, threads, isa);
            Close(exp, y, 2e-4, 2e-5, $"{shape} t={threads} {isa}");
        }
    }

    [Fact]
    public void NoAllocationPerCallAfterWarmUp()
    {
        var s = new AttentionShape(2, 4, 4, 40, 40, 16, 16, 0.25f, Causal: true);
        var q = Random(2 * 4 * 40 * 16, 1);
        var y = new float[s.OutputLength];
        var scratch = new float[FusedAttention.ScratchLength(s, 2)];
        fixed (float* qp = q, yp = y, sp = scratch)
        {
            for (int i = 0; i < 3; i++) FusedAttention.Run(s, qp, qp, qp, null, null, yp, sp, 2);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) FusedAttention.Run(s, qp, qp, qp, null, null, yp, sp, 2);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
