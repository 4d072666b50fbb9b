using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Single-precision GEMM, BLAS semantics on row-major storage:
/// C = alpha·op(A)·op(B) + beta·C, op(A) is M×K, op(B) is K×N, lda/ldb/ldc are row strides.
/// When beta is 0, C is not read (so NaNs already in C do not leak), as in BLAS.
/// </summary>
/// <remarks>
/// Goto/BLIS structure: B is packed per (K block × N block) into NR-wide column panels, A per
/// (M block × K block) into MR-tall row panels, and a register-blocked micro-kernel computes one
/// MR×NR tile of C from a pair of panels with FMAs. Edge panels are zero-padded so the micro-kernel
/// never branches on size; only the final store of a partial tile does.
/// </remarks>
public static class Sgemm
{
    /// <summary>Which micro-kernel to use; <see cref="Auto"/> picks the widest the CPU supports.</summary>
    public enum Path
    {
        Auto,
        Scalar,
        Avx2,
        Avx512,
    }

    // K block: a packed A panel row (MR floats) and B panel row (NR floats) per k; KC·NR·4 bytes of B
    // panel stays in L1 while the A block (MC×KC) sits in L2.
    private const int KC = 256;
    private const int MC = 96;  // multiple of both MR values (8 and 6)
    private const int NC = 2048;

    /// <summary>Up to this many rows of C, packing B would cost about as much as the product itself.</summary>
    private const int SmallM = 4;

    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1)
        => Gemm(Path.Auto, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);

    /// <summary>Same as the BLAS-style overload but with a chosen micro-kernel (tests exercise every path).</summary>
    public static void Gemm(Path path, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1)
    {
        if (m < 0 || n < 0 || k < 0) throw new EngineException($"sgemm: negative size m={m} n={n} k={k}");
        if (m == 0 || n == 0) return;
        CheckOperand("C", c.Length, m, n, ldc);
        if (k == 0 || alpha == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        CheckOperand("A", a.Length, transA ? k : m, transA ? m : k, lda);
        CheckOperand("B", b.Length, transB ? n : k, transB ? k : n, ldb);

        path = Resolve(path);
        if (m <= SmallM)
        {
            SmallRows(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
            return;
        }
        int mr = path switch { Path.Avx512 => 8, Path.Avx2 => 6, _ => 4 };
        int nr = path switch { Path.Avx512 => 32, Path.Avx2 => 16, _ => 8 };
        threads = Math.Max(1, threads);

        int ncMax = Math.Min(NC, RoundUp(n, nr));
        int kcMax = Math.Min(KC, k);
        float[] bPack = ArrayPool<float>.Shared.Rent(kcMax * ncMax);
        try
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    // Later K blocks accumulate into what the first one stored.
                    float betaEff = pc == 0 ? beta : 1f;
                    PackB(transB, b, ldb, pc, kc, jc, nc, nr, bPack);
                    var job = new Block(path, mr, nr, transA, a, lda, pc, kc, jc, nc, alpha, betaEff, bPack, c, ldc, m);
                    job.Run(threads);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bPack);
        }
    }

    /// <summary>
    /// Few rows (GEMV-like, e.g. a batch-1 fully connected layer): no packing, each row of C is a
    /// sequence of vectorized axpys over rows of B, or of dot products with rows of B when B is
    /// transposed. Columns are split across threads.
    /// </summary>
    private static void SmallRows(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads)
    {
        // op(A) rows, contiguous, with alpha folded in.
        var aRows = new float[m * k];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) aRows[i * k + p] = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
        int chunks = threads > 1 && (long)n * k >= (1 << 18) ? Math.Min(threads, (n + 63) / 64) : 1;
        if (chunks <= 1)
        {
            SmallRowsRange(transB, m, k, aRows, b, ldb, beta, c, ldc, 0, n);
            return;
        }
        unsafe
        {
            fixed (float* bp = b)
            fixed (float* cp = c)
            {
                var bPtr = (IntPtr)bp;
                var cPtr = (IntPtr)cp;
                int bLen = b.Length, cLen = c.Length;
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                {
                    int j0 = (int)((long)n * t / chunks) / 16 * 16, j1 = t == chunks - 1 ? n : (int)((long)n * (t + 1) / chunks) / 16 * 16;
                    SmallRowsRange(transB, m, k, aRows, new ReadOnlySpan<float>((float*)bPtr, bLen), ldb, beta,
                        new Span<float>((float*)cPtr, cLen), ldc, j0, j1);
                });
            }
        }
    }

    private static void SmallRowsRange(bool transB, int m, int k, float[] aRows, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int j0, int j1)
    {
        int w = j1 - j0;
        if (w <= 0) return;
        var acc = new float[w];
        for (int i = 0; i < m; i++)
        {
            var aRow = aRows.AsSpan(i * k, k);
            if (transB)
            {
                for (int j = 0; j < w; j++) acc[j] = TensorPrimitives.Dot(aRow, b.Slice((j0 + j) * ldb, k));
            }
            else
            {
                Array.Clear(acc);
                for (int p = 0; p < k; p++)
                    TensorPrimitives.MultiplyAdd(b.Slice(p * ldb + j0, w), aRow[p], acc, acc);
            }
            var row = c.Slice(i * ldc + j0, w);
            if (beta == 0) acc.CopyTo(row);
            else TensorPrimitives.MultiplyAdd(row, beta, acc, row); // beta·row + acc
        }
    }

    private static Path Resolve(Path p)
    {
        if (p == Path.Auto)
        {
            if (Avx512F.IsSupported) return Path.Avx512;
            if (Avx2.IsSupported && Fma.IsSupported) return Path.Avx2;
            return Path.Scalar;
        }
        if (p == Path.Avx512 && !Avx512F.IsSupported) throw new EngineException("sgemm: AVX-512 is not supported on this CPU");
        if (p == Path.Avx2 && !(Avx2.IsSupported && Fma.IsSupported)) throw new EngineException("sgemm: AVX2/FMA is not supported on this CPU");
        return p;
    }

    private static void CheckOperand(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols)) throw new EngineException($"sgemm: leading dimension of {name} ({ld}) is smaller than its width {cols}");
        long need = (long)(rows - 1) * ld + cols;
        if (rows > 0 && cols > 0 && length < need)
            throw new EngineException($"sgemm: {name} holds {length} elements but a {rows}x{cols} matrix with stride {ld} needs {need}");
    }

    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private static int RoundUp(int x, int r) => (x + r - 1) / r * r;

    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc] as NR-wide panels: panel j holds kc rows of NR floats.</summary>
    private static void PackB(bool transB, ReadOnlySpan<float> b, int ldb, int pc, int kc, int jc, int nc, int nr, float[] dst)
    {
        int d = 0;
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int w = Math.Min(nr, nc - j0);
            int col = jc + j0;
            if (!transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    b.Slice((pc + p) * ldb + col, w).CopyTo(dst.AsSpan(d, w));
                    if (w < nr) dst.AsSpan(d + w, nr - w).Clear();
                    d += nr;
                }
            }
            else
            {
                // op(B)[p, j] = B[j, p]: each source row j is contiguous along p.
                if (w < nr) dst.AsSpan(d, kc * nr).Clear();
                ref float o = ref dst[d];
                int jj = 0;
                // Four source rows at a time so each packed row gets four contiguous stores.
                for (; jj + 4 <= w; jj += 4)
                {
                    ref float s0 = ref MemoryMarshal.GetReference(b.Slice((col + jj) * ldb + pc, kc));
                    ref float s1 = ref MemoryMarshal.GetReference(b.Slice((col + jj + 1) * ldb + pc, kc));
                    ref float s2 = ref MemoryMarshal.GetReference(b.Slice((col + jj + 2) * ldb + pc, kc));
                    ref float s3 = ref MemoryMarshal.GetReference(b.Slice((col + jj + 3) * ldb + pc, kc));
                    for (int p = 0; p < kc; p++)
                    {
                        ref float t = ref Unsafe.Add(ref o, p * nr + jj);
                        t = Unsafe.Add(ref s0, p);
                        Unsafe.Add(ref t, 1) = Unsafe.Add(ref s1, p);
                        Unsafe.Add(ref t, 2) = Unsafe.Add(ref s2, p);
                        Unsafe.Add(ref t, 3) = Unsafe.Add(ref s3, p);
                    }
                }
                for (; jj < w; jj++)
                {
                    var src = b.Slice((col + jj) * ldb + pc, kc);
                    for (int p = 0; p < kc; p++) Unsafe.Add(ref o, p * nr + jj) = src[p];
                }
                d += kc * nr;
            }
        }
    }

    /// <summary>Packs op(A)[ic..ic+mc, pc..pc+kc] as MR-tall panels: panel i holds kc columns of MR floats.</summary>
    private static void PackA(bool transA, ReadOnlySpan<float> a, int lda, int ic, int mc, int pc, int kc, int mr, Span<float> dst)
    {
        int d = 0;
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int h = Math.Min(mr, mc - i0);
            int row = ic + i0;
            if (transA)
            {
                // op(A)[i, p] = A[p, i]: each source row p is contiguous along i.
                for (int p = 0; p < kc; p++)
                {
                    a.Slice((pc + p) * lda + row, h).CopyTo(dst.Slice(d, h));
                    if (h < mr) dst.Slice(d + h, mr - h).Clear();
                    d += mr;
                }
            }
            else
            {
                if (h < mr) dst.Slice(d, kc * mr).Clear();
                for (int ii = 0; ii < h; ii++)
                {
                    var src = a.Slice((row + ii) * lda + pc, kc);
                    int o = d + ii;
                    for (int p = 0; p < kc; p++, o += mr) dst[o] = src[p];
                }
                d += kc * mr;
            }
        }
    }

    /// <summary>One (K block × N block) step: all M blocks against one packed B block, split across threads.</summary>
    private readonly ref struct Block
    {
        private readonly Path _path;
        private readonly int _mr, _nr, _lda, _pc, _kc, _jc, _nc, _ldc, _m;
        private readonly bool _transA;
        private readonly ReadOnlySpan<float> _a;
        private readonly float _alpha, _beta;
        private readonly float[] _bPack;
        private readonly Span<float> _c;

        public Block(Path path, int mr, int nr, bool transA, ReadOnlySpan<float> a, int lda, int pc, int kc, int jc, int nc,
            float alpha, float beta, float[] bPack, Span<float> c, int ldc, int m)
        {
            _path = path; _mr = mr; _nr = nr; _transA = transA; _a = a; _lda = lda; _pc = pc; _kc = kc; _jc = jc; _nc = nc;
            _alpha = alpha; _beta = beta; _bPack = bPack; _c = c; _ldc = ldc; _m = m;
        }

        public void Run(int threads)
        {
            int mBlocks = (_m + MC - 1) / MC;
            int nPanels = (_nc + _nr - 1) / _nr;
            long work = (long)_m * _nc * _kc;
            // Below ~1 MFLOP the fork/join costs more than it saves.
            if (threads <= 1 || work < (1 << 19))
            {
                float[] aPack = ArrayPool<float>.Shared.Rent(MC * _kc);
                try
                {
                    for (int ib = 0; ib < mBlocks; ib++) RunTile(ib, 0, nPanels, aPack);
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(aPack);
                }
                return;
            }

            // Split N panels too when there are fewer M blocks than threads (e.g. skinny outputs).
            int nSplit = Math.Min(nPanels, Math.Max(1, (threads + mBlocks - 1) / mBlocks));
            int tasks = mBlocks * nSplit;
            // Spans cannot be captured by a lambda; pin the operands for the duration of the parallel loop.
            unsafe
            {
                fixed (float* ap = _a)
                fixed (float* cp = _c)
                {
                    var state = new Shared(_path, _mr, _nr, _transA, ap, _a.Length, _lda, _pc, _kc, _jc, _nc, _alpha, _beta,
                        _bPack, cp, _c.Length, _ldc, _m, nPanels, nSplit);
                    int packLen = MC * _kc;
                    Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => ArrayPool<float>.Shared.Rent(packLen),
                        (t, _, aPack) => { state.RunTask(t, aPack); return aPack; },
                        aPack => ArrayPool<float>.Shared.Return(aPack));
                }
            }
        }

        private void RunTile(int ib, int panel0, int panel1, float[] aPack) =>
            Compute(_path, _mr, _nr, _transA, _a, _lda, _pc, _kc, _jc, _alpha, _beta, _bPack, _c, _ldc, _m, _nc, ib, panel0, panel1, aPack);
    }

    /// <summary>The parallel form of <see cref="Block"/>: raw pointers so worker lambdas can reach the operands.</summary>
    private sealed unsafe class Shared(Path path, int mr, int nr, bool transA, float* a, int aLen, int lda, int pc, int kc, int jc, int nc,
        float alpha, float beta, float[] bPack, float* c, int cLen, int ldc, int m, int nPanels, int nSplit)
    {
        public void RunTask(int t, float[] aPack)
        {
            int ib = t / nSplit, part = t % nSplit;
            int p0 = (int)((long)nPanels * part / nSplit), p1 = (int)((long)nPanels * (part + 1) / nSplit);
            if (p0 >= p1) return;
            Compute(path, mr, nr, transA, new ReadOnlySpan<float>(a, aLen), lda, pc, kc, jc, alpha, beta, bPack,
                new Span<float>(c, cLen), ldc, m, nc, ib, p0, p1, aPack);
        }
    }

    /// <summary>Packs M block <paramref name="ib"/> of A and multiplies it by B panels [panel0, panel1).</summary>
    private static void Compute(Path path, int mr, int nr, bool transA, ReadOnlySpan<float> a, int lda, int pc, int kc, int jc,
        float alpha, float beta, float[] bPack, Span<float> c, int ldc, int m, int nc, int ib, int panel0, int panel1, float[] aPack)
    {
        int ic = ib * MC;
        int mc = Math.Min(MC, m - ic);
        PackA(transA, a, lda, ic, mc, pc, kc, mr, aPack);
        Span<float> tile = stackalloc float[8 * 32];
        for (int panel = panel0; panel < panel1; panel++)
        {
            int j0 = panel * nr;
            int w = Math.Min(nr, nc - j0);
            ref float bp = ref bPack[panel * kc * nr];
            for (int i0 = 0; i0 < mc; i0 += mr)
            {
                int h = Math.Min(mr, mc - i0);
                ref float ap = ref aPack[i0 * kc];
                int cOff = (ic + i0) * ldc + jc + j0;
                bool full = h == mr && w == nr;
                // A full tile is stored in place; a partial one goes through a scratch tile so the
                // micro-kernel can always write MR×NR.
                switch (path)
                {
                    case Path.Avx512:
                        if (full) Kernel8x32(kc, ref ap, ref bp, ref c[cOff], ldc, alpha, beta);
                        else
                        {
                            Kernel8x32(kc, ref ap, ref bp, ref tile[0], nr, 1f, 0f);
                            StoreEdge(tile, nr, c, cOff, ldc, h, w, alpha, beta);
                        }
                        break;
                    case Path.Avx2:
                        if (full) Kernel6x16(kc, ref ap, ref bp, ref c[cOff], ldc, alpha, beta);
                        else
                        {
                            Kernel6x16(kc, ref ap, ref bp, ref tile[0], nr, 1f, 0f);
                            StoreEdge(tile, nr, c, cOff, ldc, h, w, alpha, beta);
                        }
                        break;
                    default:
                        KernelScalar(kc, mr, nr, ref ap, ref bp, tile);
                        StoreEdge(tile, nr, c, cOff, ldc, h, w, alpha, beta);
                        break;
                }
            }
        }
    }

    private static void StoreEdge(ReadOnlySpan<float> tile, int nr, Span<float> c, int cOff, int ldc, int h, int w, float alpha, float beta)
    {
        for (int i = 0; i < h; i++)
        {
            var dst = c.Slice(cOff + i * ldc, w);
            var src = tile.Slice(i * nr, w);
            if (beta == 0)
                for (int j = 0; j < w; j++) dst[j] = alpha * src[j];
            else
                for (int j = 0; j < w; j++) dst[j] = alpha * src[j] + beta * dst[j];
        }
    }

    private static void KernelScalar(int kc, int mr, int nr, ref float a, ref float b, Span<float> tile)
    {
        tile.Slice(0, mr * nr).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < mr; i++)
            {
                float av = Unsafe.Add(ref a, p * mr + i);
                var row = tile.Slice(i * nr, nr);
                for (int j = 0; j < nr; j++) row[j] += av * Unsafe.Add(ref b, p * nr + j);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int kc, ref float a, ref float b, ref float c, int ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref b);
            var b1 = Vector512.LoadUnsafe(ref b, 16);
            var av = Vector512.Create(a);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(Unsafe.Add(ref a, 1));
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(Unsafe.Add(ref a, 2));
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(Unsafe.Add(ref a, 3));
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(Unsafe.Add(ref a, 4));
            c40 = Avx512F.FusedMultiplyAdd(av, b0, c40); c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(Unsafe.Add(ref a, 5));
            c50 = Avx512F.FusedMultiplyAdd(av, b0, c50); c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(Unsafe.Add(ref a, 6));
            c60 = Avx512F.FusedMultiplyAdd(av, b0, c60); c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(Unsafe.Add(ref a, 7));
            c70 = Avx512F.FusedMultiplyAdd(av, b0, c70); c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
            a = ref Unsafe.Add(ref a, 8);
            b = ref Unsafe.Add(ref b, 32);
        }
        Store512(ref c, c00, c01, alpha, beta);
        Store512(ref Unsafe.Add(ref c, ldc), c10, c11, alpha, beta);
        Store512(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, alpha, beta);
        Store512(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, alpha, beta);
        Store512(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, alpha, beta);
        Store512(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, alpha, beta);
        Store512(ref Unsafe.Add(ref c, 6 * ldc), c60, c61, alpha, beta);
        Store512(ref Unsafe.Add(ref c, 7 * ldc), c70, c71, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(ref float c, Vector512<float> v0, Vector512<float> v1, float alpha, float beta)
    {
        var va = Vector512.Create(alpha);
        v0 *= va;
        v1 *= va;
        if (beta != 0)
        {
            var vb = Vector512.Create(beta);
            v0 = Avx512F.FusedMultiplyAdd(vb, Vector512.LoadUnsafe(ref c), v0);
            v1 = Avx512F.FusedMultiplyAdd(vb, Vector512.LoadUnsafe(ref c, 16), v1);
        }
        v0.StoreUnsafe(ref c);
        v1.StoreUnsafe(ref c, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, ref float a, ref float b, ref float c, int ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadUnsafe(ref b);
            var b1 = Vector256.LoadUnsafe(ref b, 8);
            var av = Vector256.Create(a);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a = ref Unsafe.Add(ref a, 6);
            b = ref Unsafe.Add(ref b, 16);
        }
        Store256(ref c, c00, c01, alpha, beta);
        Store256(ref Unsafe.Add(ref c, ldc), c10, c11, alpha, beta);
        Store256(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, alpha, beta);
        Store256(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, alpha, beta);
        Store256(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, alpha, beta);
        Store256(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(ref float c, Vector256<float> v0, Vector256<float> v1, float alpha, float beta)
    {
        var va = Vector256.Create(alpha);
        v0 *= va;
        v1 *= va;
        if (beta != 0)
        {
            var vb = Vector256.Create(beta);
            v0 = Fma.MultiplyAdd(vb, Vector256.LoadUnsafe(ref c), v0);
            v1 = Fma.MultiplyAdd(vb, Vector256.LoadUnsafe(ref c, 8), v1);
        }
        v0.StoreUnsafe(ref c);
        v1.StoreUnsafe(ref c, 8);
    }
}
