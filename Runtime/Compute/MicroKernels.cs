using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Runtime.Compute;

/// <summary>
/// The GEMM inner loops shared by <see cref="PackedGemm"/> and <see cref="Conv2D"/>.
/// Both operands arrive packed in ISA-independent layouts, so weights packed once work with every path:
/// A in panels of <see cref="MR"/> rows (per k, MR consecutive floats), B in panels of <see cref="NR"/>
/// columns (per k, NR consecutive floats), both zero-padded at the edges. The AVX-512 kernel computes
/// 12×32 tiles from two adjacent B panels (24 zmm accumulators), and 4×64 tiles for a last A panel
/// of at most 4 rows (small M); the AVX2 kernel 6×16 tiles from half an
/// A panel (12 ymm accumulators); the scalar kernel is the portable fallback.
/// </summary>
internal static unsafe class MicroKernels
{
    public const int MR = 12;
    public const int NR = 16;

    /// <summary>
    /// C[0..mc, 0..nc] (+)= A·B for one cache block. <paramref name="a"/> points at the block's first A panel at
    /// the block's first k; panel i starts at a + i·aPanelStride (likewise for B). accumulate=false overwrites C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Block(ComputeIsa isa, int kc, float* a, long aPanelStride, int mc, float* b, long bPanelStride, int nc,
        float* c, long ldc, bool accumulate)
    {
        int aPanels = (mc + MR - 1) / MR;
        int bPanels = (nc + NR - 1) / NR;
        float* tile = stackalloc float[MR * 2 * NR];
        if (isa == ComputeIsa.Avx512)
        {
            // A last A panel of at most 4 real rows (small M, or M's remainder) gets the 4-row kernel instead of
            // paying for 12 rows of zeros.
            int thinH = mc - (aPanels - 1) * MR;
            int wide = thinH <= 4 ? aPanels - 1 : aPanels;
            if (wide < aPanels)
            {
                float* ap = a + wide * aPanelStride;
                float* cp0 = c + wide * MR * ldc;
                for (int jp = 0; jp < bPanels; jp += 4)
                {
                    int np = Math.Min(4, bPanels - jp);
                    int w = Math.Min(np * NR, nc - jp * NR);
                    float* b0 = b + jp * bPanelStride;
                    // Missing panels read panel 0 again; their columns are never stored.
                    float* b1 = np > 1 ? b0 + bPanelStride : b0, b2 = np > 2 ? b0 + 2 * bPanelStride : b0, b3 = np > 3 ? b0 + 3 * bPanelStride : b0;
                    if (thinH == 4 && w == 4 * NR) Kernel4x64(kc, ap, b0, b1, b2, b3, cp0 + jp * NR, ldc, accumulate);
                    else
                    {
                        Kernel4x64(kc, ap, b0, b1, b2, b3, tile, 4 * NR, false);
                        StoreEdge(tile, 4 * NR, cp0 + jp * NR, ldc, thinH, w, accumulate);
                    }
                }
            }
            for (int jp = 0; jp < bPanels; jp += 2)
            {
                bool pair = jp + 1 < bPanels;
                int w = Math.Min(pair ? 2 * NR : NR, nc - jp * NR);
                float* b0 = b + jp * bPanelStride;
                for (int ip = 0; ip < wide; ip++)
                {
                    int h = Math.Min(MR, mc - ip * MR);
                    float* ap = a + ip * aPanelStride;
                    float* cp = c + ip * MR * ldc + jp * NR;
                    if (pair)
                    {
                        if (h == MR && w == 2 * NR) Kernel12x32(kc, ap, b0, b0 + bPanelStride, cp, ldc, accumulate);
                        else
                        {
                            Kernel12x32(kc, ap, b0, b0 + bPanelStride, tile, 2 * NR, false);
                            StoreEdge(tile, 2 * NR, cp, ldc, h, w, accumulate);
                        }
                    }
                    else
                    {
                        if (h == MR && w == NR) Kernel12x16(kc, ap, b0, cp, ldc, accumulate);
                        else
                        {
                            Kernel12x16(kc, ap, b0, tile, NR, false);
                            StoreEdge(tile, NR, cp, ldc, h, w, accumulate);
                        }
                    }
                }
            }
            return;
        }
        for (int jp = 0; jp < bPanels; jp++)
        {
            int w = Math.Min(NR, nc - jp * NR);
            float* bp = b + jp * bPanelStride;
            for (int ip = 0; ip < aPanels; ip++)
            {
                float* ap = a + ip * aPanelStride;
                int h = Math.Min(MR, mc - ip * MR);
                float* cp = c + ip * MR * ldc + jp * NR;
                if (isa == ComputeIsa.Avx2)
                {
                    // Two 6-row halves of the 12-row A panel.
                    for (int half = 0; half < 2 && half * 6 < h; half++)
                    {
                        int hh = Math.Min(6, h - half * 6);
                        float* ch = cp + half * 6 * ldc;
                        if (hh == 6 && w == NR) Kernel6x16(kc, ap + half * 6, bp, ch, ldc, accumulate);
                        else
                        {
                            Kernel6x16(kc, ap + half * 6, bp, tile, NR, false);
                            StoreEdge(tile, NR, ch, ldc, hh, w, accumulate);
                        }
                    }
                }
                else KernelScalar(kc, ap, bp, cp, ldc, h, w, accumulate);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreEdge(float* tile, int ldt, float* c, long ldc, int h, int w, bool accumulate)
    {
        for (int i = 0; i < h; i++)
        {
            float* src = tile + i * ldt;
            float* dst = c + i * ldc;
            if (accumulate)
                for (int j = 0; j < w; j++) dst[j] += src[j];
            else
                for (int j = 0; j < w; j++) dst[j] = src[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelScalar(int kc, float* a, float* b, float* c, long ldc, int h, int w, bool accumulate)
    {
        float* acc = stackalloc float[MR * NR];
        new Span<float>(acc, MR * NR).Clear();
        for (int p = 0; p < kc; p++)
        {
            float* ak = a + p * MR;
            float* bk = b + p * NR;
            for (int i = 0; i < h; i++)
            {
                float av = ak[i];
                float* row = acc + i * NR;
                for (int j = 0; j < NR; j++) row[j] += av * bk[j];
            }
        }
        StoreEdge(acc, NR, c, ldc, h, w, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12x32(int kc, float* a, float* b0p, float* b1p, float* c, long ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b0p);
            var b1 = Vector512.Load(b1p);
            var av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(av, b0, c40); c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(av, b0, c50); c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(av, b0, c60); c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(av, b0, c70); c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
            av = Vector512.Create(a[8]);
            c80 = Avx512F.FusedMultiplyAdd(av, b0, c80); c81 = Avx512F.FusedMultiplyAdd(av, b1, c81);
            av = Vector512.Create(a[9]);
            c90 = Avx512F.FusedMultiplyAdd(av, b0, c90); c91 = Avx512F.FusedMultiplyAdd(av, b1, c91);
            av = Vector512.Create(a[10]);
            cA0 = Avx512F.FusedMultiplyAdd(av, b0, cA0); cA1 = Avx512F.FusedMultiplyAdd(av, b1, cA1);
            av = Vector512.Create(a[11]);
            cB0 = Avx512F.FusedMultiplyAdd(av, b0, cB0); cB1 = Avx512F.FusedMultiplyAdd(av, b1, cB1);
            a += MR;
            b0p += NR;
            b1p += NR;
        }
        Store2(c, c00, c01, accumulate); c += ldc;
        Store2(c, c10, c11, accumulate); c += ldc;
        Store2(c, c20, c21, accumulate); c += ldc;
        Store2(c, c30, c31, accumulate); c += ldc;
        Store2(c, c40, c41, accumulate); c += ldc;
        Store2(c, c50, c51, accumulate); c += ldc;
        Store2(c, c60, c61, accumulate); c += ldc;
        Store2(c, c70, c71, accumulate); c += ldc;
        Store2(c, c80, c81, accumulate); c += ldc;
        Store2(c, c90, c91, accumulate); c += ldc;
        Store2(c, cA0, cA1, accumulate); c += ldc;
        Store2(c, cB0, cB1, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        v0.Store(c);
        v1.Store(c + 16);
    }

    /// <summary>4 rows of a 12-row A panel times four 16-column B panels (16 zmm accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x64(int kc, float* a, float* b0p, float* b1p, float* b2p, float* b3p, float* c, long ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b0p);
            var b1 = Vector512.Load(b1p);
            var b2 = Vector512.Load(b2p);
            var b3 = Vector512.Load(b3p);
            var av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(av, b2, c02); c03 = Avx512F.FusedMultiplyAdd(av, b3, c03);
            av = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            c12 = Avx512F.FusedMultiplyAdd(av, b2, c12); c13 = Avx512F.FusedMultiplyAdd(av, b3, c13);
            av = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            c22 = Avx512F.FusedMultiplyAdd(av, b2, c22); c23 = Avx512F.FusedMultiplyAdd(av, b3, c23);
            av = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            c32 = Avx512F.FusedMultiplyAdd(av, b2, c32); c33 = Avx512F.FusedMultiplyAdd(av, b3, c33);
            a += MR;
            b0p += NR;
            b1p += NR;
            b2p += NR;
            b3p += NR;
        }
        Store2(c, c00, c01, accumulate); Store2(c + 32, c02, c03, accumulate); c += ldc;
        Store2(c, c10, c11, accumulate); Store2(c + 32, c12, c13, accumulate); c += ldc;
        Store2(c, c20, c21, accumulate); Store2(c + 32, c22, c23, accumulate); c += ldc;
        Store2(c, c30, c31, accumulate); Store2(c + 32, c32, c33, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12x16(int kc, float* a, float* bp, float* c, long ldc, bool accumulate)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, cA = default, cB = default;
        for (int p = 0; p < kc; p++)
        {
            var b = Vector512.Load(bp);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), b, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), b, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), b, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), b, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), b, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), b, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), b, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), b, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[8]), b, c8);
            c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[9]), b, c9);
            cA = Avx512F.FusedMultiplyAdd(Vector512.Create(a[10]), b, cA);
            cB = Avx512F.FusedMultiplyAdd(Vector512.Create(a[11]), b, cB);
            a += MR;
            bp += NR;
        }
        Store1(c, c0, accumulate); c += ldc;
        Store1(c, c1, accumulate); c += ldc;
        Store1(c, c2, accumulate); c += ldc;
        Store1(c, c3, accumulate); c += ldc;
        Store1(c, c4, accumulate); c += ldc;
        Store1(c, c5, accumulate); c += ldc;
        Store1(c, c6, accumulate); c += ldc;
        Store1(c, c7, accumulate); c += ldc;
        Store1(c, c8, accumulate); c += ldc;
        Store1(c, c9, accumulate); c += ldc;
        Store1(c, cA, accumulate); c += ldc;
        Store1(c, cB, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store1(float* c, Vector512<float> v, bool accumulate)
    {
        if (accumulate) v += Vector512.Load(c);
        v.Store(c);
    }

    /// <summary>6 rows of a 12-row A panel (so the A stride per k is <see cref="MR"/>) times one 16-column B panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, float* a, float* bp, float* c, long ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += MR;
            bp += NR;
        }
        Store256(c, c00, c01, accumulate); c += ldc;
        Store256(c, c10, c11, accumulate); c += ldc;
        Store256(c, c20, c21, accumulate); c += ldc;
        Store256(c, c30, c31, accumulate); c += ldc;
        Store256(c, c40, c41, accumulate); c += ldc;
        Store256(c, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + 8);
        }
        v0.Store(c);
        v1.Store(c + 8);
    }
}
