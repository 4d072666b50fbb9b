using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Runtime.Compute;

/// <summary>
/// The geometry of a 2-D pooling over NCHW: input N×C×H×W, kernel KH×KW, strides, dilations, begin pads
/// (top/left) and the output size OH×OW the caller resolved (ceil_mode and auto_pad are already folded into
/// OH/OW and the pads). <see cref="PadBottom"/>/<see cref="PadRight"/> only matter for count_include_pad:
/// taps in the explicit padding count, taps in the ceil_mode overhang beyond it do not.
/// </summary>
public readonly record struct Pool2DShape(
    int N, int C, int H, int W, int KH, int KW, int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationH, int DilationW, int OH, int OW)
{
    internal void Validate()
    {
        if (N < 0 || C < 0 || H < 0 || W < 0 || OH < 0 || OW < 0) throw new EngineException($"pool2d: negative size in {this}");
        if (KH < 1 || KW < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1 || PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0)
            throw new EngineException($"pool2d: invalid window {this}");
    }

    /// <summary>Length of a padded, vertically reduced row: every column some output window reads.</summary>
    internal int RowLength => Math.Max(PadLeft + W, (OW - 1) * StrideW + (KW - 1) * DilationW + 1);
}

/// <summary>
/// MaxPool / AveragePool over 2-D NCHW planes and the global pools, parallel over the N·C planes.
/// </summary>
/// <remarks>
/// Pooling is separable: per output row, the KH (dilated) input rows of the window are first reduced
/// element-wise into one padded row (vectorized across the width), which is split into StrideW phases
/// (element j goes to phase j % s, slot j / s) so that every horizontal tap of consecutive outputs is a
/// contiguous run whatever the stride or dilation; the horizontal reduction is then plain vector loads.
/// Padding reads −∞ (max) or 0 (average). NaN in max windows: a NaN is skipped like the reference kernel
/// does, except when it is the first value the running maximum starts from (then the result is NaN).
/// AveragePool divides by the per-(row, column) tap counts, which factor into a row count × column count.
/// </remarks>
public static unsafe class Pool2D
{
    public static void MaxPool(float* x, float* y, in Pool2DShape s, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        s.Validate();
        var body = new Body { S = s, X = x, Y = y, Max = true, Isa = Isa.Resolve(isa) };
        ParallelFor.Run(s.N * s.C, Threads(s, threads), ref body);
    }

    public static void AveragePool(float* x, float* y, in Pool2DShape s, bool countIncludePad, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        s.Validate();
        var body = new Body { S = s, X = x, Y = y, Max = false, IncludePad = countIncludePad, Isa = Isa.Resolve(isa) };
        ParallelFor.Run(s.N * s.C, Threads(s, threads), ref body);
    }

    /// <summary>y[p] = mean of plane p (NaN for empty planes), planes of <paramref name="size"/> contiguous floats.</summary>
    public static void GlobalAveragePool(float* x, float* y, int planes, int size, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        var body = new GlobalBody { X = x, Y = y, Size = size, Max = false, Isa = Isa.Resolve(isa) };
        ParallelFor.Run(planes, (long)planes * size < 1 << 15 ? 1 : threads, ref body);
    }

    /// <summary>y[p] = max of plane p (−∞ for empty planes).</summary>
    public static void GlobalMaxPool(float* x, float* y, int planes, int size, int threads, ComputeIsa isa = ComputeIsa.Auto)
    {
        var body = new GlobalBody { X = x, Y = y, Size = size, Max = true, Isa = Isa.Resolve(isa) };
        ParallelFor.Run(planes, (long)planes * size < 1 << 15 ? 1 : threads, ref body);
    }

    private static int Threads(in Pool2DShape s, int threads) =>
        (long)s.N * s.C * s.OH * s.OW * s.KH * s.KW < 1 << 15 ? 1 : threads;

    private struct GlobalBody : IParallelBody
    {
        public float* X, Y;
        public int Size;
        public bool Max;
        public ComputeIsa Isa;

        public readonly void Execute(int index, int worker)
        {
            float* p = X + (long)index * Size;
            if (Max) Y[index] = Reductions.Max(p, Size, Isa);
            else Y[index] = Size == 0 ? float.NaN : Reductions.Sum(p, Size, Isa) / Size;
        }
    }

    private struct Body : IParallelBody
    {
        public Pool2DShape S;
        public float* X, Y;
        public bool Max, IncludePad;
        public ComputeIsa Isa;

        public readonly void Execute(int index, int worker)
        {
            int rowLen = S.RowLength;
            int sw = S.StrideW, phaseLen = (rowLen + sw - 1) / sw;
            // Scratch: the reduced padded row, its phase split (stride > 1), and 1/colCount for averages.
            float* row = ThreadScratch.Get(rowLen + sw * phaseLen + S.OW + 64);
            float* phases = sw == 1 ? row : row + rowLen;
            float* invCol = phases + (sw == 1 ? rowLen : sw * phaseLen);
            float fill = Max ? float.NegativeInfinity : 0f;
            int ow = S.OW;
            if (!Max) ColumnWeights(invCol);
            float* xp = X + (long)index * S.H * S.W;
            float* yp = Y + (long)index * S.OH * ow;
            for (int oh = 0; oh < S.OH; oh++)
            {
                float* yr = yp + (long)oh * ow;
                int top = oh * S.StrideH - S.PadTop;
                // Vertical pass: the window's rows that exist, reduced into the padded row.
                int rows = 0, padRows = 0;
                for (int ky = 0; ky < S.KH; ky++)
                {
                    int ih = top + ky * S.DilationH;
                    if (ih >= -S.PadTop && ih < S.H + S.PadBottom) padRows++;
                    if ((uint)ih >= (uint)S.H) continue;
                    float* src = xp + (long)ih * S.W;
                    if (rows == 0)
                    {
                        new Span<float>(row, S.PadLeft).Fill(fill);
                        new ReadOnlySpan<float>(src, S.W).CopyTo(new Span<float>(row + S.PadLeft, S.W));
                        new Span<float>(row + S.PadLeft + S.W, rowLen - S.PadLeft - S.W).Fill(fill);
                    }
                    else if (Max) Combine<MaxOp>(row + S.PadLeft, src, S.W, Isa);
                    else Combine<AddOp>(row + S.PadLeft, src, S.W, Isa);
                    rows++;
                }
                if (rows == 0)
                {
                    // No input row under the window (padding only): the reference gives 0 for max, NaN for average.
                    float v = Max ? 0f : IncludePad && padRows > 0 ? 0f : float.NaN;
                    new Span<float>(yr, ow).Fill(v);
                    continue;
                }
                float* src0 = row;
                if (sw > 1)
                {
                    int done = 0;
                    if (sw == 2 && Isa == ComputeIsa.Avx512) done = Deinterleave2(row, rowLen, phases, phaseLen);
                    for (int q = 0; q < sw; q++)
                    {
                        float* ph = phases + q * phaseLen;
                        int t = done;
                        for (int j = q + done * sw; j < rowLen; j += sw) ph[t++] = row[j];
                        for (; t < phaseLen; t++) ph[t] = fill;
                    }
                    src0 = phases;
                }
                if (Max) Horizontal<MaxOp>(src0, phaseLen, yr, null, 1f, Isa);
                else Horizontal<AddOp>(src0, phaseLen, yr, invCol, 1f / (IncludePad ? padRows : rows), Isa);
                if (Max && S.PadLeft + S.PadRight > 0) FixEmptyColumns(yr);
            }
        }

        /// <summary>y[o] = reduce over kx of the phase-split row, times invCol[o]·rowScale for averages.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Horizontal<TOp>(float* src, int phaseLen, float* y, float* invCol, float rowScale, ComputeIsa isa) where TOp : IReduceOp
        {
            int kw = S.KW, sw = S.StrideW, ow = S.OW;
            int* off = stackalloc int[kw];
            for (int kx = 0; kx < kw; kx++)
            {
                int d = kx * S.DilationW;
                off[kx] = sw == 1 ? d : d % sw * phaseLen + d / sw;
            }
            int o = 0;
            if (isa == ComputeIsa.Avx512)
            {
                var scale = Vector512.Create(rowScale);
                for (; o + 16 <= ow; o += 16)
                {
                    var acc = Vector512.Load(src + o + off[0]);
                    for (int kx = 1; kx < kw; kx++) acc = TOp.Apply(Vector512.Load(src + o + off[kx]), acc);
                    if (invCol != null) acc = acc * Vector512.Load(invCol + o) * scale;
                    acc.Store(y + o);
                }
            }
            if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
            {
                var scale = Vector256.Create(rowScale);
                for (; o + 8 <= ow; o += 8)
                {
                    var acc = Vector256.Load(src + o + off[0]);
                    for (int kx = 1; kx < kw; kx++) acc = TOp.Apply(Vector256.Load(src + o + off[kx]), acc);
                    if (invCol != null) acc = acc * Vector256.Load(invCol + o) * scale;
                    acc.Store(y + o);
                }
            }
            for (; o < ow; o++)
            {
                float acc = src[o + off[0]];
                for (int kx = 1; kx < kw; kx++) acc = TOp.Apply(src[o + off[kx]], acc);
                y[o] = invCol != null ? acc * invCol[o] * rowScale : acc;
            }
        }

        /// <summary>1 / (taps per output column): inside the image, or inside image + explicit pads (count_include_pad).</summary>
        private readonly void ColumnWeights(float* invCol)
        {
            for (int o = 0; o < S.OW; o++)
            {
                int count = 0;
                for (int kx = 0; kx < S.KW; kx++)
                {
                    int iw = o * S.StrideW - S.PadLeft + kx * S.DilationW;
                    if (IncludePad ? iw >= -S.PadLeft && iw < S.W + S.PadRight : (uint)iw < (uint)S.W) count++;
                }
                invCol[o] = 1f / count;
            }
        }

        /// <summary>Max windows lying entirely in the horizontal padding read only −∞; the reference gives 0.</summary>
        private readonly void FixEmptyColumns(float* y)
        {
            // Only windows starting in the left padding or past the image can miss it (an inside start is a tap).
            for (int o = 0; o < S.OW; o++)
            {
                int first = o * S.StrideW - S.PadLeft, last = first + (S.KW - 1) * S.DilationW;
                if (first >= 0 && first < S.W)
                {
                    o = Math.Max(o, (S.W + S.PadLeft + S.StrideW - 1) / S.StrideW - 1);
                    continue;
                }
                bool any = false;
                for (int iw = first; iw <= last && !any; iw += S.DilationW) any = (uint)iw < (uint)S.W;
                if (!any) y[o] = 0f;
            }
        }
    }

    /// <summary>Stride-2 phase split, 32 floats at a time: even elements to phase 0, odd to phase 1. Returns the slots done.</summary>
    private static int Deinterleave2(float* row, int rowLen, float* phases, int phaseLen)
    {
        var evenIdx = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var oddIdx = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        int t = 0;
        for (; 2 * t + 32 <= rowLen; t += 16)
        {
            var lo = Vector512.Load(row + 2 * t);
            var hi = Vector512.Load(row + 2 * t + 16);
            System.Runtime.Intrinsics.X86.Avx512F.PermuteVar16x32x2(lo, evenIdx, hi).Store(phases + t);
            System.Runtime.Intrinsics.X86.Avx512F.PermuteVar16x32x2(lo, oddIdx, hi).Store(phases + phaseLen + t);
        }
        return t;
    }

    /// <summary>dst[i] = op(src[i], dst[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Combine<TOp>(float* dst, float* src, int n, ComputeIsa isa) where TOp : IReduceOp
    {
        int i = 0;
        if (isa == ComputeIsa.Avx512)
            for (; i + 16 <= n; i += 16) TOp.Apply(Vector512.Load(src + i), Vector512.Load(dst + i)).Store(dst + i);
        if (isa is ComputeIsa.Avx512 or ComputeIsa.Avx2)
            for (; i + 8 <= n; i += 8) TOp.Apply(Vector256.Load(src + i), Vector256.Load(dst + i)).Store(dst + i);
        for (; i < n; i++) dst[i] = TOp.Apply(src[i], dst[i]);
    }
}

/// <summary>A binary reduction step op(value, accumulator), for vectors and scalars.</summary>
internal interface IReduceOp
{
    static abstract float Apply(float v, float acc);
    static abstract Vector256<float> Apply(Vector256<float> v, Vector256<float> acc);
    static abstract Vector512<float> Apply(Vector512<float> v, Vector512<float> acc);
}

/// <summary>Maximum that keeps the accumulator when the new value is NaN (a NaN accumulator stays NaN).</summary>
internal struct MaxOp : IReduceOp
{
    public static float Apply(float v, float acc) => v > acc ? v : acc;
    public static Vector256<float> Apply(Vector256<float> v, Vector256<float> acc) => Vector256.ConditionalSelect(Vector256.GreaterThan(v, acc), v, acc);
    public static Vector512<float> Apply(Vector512<float> v, Vector512<float> acc) => Vector512.ConditionalSelect(Vector512.GreaterThan(v, acc), v, acc);
}

internal struct MinOp : IReduceOp
{
    public static float Apply(float v, float acc) => v < acc ? v : acc;
    public static Vector256<float> Apply(Vector256<float> v, Vector256<float> acc) => Vector256.ConditionalSelect(Vector256.LessThan(v, acc), v, acc);
    public static Vector512<float> Apply(Vector512<float> v, Vector512<float> acc) => Vector512.ConditionalSelect(Vector512.LessThan(v, acc), v, acc);
}

internal struct AddOp : IReduceOp
{
    public static float Apply(float v, float acc) => v + acc;
    public static Vector256<float> Apply(Vector256<float> v, Vector256<float> acc) => v + acc;
    public static Vector512<float> Apply(Vector512<float> v, Vector512<float> acc) => v + acc;
}
