using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Element-type plumbing for the Nn kernels. Float-family tensors are computed in float (f16 and
/// bf16 widened, as ORT does), double in double; the result is narrowed back to the input type.
/// Arrays returned by the To* helpers may alias the input: callers must treat them as read-only.
/// </summary>
internal static class NnData
{
    public static bool IsFloatFamily(DataType t) => t is DataType.Float or DataType.Float16 or DataType.BFloat16;

    /// <summary>The elements as float (aliases a float tensor's own array).</summary>
    public static float[] ToFloat(Tensor t)
    {
        switch (t.Data)
        {
            case float[] f:
                return f;
            case Half[] h:
                {
                    var r = new float[h.Length];
                    TensorPrimitives.ConvertToSingle(h, r);
                    return r;
                }
            case ushort[] b when t.Type == DataType.BFloat16:
                {
                    var r = new float[b.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = BFloat16Bits.ToFloat(b[i]);
                    return r;
                }
            default:
                {
                    var d = t.ToDoubleArray();
                    var r = new float[d.Length];
                    TensorPrimitives.ConvertTruncating(d, r);
                    return r;
                }
        }
    }

    /// <summary>The elements as double (aliases a double tensor's own array).</summary>
    public static double[] ToDouble(Tensor t) => t.Data as double[] ?? t.ToDoubleArray();

    /// <summary>A tensor of <paramref name="type"/> from float results (takes ownership of the array when float).</summary>
    public static Tensor FromFloat(DataType type, int[] shape, float[] data)
    {
        switch (type)
        {
            case DataType.Float:
                return new Tensor(type, shape, data);
            case DataType.Float16:
                {
                    var h = new Half[data.Length];
                    TensorPrimitives.ConvertToHalf(data, h);
                    return new Tensor(type, shape, h);
                }
            case DataType.BFloat16:
                {
                    var b = new ushort[data.Length];
                    for (int i = 0; i < b.Length; i++) b[i] = BFloat16Bits.FromFloat(data[i]);
                    return new Tensor(type, shape, b);
                }
            case DataType.Double:
                {
                    var d = new double[data.Length];
                    TensorPrimitives.ConvertChecked<float, double>(data, d);
                    return new Tensor(type, shape, d);
                }
            default:
                throw new EngineException($"cannot store float results as {type}");
        }
    }

    /// <summary>A tensor of <paramref name="type"/> (a float type) from double results.</summary>
    public static Tensor FromDouble(DataType type, int[] shape, double[] data)
    {
        if (type == DataType.Double) return new Tensor(type, shape, data);
        var f = new float[data.Length];
        TensorPrimitives.ConvertTruncating(data, f);
        return FromFloat(type, shape, f);
    }

    /// <summary>C = op(A)·B (beta 0). Float goes to the shared SGEMM; double uses row-wise FMAs.</summary>
    public static void Gemm<T>(bool transA, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        if (typeof(T) == typeof(float))
        {
            Sgemm.Gemm(transA, false, m, n, k, 1f, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb,
                0f, MemoryMarshal.Cast<T, float>(c), ldc, threads);
            return;
        }
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            row.Clear();
            for (int p = 0; p < k; p++)
            {
                T av = transA ? a[p * lda + i] : a[i * lda + p];
                TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), av, row, row);
            }
        }
    }

    /// <summary>Runs body(i) for i in [0, count) on up to <paramref name="threads"/> threads.</summary>
    public static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
