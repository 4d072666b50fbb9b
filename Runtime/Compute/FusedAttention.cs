using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Engine.Runtime.Compute;

/// <summary>
/// Scaled dot-product attention, softmax(scale·Q·Kᵀ [softcap] + mask)·V, fused FlashAttention-style: the score
/// matrix is never materialized. Each task takes one (batch, head, block of <see cref="RowBlock"/> queries) and
/// walks the keys in blocks of <see cref="KeyBlock"/>, keeping a running row max, row sum and output accumulator
/// (the online softmax): a block's scores S = Q·Kᵀ and its contribution P·V both run on the GEMM micro-kernels.
/// K and V of every (batch, kv head) are first packed once into the micro-kernels' column panels (scratch), so
/// the query blocks of every head that shares them read them in place.
/// </summary>
public static unsafe class FusedAttention
{
    /// <summary>Queries per task: four 12-row micro-panels.</summary>
    public const int RowBlock = 48;

    /// <summary>Keys per block of the online softmax.</summary>
    public const int KeyBlock = 128;

    private const int MR = MicroKernels.MR, NR = MicroKernels.NR;

    private static int RoundUp(int x, int r) => (x + r - 1) / r * r;

    private static int KeysPerBlock(in AttentionShape s) => Math.Min(KeyBlock, Math.Max(NR, RoundUp(s.SeqKv, NR)));

    private static long KPackLength(in AttentionShape s) => (long)RoundUp(s.SeqKv, NR) * s.HeadDim;

    private static long VPackLength(in AttentionShape s) => (long)RoundUp(s.ValueDim, NR) * s.SeqKv;

    private static long PerWorker(in AttentionShape s)
    {
        int rb = RoundUp(Math.Min(RowBlock, Math.Max(s.SeqQ, 1)), MR), kb = KeysPerBlock(s);
        // packed Q, scores, packed P, output accumulator, row max, row sum, row correction
        return (long)rb * s.HeadDim + (long)rb * kb + (long)rb * kb + (long)rb * Math.Max(s.ValueDim, 1) + 3L * rb;
    }

    /// <summary>Scratch floats <see cref="Run"/> needs on up to <paramref name="threads"/> threads.</summary>
    public static long ScratchLength(in AttentionShape s, int threads)
    {
        s.Validate();
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        return (long)s.Batch * s.KvHeads * (KPackLength(s) + VPackLength(s)) + threads * PerWorker(s);
    }

    /// <summary>
    /// Y = attention(Q, K, V, mask). Exactly one of <paramref name="additiveMask"/> / <paramref name="boolMask"/>
    /// is used, as <see cref="AttentionShape.Mask"/> says. <paramref name="scratch"/> holds <see cref="ScratchLength"/>
    /// floats. Y must not overlap the inputs or the scratch.
    /// </summary>
    public static void Run(in AttentionShape s, float* q, float* k, float* v, float* additiveMask, bool* boolMask, float* y,
        float* scratch, int threads = 1, ComputeIsa isa = ComputeIsa.Auto)
    {
        s.Validate();
        if (s.Mask == AttentionMaskKind.Additive && additiveMask == null || s.Mask == AttentionMaskKind.Boolean && boolMask == null)
            throw new EngineException($"attention: the {s.Mask} mask is missing");
        if (s.Batch == 0 || s.SeqQ == 0 || s.ValueDim == 0) return;
        isa = Isa.Resolve(isa);
        threads = Math.Clamp(threads, 1, ParallelFor.MaxThreads);
        if (s.SeqKv == 0)
        {
            // No key at all: every query yields zeros.
            for (int b = 0; b < s.Batch; b++)
                for (int h = 0; h < s.QHeads; h++)
                    for (int i = 0; i < s.SeqQ; i++)
                        new Span<float>(y + b * s.YBatchStride + h * s.YHeadStride + i * s.YRowStride, s.ValueDim).Clear();
            return;
        }
        long work = (long)s.Batch * s.QHeads * s.SeqQ * s.SeqKv * (s.HeadDim + s.ValueDim);
        if (work < 1 << 16) threads = 1;
        long kvLen = KPackLength(s) + VPackLength(s);
        var pack = new PackBody { S = s, K = k, V = v, Dst = scratch, Stride = kvLen };
        ParallelFor.Run(s.Batch * s.KvHeads, threads, ref pack);
        int rowBlocks = (s.SeqQ + RowBlock - 1) / RowBlock;
        var body = new AttentionBody
        {
            S = s,
            Isa = isa,
            Q = q,
            KV = scratch,
            KvStride = kvLen,
            Y = y,
            MaskF = additiveMask,
            MaskB = boolMask,
            Work = scratch + (long)s.Batch * s.KvHeads * kvLen,
            PerWorker = PerWorker(s),
            RowBlocks = rowBlocks,
            Kb = KeysPerBlock(s),
        };
        ParallelFor.Run(s.Batch * s.QHeads * rowBlocks, threads, ref body);
    }

    /// <summary>Packs Kᵀ (head × keys) and V (keys × value) of one (batch, kv head) into 16-column panels.</summary>
    private struct PackBody : IParallelBody
    {
        public AttentionShape S;
        public float* K, V, Dst;
        public long Stride;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int index, int worker)
        {
            int b = index / S.KvHeads, h = index % S.KvHeads;
            int t = S.SeqKv, d = S.HeadDim, dv = S.ValueDim;
            float* kp = Dst + index * Stride, vp = kp + KPackLength(S);
            float* ks = K + b * S.KBatchStride + h * S.KHeadStride;
            float* vs = V + b * S.VBatchStride + h * S.VHeadStride;
            long kr = S.KRowStride, vr = S.VRowStride;
            // Kᵀ panel j: for each head index, keys 16j..16j+15 (zero past the last key).
            for (int j0 = 0; j0 < t; j0 += NR)
            {
                float* panel = kp + (long)j0 * d;
                int w = Math.Min(NR, t - j0);
                if (w < NR) new Span<float>(panel, NR * d).Clear();
                for (int jj = 0; jj < w; jj++)
                {
                    float* src = ks + (j0 + jj) * kr;
                    for (int p = 0; p < d; p++) panel[p * NR + jj] = src[p];
                }
            }
            // V panel c: for each key, value columns 16c..16c+15.
            for (int c0 = 0; c0 < dv; c0 += NR)
            {
                float* panel = vp + (long)c0 * t;
                int w = Math.Min(NR, dv - c0);
                for (int r = 0; r < t; r++)
                {
                    float* src = vs + r * vr + c0;
                    float* dst = panel + r * NR;
                    int c = 0;
                    for (; c < w; c++) dst[c] = src[c];
                    for (; c < NR; c++) dst[c] = 0;
                }
            }
        }
    }

    private struct AttentionBody : IParallelBody
    {
        public AttentionShape S;
        public ComputeIsa Isa;
        public float* Q, KV, Y, MaskF, Work;
        public bool* MaskB;
        public long KvStride, PerWorker;
        public int RowBlocks, Kb;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int index, int worker)
        {
            int rbi = index % RowBlocks, bh = index / RowBlocks;
            int b = bh / S.QHeads, h = bh % S.QHeads, kvh = h / (S.QHeads / S.KvHeads);
            int r0 = rbi * RowBlock, rows = Math.Min(RowBlock, S.SeqQ - r0);
            int d = S.HeadDim, dv = S.ValueDim, t = S.SeqKv, kb = Kb;
            int rbPad = RoundUp(Math.Min(RowBlock, Math.Max(S.SeqQ, 1)), MR);
            float* qp = Work + worker * PerWorker;
            float* sc = qp + (long)rbPad * d;
            float* pp = sc + (long)rbPad * kb;
            float* o = pp + (long)rbPad * kb;
            float* mx = o + (long)rbPad * Math.Max(dv, 1);
            float* sum = mx + rbPad;
            float* corr = sum + rbPad;
            float* kp = KV + (b * S.KvHeads + kvh) * KvStride;
            float* vp = kp + KPackLength(S);

            // Q rows, pre-scaled, into 12-row panels.
            float* qs = Q + b * S.QBatchStride + h * S.QHeadStride + r0 * S.QRowStride;
            float scale = S.Scale;
            for (int i0 = 0; i0 < rows; i0 += MR)
            {
                float* panel = qp + (long)i0 * d;
                int hgt = Math.Min(MR, rows - i0);
                if (hgt < MR) new Span<float>(panel, MR * d).Clear();
                for (int ii = 0; ii < hgt; ii++)
                {
                    float* src = qs + (i0 + ii) * S.QRowStride;
                    for (int p = 0; p < d; p++) panel[p * MR + ii] = src[p] * scale;
                }
            }
            new Span<float>(o, rows * dv).Clear();
            new Span<float>(mx, rows).Fill(float.NegativeInfinity);
            new Span<float>(sum, rows).Clear();

            int lastVisible = S.Causal ? r0 + rows - 1 + S.CausalOffset : int.MaxValue;
            for (int j0 = 0; j0 < t && j0 <= lastVisible; j0 += kb)
            {
                int kc = Math.Min(kb, t - j0);
                MicroKernels.Block(Isa, d, qp, (long)d * MR, rows, kp + (long)j0 * d, (long)d * NR, kc, sc, kb, false);
                // Online softmax over the block: per row the new running max and the correction of what was
                // accumulated so far; the scores shifted by the max go through one Exp call for the whole block.
                bool bias = S.Softcap > 0 || S.Mask != AttentionMaskKind.None || S.Causal;
                for (int i = 0; i < rows; i++)
                {
                    float* row = sc + (long)i * kb;
                    if (bias) BiasRow(new Span<float>(row, kc), b, h, r0 + i, j0);
                    float mNew = Math.Max(mx[i], RowMax(row, kc));
                    if (float.IsNegativeInfinity(mNew))
                    {
                        corr[i] = 1f; // nothing admissible yet: the row stays -inf, so its exps are 0
                        continue;
                    }
                    corr[i] = MathF.Exp(mx[i] - mNew);
                    mx[i] = mNew;
                    SubtractInPlace(row, kc, mNew);
                }
                var block = new Span<float>(sc, (rows - 1) * kb + kc);
                TensorPrimitives.Exp(block, block);
                // P (rows × kc) into 12-row panels with its row sums, then O += P·V[j0 .. j0+kc).
                for (int i0 = 0; i0 < rows; i0 += MR)
                {
                    float* panel = pp + (long)i0 * kc;
                    int hgt = Math.Min(MR, rows - i0);
                    if (hgt < MR) new Span<float>(panel, MR * kc).Clear();
                    for (int ii = 0; ii < hgt; ii++)
                    {
                        int i = i0 + ii;
                        float* src = sc + (long)i * kb;
                        float rs = 0;
                        for (int j = 0; j < kc; j++)
                        {
                            float e = src[j];
                            rs += e;
                            panel[j * MR + ii] = e;
                        }
                        float c = corr[i];
                        sum[i] = sum[i] * c + rs;
                        if (c != 1f)
                        {
                            var orow = new Span<float>(o + (long)i * dv, dv);
                            TensorPrimitives.Multiply(orow, c, orow);
                        }
                    }
                }
                MicroKernels.Block(Isa, kc, pp, (long)kc * MR, rows, vp + (long)j0 * NR, (long)t * NR, dv, o, dv, true);
            }

            float* ys = Y + b * S.YBatchStride + h * S.YHeadStride + r0 * S.YRowStride;
            for (int i = 0; i < rows; i++)
            {
                var dst = new Span<float>(ys + i * S.YRowStride, dv);
                if (sum[i] > 0) TensorPrimitives.Divide(new ReadOnlySpan<float>(o + (long)i * dv, dv), sum[i], dst);
                else dst.Clear();
            }
        }

        private static float RowMax(float* p, int n)
        {
            int j = 0;
            float m = float.NegativeInfinity;
            if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
            {
                var vm = new Vector<float>(float.NegativeInfinity);
                for (; j + Vector<float>.Count <= n; j += Vector<float>.Count) vm = Vector.Max(vm, Vector.Load(p + j));
                for (int l = 0; l < Vector<float>.Count; l++) m = Math.Max(m, vm[l]);
            }
            for (; j < n; j++) m = Math.Max(m, p[j]);
            return m;
        }

        private static void SubtractInPlace(float* p, int n, float v)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vv = new Vector<float>(v);
                for (; j + Vector<float>.Count <= n; j += Vector<float>.Count) Vector.Store(Vector.Load(p + j) - vv, p + j);
            }
            for (; j < n; j++) p[j] -= v;
        }

        /// <summary>softcap, then the mask and causal bias, on the scores of query i against keys j0.. .</summary>
        private readonly void BiasRow(Span<float> row, int b, int h, int i, int j0)
        {
            if (S.Softcap > 0)
            {
                TensorPrimitives.Multiply(row, 1f / S.Softcap, row);
                TensorPrimitives.Tanh(row, row);
                TensorPrimitives.Multiply(row, S.Softcap, row);
            }
            int kc = row.Length;
            if (S.Mask != AttentionMaskKind.None)
            {
                long off = b * S.MaskStrideB + h * S.MaskStrideH + i * S.MaskStrideI + j0;
                int inMask = Math.Clamp(S.MaskWidth - j0, 0, kc);
                if (S.Mask == AttentionMaskKind.Additive)
                {
                    var m = new ReadOnlySpan<float>(MaskF + off, inMask);
                    TensorPrimitives.Add(row.Slice(0, inMask), m, row.Slice(0, inMask));
                }
                else
                {
                    bool* m = MaskB + off;
                    for (int j = 0; j < inMask; j++)
                        if (!m[j]) row[j] = float.NegativeInfinity;
                }
                row.Slice(inMask).Fill(float.NegativeInfinity);
            }
            if (S.Causal)
            {
                long first = (long)i + S.CausalOffset + 1 - j0;
                if (first < kc) row.Slice((int)Math.Max(0, first)).Fill(float.NegativeInfinity);
            }
        }
    }
}
