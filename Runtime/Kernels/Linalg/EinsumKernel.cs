using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Einsum. General path: one loop over every (output, summed) label combination, reading each input
/// through its per-label strides (diagonals and broadcasting fall out of the strides). Two-operand
/// float contractions without diagonals are rewritten as gather → batched SGEMM → gather.
/// </summary>
public static class EinsumKernel
{
    public static Tensor?[] Einsum(KernelContext ctx, Tensor?[] inputs)
    {
        if (inputs.Length == 0) throw ctx.Fail("Einsum needs at least one input");
        var ts = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            ts[i] = inputs[i] ?? throw ctx.Fail($"input {i} is required");
            if (ts[i].Type != ts[0].Type) throw ctx.Fail($"input {i} is {ts[i].Type} but input 0 is {ts[0].Type}");
        }
        var type = ts[0].Type;
        if (!DataTypes.IsNumeric(type)) throw ctx.Fail($"Einsum does not support {type}");
        var eq = EinsumEquation.Parse(ctx.Attributes.GetString("equation"), ts.Select(t => t.Shape).ToArray(), m => ctx.Fail(m));
        var outShape = eq.OutputShape;
        int outLen = (int)Tensor.ElementCount(outShape);

        if (LinalgData.IsFloatLike(type) && ts.Length == 2 && IsPlainContraction(eq))
        {
            var r = Contract(ctx, eq, LinalgData.Read(ts[0]), LinalgData.Read(ts[1]));
            return [LinalgData.Write(type, outShape, r)];
        }
        if (DataTypes.IsFloat(type))
        {
            var res = new double[outLen];
            Generic(eq, ts.Select(LinalgData.ReadDouble).ToArray(), res);
            return [LinalgData.WriteDouble(type, outShape, res)];
        }
        // Integers: int64 arithmetic wraps modulo 2^64, which truncates to the right wrapped value of any narrower type.
        var acc = new long[outLen];
        Generic(eq, ts.Select(t => t.ToInt64Array()).ToArray(), acc);
        return [WrapInt(type, outShape, acc)];
    }

    private static void Generic<T>(EinsumEquation eq, T[][] data, T[] result) where T : INumber<T>
    {
        int[] labels = [.. eq.OutputLabels, .. eq.SumLabels];
        int nOut = eq.OutputLabels.Length, n = labels.Length, nIn = data.Length;
        var sizes = labels.Select(l => eq.LabelSizes[l]).ToArray();
        if (sizes.Any(s => s == 0)) return; // empty output, or an empty sum: all zeros
        var strides = new long[nIn][];
        for (int i = 0; i < nIn; i++) strides[i] = labels.Select(l => eq.Strides[i][l]).ToArray();
        long sumCount = 1;
        for (int p = nOut; p < n; p++) sumCount *= sizes[p];
        var idx = new int[n];
        var offs = new long[nIn];
        for (int o = 0; o < result.Length; o++)
        {
            T acc = T.Zero;
            for (long s = 0; s < sumCount; s++)
            {
                T prod = data[0][offs[0]];
                for (int i = 1; i < nIn; i++) prod *= data[i][offs[i]];
                acc += prod;
                Advance(idx, offs, sizes, strides, nOut, n);
            }
            result[o] = acc;
            Advance(idx, offs, sizes, strides, 0, nOut);
        }
    }

    /// <summary>Odometer step over positions [from, to): last position fastest, offsets updated incrementally.</summary>
    private static void Advance(int[] idx, long[] offs, int[] sizes, long[][] strides, int from, int to)
    {
        for (int p = to - 1; p >= from; p--)
        {
            idx[p]++;
            for (int i = 0; i < offs.Length; i++) offs[i] += strides[i][p];
            if (idx[p] < sizes[p]) return;
            for (int i = 0; i < offs.Length; i++) offs[i] -= strides[i][p] * sizes[p];
            idx[p] = 0;
        }
    }

    /// <summary>Two operands, no repeated letters inside an operand, and no letter summed from only one side.</summary>
    private static bool IsPlainContraction(EinsumEquation eq)
    {
        for (int t = 0; t < 2; t++)
        {
            var ax = eq.InputAxisLabels[t];
            if (ax.Distinct().Count() != ax.Length) return false;
        }
        foreach (int l in eq.SumLabels)
        {
            if (!eq.InputAxisLabels[0].Contains(l) || !eq.InputAxisLabels[1].Contains(l)) return false;
        }
        return true;
    }

    /// <summary>Classifies labels as batch/M/N/K, gathers A as [batch,M,K] and B as [batch,K,N], runs SGEMM per batch.</summary>
    private static float[] Contract(KernelContext ctx, EinsumEquation eq, float[] a, float[] b)
    {
        var inA = eq.InputAxisLabels[0];
        var inB = eq.InputAxisLabels[1];
        var outL = eq.OutputLabels;
        int[] batch = outL.Where(l => inA.Contains(l) && inB.Contains(l)).ToArray();
        int[] mL = outL.Where(l => inA.Contains(l) && !inB.Contains(l)).ToArray();
        int[] nL = outL.Where(l => !inA.Contains(l) && inB.Contains(l)).ToArray();
        // Output labels in neither input are size-1 ellipsis dims; they sit in the batch group.
        batch = [.. batch, .. outL.Where(l => !inA.Contains(l) && !inB.Contains(l))];
        int[] kL = eq.SumLabels;
        int Prod(int[] ls) => (int)Tensor.ElementCount(ls.Select(l => eq.LabelSizes[l]).ToArray());
        int nb = Prod(batch), m = Prod(mL), n = Prod(nL), k = Prod(kL);
        var ap = Gather(a, eq.Strides[0], [.. batch, .. mL, .. kL], eq.LabelSizes);
        var bp = Gather(b, eq.Strides[1], [.. batch, .. kL, .. nL], eq.LabelSizes);
        var prod = new float[(long)nb * m * n];
        for (int i = 0; i < nb; i++)
        {
            Sgemm.Gemm(false, false, m, n, k, 1f, ap.AsSpan(i * m * k, m * k), Math.Max(k, 1), bp.AsSpan(i * k * n, k * n), Math.Max(n, 1),
                0f, prod.AsSpan(i * m * n, m * n), Math.Max(n, 1), ctx.Threads);
        }
        // prod is laid out [batch..., M..., N...]; read it back in the output's label order.
        int[] prodLabels = [.. batch, .. mL, .. nL];
        var prodStrides = new long[eq.LabelSizes.Length];
        long acc = 1;
        for (int i = prodLabels.Length - 1; i >= 0; i--)
        {
            prodStrides[prodLabels[i]] = acc;
            acc *= eq.LabelSizes[prodLabels[i]];
        }
        return Gather(prod, prodStrides, outL, eq.LabelSizes);
    }

    /// <summary>Copies <paramref name="src"/> into a contiguous array whose axes are <paramref name="order"/> labels.</summary>
    private static float[] Gather(float[] src, long[] labelStrides, int[] order, int[] labelSizes)
    {
        var sizes = order.Select(l => labelSizes[l]).ToArray();
        var dst = new float[Tensor.ElementCount(sizes)];
        if (dst.Length == 0) return dst;
        int r = order.Length;
        var strides = order.Select(l => labelStrides[l]).ToArray();
        var idx = new int[r];
        long off = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = src[off];
            for (int p = r - 1; p >= 0; p--)
            {
                idx[p]++;
                off += strides[p];
                if (idx[p] < sizes[p]) break;
                off -= strides[p] * sizes[p];
                idx[p] = 0;
            }
        }
        return dst;
    }

    private static Tensor WrapInt(DataType type, int[] shape, long[] v)
    {
        var t = Tensor.Zeros(type, shape);
        unchecked
        {
            switch (t.Data)
            {
                case sbyte[] a: for (int i = 0; i < a.Length; i++) a[i] = (sbyte)v[i]; break;
                case byte[] a: for (int i = 0; i < a.Length; i++) a[i] = (byte)v[i]; break;
                case short[] a: for (int i = 0; i < a.Length; i++) a[i] = (short)v[i]; break;
                case ushort[] a: for (int i = 0; i < a.Length; i++) a[i] = (ushort)v[i]; break;
                case int[] a: for (int i = 0; i < a.Length; i++) a[i] = (int)v[i]; break;
                case uint[] a: for (int i = 0; i < a.Length; i++) a[i] = (uint)v[i]; break;
                case long[] a: Array.Copy(v, a, a.Length); break;
                case ulong[] a: for (int i = 0; i < a.Length; i++) a[i] = (ulong)v[i]; break;
                default: throw new EngineException($"Einsum cannot produce {type}");
            }
        }
        return t;
    }
}
