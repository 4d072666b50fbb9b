namespace Engine.Runtime.Kernels;

/// <summary>
/// Single-precision GEMM, BLAS semantics on row-major storage:
/// C = alpha·op(A)·op(B) + beta·C, op(A) is M×K, op(B) is K×N, lda/ldb/ldc are row strides.
/// </summary>
public static class Sgemm
{
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float acc = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    acc += av * bv;
                }
                ref float cv = ref c[i * ldc + j];
                cv = beta == 0 ? alpha * acc : alpha * acc + beta * cv;
            }
        }
    }
}
