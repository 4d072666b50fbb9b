namespace Engine.Runtime.Kernels;

/// <summary>Det: determinants of the trailing square matrices, by LU with partial pivoting in double.</summary>
public static class DetKernel
{
    public static Tensor?[] Det(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input X is required");
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"Det does not support {x.Type}");
        if (x.Rank < 2 || x.Shape[^1] != x.Shape[^2])
            throw ctx.Fail($"Det needs [*, M, M] input, got {Tensor.ShapeString(x.Shape)}");
        int n = x.Shape[^1];
        int[] outShape = x.Shape[..^2];
        int count = (int)Tensor.ElementCount(outShape);
        var v = x.ToDoubleArray();
        var r = new double[count];
        var m = new double[n * n];
        for (int b = 0; b < count; b++)
        {
            Array.Copy(v, b * n * n, m, 0, n * n);
            r[b] = Determinant(m, n);
        }
        return [LinalgData.WriteDouble(x.Type, outShape, r)];
    }

    /// <summary>Determinant of the n×n row-major matrix <paramref name="a"/> (destroyed).</summary>
    public static double Determinant(double[] a, int n)
    {
        double det = 1;
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            double best = Math.Abs(a[c * n + c]);
            for (int r = c + 1; r < n; r++)
            {
                double v = Math.Abs(a[r * n + c]);
                if (v > best) { best = v; pivot = r; }
            }
            if (best == 0) return double.IsNaN(a[pivot * n + c]) ? double.NaN : 0;
            if (pivot != c)
            {
                for (int j = 0; j < n; j++) (a[c * n + j], a[pivot * n + j]) = (a[pivot * n + j], a[c * n + j]);
                det = -det;
            }
            double d = a[c * n + c];
            det *= d;
            for (int r = c + 1; r < n; r++)
            {
                double f = a[r * n + c] / d;
                if (f == 0) continue;
                for (int j = c + 1; j < n; j++) a[r * n + j] -= f * a[c * n + j];
            }
        }
        return det;
    }
}
