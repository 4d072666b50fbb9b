namespace Engine.Runtime.Kernels;

/// <summary>ArrayFeatureExtractor, Binarizer, Scaler and Normalizer: per-feature preprocessing of ai.onnx.ml.</summary>
public static class FeatureKernels
{
    /// <summary>Picks columns of the last axis; a 1-D input gives a [1, k] result (ONNX reference and ORT).</summary>
    public static Tensor?[] ArrayFeatureExtractor(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var y = (inputs.Length > 1 ? inputs[1] : null) ?? throw ctx.Fail("input 'Y' is required");
        if (x.Rank == 0) throw ctx.Fail("X must have at least one dimension");
        if (y.Type is not (DataType.Int64 or DataType.Int32)) throw ctx.Fail($"Y must be int64, got {y.Type}");
        var idx = y.ToInt64Array();
        int last = x.Shape[^1];
        foreach (long i in idx)
        {
            if (i < 0 || i >= last) throw ctx.Fail($"index {i} is out of range for a last axis of {last}");
        }
        int outer = x.Shape[..^1].Aggregate(1, (p, d) => p * d);
        int[] shape = x.Rank == 1 ? [1, idx.Length] : [.. x.Shape[..^1], idx.Length];
        MlData.CheckOutputSize(ctx, outer, idx.Length);
        var r = Tensor.Zeros(x.Type, shape);
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < idx.Length; k++) Array.Copy(x.Data, o * last + idx[k], r.Data, o * idx.Length + k, 1);
        }
        return [r];
    }

    /// <summary>1 where X &gt; threshold, else 0, in X's type.</summary>
    public static Tensor?[] Binarizer(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        double t = ctx.Attributes.GetFloat("threshold");
        Tensor r;
        switch (x.Type)
        {
            case DataType.Float:
                {
                    var s = x.As<float>();
                    var d = new float[s.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = s[i] > t ? 1f : 0f;
                    r = new Tensor(x.Type, (int[])x.Shape.Clone(), d);
                    break;
                }
            case DataType.Double:
                {
                    var s = x.As<double>();
                    var d = new double[s.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = s[i] > t ? 1.0 : 0.0;
                    r = new Tensor(x.Type, (int[])x.Shape.Clone(), d);
                    break;
                }
            case DataType.Int64:
                {
                    var s = x.As<long>();
                    var d = new long[s.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = s[i] > t ? 1 : 0;
                    r = new Tensor(x.Type, (int[])x.Shape.Clone(), d);
                    break;
                }
            case DataType.Int32:
                {
                    var s = x.As<int>();
                    var d = new int[s.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = s[i] > t ? 1 : 0;
                    r = new Tensor(x.Type, (int[])x.Shape.Clone(), d);
                    break;
                }
            default:
                throw ctx.Fail($"X must be float, double, int64 or int32, got {x.Type}");
        }
        return [r];
    }

    /// <summary>Y = (X - offset) * scale as float; offset/scale hold one value or one per feature (last axis).</summary>
    public static Tensor?[] Scaler(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var v = MlData.Numbers(ctx, x);
        var offset = ctx.Attributes.GetFloatsOrNull("offset") ?? [0f];
        var scale = ctx.Attributes.GetFloatsOrNull("scale") ?? [1f];
        int f = x.Rank == 0 ? 1 : x.Shape[^1];
        if (offset.Length != 1 && offset.Length != f) throw ctx.Fail($"offset has {offset.Length} values for {f} features");
        if (scale.Length != 1 && scale.Length != f) throw ctx.Fail($"scale has {scale.Length} values for {f} features");
        var r = new float[v.Length];
        for (int i = 0; i < r.Length; i++)
        {
            int c = f == 0 ? 0 : i % f;
            float o = offset.Length == 1 ? offset[0] : offset[c];
            float s = scale.Length == 1 ? scale[0] : scale[c];
            r[i] = (float)((v[i] - o) * s);
        }
        return [new Tensor(DataType.Float, (int[])x.Shape.Clone(), r)];
    }

    /// <summary>
    /// Row-wise MAX (X / max X), L1 (X / Σ|X|) or L2 (X / √ΣX², which keeps the sign as ORT does);
    /// a zero divisor leaves the row unchanged.
    /// </summary>
    public static Tensor?[] Normalizer(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var (rows, cols) = MlData.RowsCols(ctx, x);
        var v = MlData.Numbers(ctx, x);
        string norm = ctx.Attributes.GetString("norm");
        if (norm is not ("MAX" or "L1" or "L2")) throw ctx.Fail($"norm must be MAX, L1 or L2, got '{norm}'");
        var r = new float[v.Length];
        for (int n = 0; n < rows; n++)
        {
            var row = v.AsSpan(n * cols, cols);
            double d = 0;
            if (norm == "MAX")
            {
                d = double.NegativeInfinity;
                foreach (double e in row) d = Math.Max(d, e);
            }
            else if (norm == "L1")
            {
                foreach (double e in row) d += Math.Abs(e);
            }
            else
            {
                foreach (double e in row) d += e * e;
                d = Math.Sqrt(d);
            }
            for (int c = 0; c < cols; c++) r[n * cols + c] = (float)(d != 0 && cols > 0 ? row[c] / d : row[c]);
        }
        return [new Tensor(DataType.Float, (int[])x.Shape.Clone(), r)];
    }
}
