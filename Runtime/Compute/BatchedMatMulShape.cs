namespace Engine.Runtime.Compute;

/// <summary>
/// A batched matrix product C[b] = A[b]·B[b] with numpy broadcasting of up to three batch dims: the output's
/// batch dims are D0×D1×D2 (leading ones padded with 1), and matrix <c>i0,i1,i2</c> of the output reads A's
/// matrix <c>i0·A0 + i1·A1 + i2·A2</c> and B's matrix <c>i0·B0 + i1·B1 + i2·B2</c> (a stride is 0 where that
/// operand broadcasts). A's matrices are M×K, B's K×N, C's M×N, all dense and row-major.
/// </summary>
public readonly record struct BatchedMatMulShape(
    int M, int N, int K,
    int D0 = 1, int D1 = 1, int D2 = 1,
    int A0 = 0, int A1 = 0, int A2 = 0,
    int B0 = 0, int B1 = 0, int B2 = 0,
    int ACount = 1, int BCount = 1)
{
    /// <summary>Output matrices.</summary>
    public int Batch => checked(D0 * D1 * D2);

    public int OutputLength => checked(Batch * M * N);

    /// <summary>B is one matrix and A's matrices are laid out in output order: the batch folds into M (one GEMM).</summary>
    public bool FoldsIntoM => BCount == 1 && ACount == Batch && (D2 == 1 || A2 == 1) && (D1 == 1 || A1 == D2) && (D0 == 1 || A0 == D1 * D2);

    public int AIndex(int i) => i / (D1 * D2) * A0 + i / D2 % D1 * A1 + i % D2 * A2;

    public int BIndex(int i) => i / (D1 * D2) * B0 + i / D2 % D1 * B1 + i % D2 * B2;

    /// <summary>
    /// The plan of numpy matmul on operands of these shapes (both of rank ≥ 2, at most three broadcast batch dims);
    /// null when the shapes are outside that (rank 1 operands, more batch dims, mismatched dims).
    /// </summary>
    public static BatchedMatMulShape? FromShapes(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.Length < 2 || b.Length < 2) return null;
        int m = a[^2], k = a[^1], n = b[^1];
        if (b[^2] != k) return null;
        int rank = Math.Max(a.Length, b.Length) - 2;
        if (rank > 3) return null;
        Span<int> d = [1, 1, 1];
        Span<int> ad = [1, 1, 1];
        Span<int> bd = [1, 1, 1];
        for (int i = 0; i < rank; i++)
        {
            int ai = a.Length - 3 - i, bi = b.Length - 3 - i, slot = 2 - i;
            ad[slot] = ai >= 0 ? a[ai] : 1;
            bd[slot] = bi >= 0 ? b[bi] : 1;
            if (ad[slot] != bd[slot] && ad[slot] != 1 && bd[slot] != 1) return null;
            d[slot] = ad[slot] == 1 ? bd[slot] : ad[slot];
        }
        Span<int> astr = stackalloc int[3];
        Span<int> bstr = stackalloc int[3];
        int aAcc = 1, bAcc = 1;
        for (int slot = 2; slot >= 0; slot--)
        {
            astr[slot] = ad[slot] == 1 ? 0 : aAcc;
            bstr[slot] = bd[slot] == 1 ? 0 : bAcc;
            aAcc *= ad[slot];
            bAcc *= bd[slot];
        }
        return new BatchedMatMulShape(m, n, k, d[0], d[1], d[2], astr[0], astr[1], astr[2], bstr[0], bstr[1], bstr[2], aAcc, bAcc);
    }

    internal void Validate()
    {
        if (M < 0 || N < 0 || K < 0 || D0 < 0 || D1 < 0 || D2 < 0 || ACount < 0 || BCount < 0)
            throw new EngineException($"batched matmul: negative size in {this}");
        if (Batch > 0 && (AIndex(Batch - 1) >= ACount || BIndex(Batch - 1) >= BCount))
            throw new EngineException($"batched matmul: batch strides reach past the operands in {this}");
    }
}
