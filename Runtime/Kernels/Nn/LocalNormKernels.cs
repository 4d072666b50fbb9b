namespace Engine.Runtime.Kernels;

/// <summary>LRN, MeanVarianceNormalization and LpNormalization (computed in double).</summary>
public static class LocalNormKernels
{
    /// <summary>LRN across channels: x / (bias + alpha/size · Σ x²)^beta over a window of <c>size</c> channels.</summary>
    public static Tensor?[] LRN(KernelContext ctx, Tensor?[] inputs)
    {
        var x = NormalizationKernels.Req(ctx, inputs, 0, "X");
        NormalizationKernels.RequireFloat(ctx, x);
        if (x.Rank < 2) throw ctx.Fail($"X must have rank >= 2, got {Tensor.ShapeString(x.Shape)}");
        long size = ctx.Attributes.GetInt("size");
        if (size < 1) throw ctx.Fail($"size must be >= 1, got {size}");
        double alpha = ctx.Attributes.GetFloat("alpha"), beta = ctx.Attributes.GetFloat("beta"), bias = ctx.Attributes.GetFloat("bias");
        int n = x.Shape[0], c = x.Shape[1];
        int inner = n * c == 0 ? 0 : x.Length / (n * c);
        int before = (int)((size - 1) / 2), after = (int)(size - 1 - before);
        var xd = NnData.ToDouble(x);
        var y = new double[xd.Length];
        for (int i = 0; i < n; i++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                int lo = Math.Max(0, ch - before), hi = Math.Min(c - 1, ch + after);
                for (int k = 0; k < inner; k++)
                {
                    double sq = 0;
                    for (int j = lo; j <= hi; j++)
                    {
                        double v = xd[(i * c + j) * inner + k];
                        sq += v * v;
                    }
                    int at = (i * c + ch) * inner + k;
                    y[at] = xd[at] / Math.Pow(bias + alpha / size * sq, beta);
                }
            }
        }
        return [NnData.FromDouble(x.Type, x.Shape, y)];
    }

    /// <summary>MVN: (x − mean) / (std + 1e-9) with moments over <c>axes</c> (the ONNX function body).</summary>
    public static Tensor?[] MeanVarianceNormalization(KernelContext ctx, Tensor?[] inputs)
    {
        var x = NormalizationKernels.Req(ctx, inputs, 0, "X");
        NormalizationKernels.RequireFloat(ctx, x);
        var axes = ctx.Attributes.GetInts("axes");
        var reduced = new bool[x.Rank];
        foreach (var a in axes)
        {
            long ax = a < 0 ? a + x.Rank : a;
            if (ax < 0 || ax >= x.Rank) throw ctx.Fail($"axis {a} is out of range for rank {x.Rank}");
            reduced[ax] = true;
        }
        // Group id of every element = its index with the reduced axes dropped.
        var keptShape = x.Shape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var group = Broadcasting.Offsets(keptShape, x.Shape);
        int groups = (int)Tensor.ElementCount(keptShape);
        var xd = NnData.ToDouble(x);
        var sum = new double[groups];
        var cnt = new long[groups];
        for (int i = 0; i < xd.Length; i++)
        {
            sum[group[i]] += xd[i];
            cnt[group[i]]++;
        }
        var mean = new double[groups];
        for (int g = 0; g < groups; g++) mean[g] = cnt[g] == 0 ? 0 : sum[g] / cnt[g];
        var sq = new double[groups];
        for (int i = 0; i < xd.Length; i++)
        {
            double d = xd[i] - mean[group[i]];
            sq[group[i]] += d * d;
        }
        var y = new double[xd.Length];
        for (int i = 0; i < xd.Length; i++)
        {
            int g = group[i];
            y[i] = (xd[i] - mean[g]) / (Math.Sqrt(sq[g] / cnt[g]) + 1e-9);
        }
        return [NnData.FromDouble(x.Type, x.Shape, y)];
    }

    /// <summary>LpNormalization: x / ‖x‖ₚ along <c>axis</c>, p ∈ {1, 2}; zero vectors map to zero.</summary>
    public static Tensor?[] LpNormalization(KernelContext ctx, Tensor?[] inputs)
    {
        var x = NormalizationKernels.Req(ctx, inputs, 0, "input");
        NormalizationKernels.RequireFloat(ctx, x);
        long p = ctx.Attributes.GetInt("p");
        if (p is not (1 or 2)) throw ctx.Fail($"p must be 1 or 2, got {p}");
        if (x.Rank == 0) throw ctx.Fail("input must have rank >= 1");
        long axis = ctx.Attributes.GetInt("axis");
        long a = axis < 0 ? axis + x.Rank : axis;
        if (a < 0 || a >= x.Rank) throw ctx.Fail($"axis {axis} is out of range for rank {x.Rank}");
        int len = x.Shape[a];
        int inner = (int)Tensor.ElementCount(x.Shape[((int)a + 1)..]);
        int outer = (int)Tensor.ElementCount(x.Shape[..(int)a]);
        var xd = NnData.ToDouble(x);
        var y = new double[xd.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < inner; k++)
            {
                int baseIdx = o * len * inner + k;
                double norm = 0;
                for (int j = 0; j < len; j++)
                {
                    double v = xd[baseIdx + j * inner];
                    norm += p == 1 ? Math.Abs(v) : v * v;
                }
                if (p == 2) norm = Math.Sqrt(norm);
                // A zero vector stays zero (as ONNX's test data and ORT have it), not 0/0.
                for (int j = 0; j < len; j++) y[baseIdx + j * inner] = norm == 0 ? 0 : xd[baseIdx + j * inner] / norm;
            }
        }
        return [NnData.FromDouble(x.Type, x.Shape, y)];
    }
}
