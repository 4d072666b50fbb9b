using System.Numerics.Tensors;

namespace Engine.Runtime.Kernels;

/// <summary>
/// BatchNormalization-15, inference and training mode. Statistics are computed in double.
/// Parameters are per channel ([C]); for models upgraded from BatchNormalization-1..8 with
/// spatial=0, they may instead cover every non-batch element (shape X.shape[1:]).
/// </summary>
public static class BatchNormKernels
{
    public static Tensor?[] BatchNormalization(KernelContext ctx, Tensor?[] inputs)
    {
        Tensor Req(int i, string name) => (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input {name} is required");
        var x = Req(0, "X");
        var scale = Req(1, "scale");
        var bias = Req(2, "B");
        var mean = Req(3, "input_mean");
        var variance = Req(4, "input_var");
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"{x.Type} is not supported (float types only)");
        if (x.Rank < 2) throw ctx.Fail($"X must have rank >= 2, got {Tensor.ShapeString(x.Shape)}");
        int n = x.Shape[0], c = x.Shape[1];
        int inner = c == 0 || n == 0 ? 0 : x.Length / (n * c);
        // Params either per channel, or per (channel, spatial position) for the legacy spatial=0 form.
        int pLen = scale.Length;
        bool perElement = pLen != c;
        if (perElement && pLen != c * inner) throw ctx.Fail($"scale has {pLen} values, expected {c}");
        foreach (var t in new[] { bias, mean, variance })
        {
            if (t.Length != pLen) throw ctx.Fail($"scale, B, mean and var must have the same size ({pLen}), got {Tensor.ShapeString(t.Shape)}");
        }
        double eps = ctx.Attributes.GetFloat("epsilon");
        bool training = ctx.Attributes.GetInt("training_mode") != 0;
        if (!training && !perElement && x.Type == DataType.Float) return [InferenceFloat(ctx, x, scale, bias, mean, variance, eps)];
        var xd = NnData.ToDouble(x);
        var s = NnData.ToDouble(scale);
        var b = NnData.ToDouble(bias);
        var m = NnData.ToDouble(mean);
        var v = NnData.ToDouble(variance);
        if (training)
        {
            if (perElement) throw ctx.Fail("training mode needs per-channel parameters");
            // Batch statistics per channel (population variance), used instead of the inputs.
            var bm = new double[c];
            var bv = new double[c];
            long count = (long)n * inner;
            for (int ch = 0; ch < c; ch++)
            {
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    var seg = xd.AsSpan((i * c + ch) * inner, inner);
                    foreach (var e in seg) sum += e;
                }
                double mu = count == 0 ? 0 : sum / count;
                double sq = 0;
                for (int i = 0; i < n; i++)
                {
                    var seg = xd.AsSpan((i * c + ch) * inner, inner);
                    foreach (var e in seg) sq += (e - mu) * (e - mu);
                }
                bm[ch] = mu;
                bv[ch] = count == 0 ? 0 : sq / count;
            }
            double momentum = ctx.Attributes.GetFloat("momentum");
            var y = Normalize(xd, n, c, inner, false, s, b, bm, bv, eps);
            var rm = new double[c];
            var rv = new double[c];
            for (int ch = 0; ch < c; ch++)
            {
                rm[ch] = m[ch] * momentum + bm[ch] * (1 - momentum);
                rv[ch] = v[ch] * momentum + bv[ch] * (1 - momentum);
            }
            var outs = new Tensor?[Math.Max(1, Math.Min(3, ctx.OutputCount))];
            outs[0] = NnData.FromDouble(x.Type, x.Shape, y);
            if (outs.Length > 1) outs[1] = NnData.FromDouble(mean.Type, mean.Shape, rm);
            if (outs.Length > 2) outs[2] = NnData.FromDouble(variance.Type, variance.Shape, rv);
            return outs;
        }
        return [NnData.FromDouble(x.Type, x.Shape, Normalize(xd, n, c, inner, perElement, s, b, m, v, eps))];
    }

    /// <summary>Float inference fast path: per plane (x − mean)·(scale/√(var+ε)) + B, vectorized.</summary>
    private static Tensor InferenceFloat(KernelContext ctx, Tensor x, Tensor scale, Tensor bias, Tensor mean, Tensor variance, double eps)
    {
        int n = x.Shape[0], c = x.Shape[1];
        int inner = n * c == 0 ? 0 : x.Length / (n * c);
        var s = NnData.ToDouble(scale);
        var b = NnData.ToDouble(bias);
        var m = NnData.ToDouble(mean);
        var v = NnData.ToDouble(variance);
        var xf = x.As<float>();
        var y = new float[xf.Length];
        NnData.For(n * c, (long)xf.Length > 1 << 16 ? ctx.Threads : 1, plane =>
        {
            int ch = plane % c;
            var src = xf.AsSpan(plane * inner, inner);
            var dst = y.AsSpan(plane * inner, inner);
            TensorPrimitives.Subtract(src, (float)m[ch], dst);
            TensorPrimitives.Multiply(dst, (float)(s[ch] / Math.Sqrt(v[ch] + eps)), dst);
            TensorPrimitives.Add(dst, (float)b[ch], dst);
        });
        return new Tensor(DataType.Float, (int[])x.Shape.Clone(), y);
    }

    private static double[] Normalize(double[] x, int n, int c, int inner, bool perElement, double[] s, double[] b, double[] m, double[] v, double eps)
    {
        var y = new double[x.Length];
        int pCount = perElement ? c * inner : c;
        var mul = new double[pCount];
        var add = new double[pCount];
        for (int p = 0; p < pCount; p++)
        {
            mul[p] = s[p] / Math.Sqrt(v[p] + eps);
            add[p] = b[p] - m[p] * mul[p];
        }
        for (int i = 0; i < n; i++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                int off = (i * c + ch) * inner;
                for (int k = 0; k < inner; k++)
                {
                    int p = perElement ? ch * inner + k : ch;
                    y[off + k] = x[off + k] * mul[p] + add[p];
                }
            }
        }
        return y;
    }
}
