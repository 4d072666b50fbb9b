namespace Engine.Runtime.Kernels;

/// <summary>
/// InstanceNormalization, LayerNormalization, GroupNormalization and RMSNormalization: each
/// normalizes contiguous blocks of X and applies a broadcast scale/bias. Statistics in double.
/// </summary>
public static class NormalizationKernels
{
    public static Tensor?[] InstanceNormalization(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Req(ctx, inputs, 0, "input");
        var scale = Req(ctx, inputs, 1, "scale");
        var bias = Req(ctx, inputs, 2, "B");
        RequireFloat(ctx, x);
        if (x.Rank < 3) throw ctx.Fail($"input must have rank >= 3, got {Tensor.ShapeString(x.Shape)}");
        int n = x.Shape[0], c = x.Shape[1];
        if (scale.Length != c || bias.Length != c) throw ctx.Fail($"scale and B must have {c} values");
        int inner = (int)Tensor.ElementCount(x.Shape[2..]);
        double eps = ctx.Attributes.GetFloat("epsilon");
        var xd = NnData.ToDouble(x);
        var s = NnData.ToDouble(scale);
        var b = NnData.ToDouble(bias);
        var y = new double[xd.Length];
        for (int i = 0; i < n * c; i++)
        {
            var (mean, variance) = Moments(xd.AsSpan(i * inner, inner));
            double mul = s[i % c] / Math.Sqrt(variance + eps);
            for (int k = 0; k < inner; k++) y[i * inner + k] = (xd[i * inner + k] - mean) * mul + b[i % c];
        }
        return [NnData.FromDouble(x.Type, x.Shape, y)];
    }

    public static Tensor?[] LayerNormalization(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Req(ctx, inputs, 0, "X");
        var scale = Req(ctx, inputs, 1, "Scale");
        var bias = inputs.Length > 2 ? inputs[2] : null;
        RequireFloat(ctx, x);
        int axis = Axis(ctx, ctx.Attributes.GetInt("axis"), x.Rank);
        var normShape = x.Shape[axis..];
        int inner = (int)Tensor.ElementCount(normShape);
        int outer = inner == 0 ? (int)Tensor.ElementCount(x.Shape[..axis]) : x.Length / inner;
        var sOff = ParamOffsets(ctx, scale, normShape, "Scale");
        var bOff = bias is null ? null : ParamOffsets(ctx, bias, normShape, "B");
        double eps = ctx.Attributes.GetFloat("epsilon");
        var xd = NnData.ToDouble(x);
        var s = NnData.ToDouble(scale);
        var b = bias is null ? null : NnData.ToDouble(bias);
        var y = new double[xd.Length];
        var meanOut = new double[outer];
        var invStd = new double[outer];
        for (int o = 0; o < outer; o++)
        {
            var (mean, variance) = Moments(xd.AsSpan(o * inner, inner));
            double inv = 1 / Math.Sqrt(variance + eps);
            meanOut[o] = mean;
            invStd[o] = inv;
            for (int k = 0; k < inner; k++)
            {
                double v = (xd[o * inner + k] - mean) * inv * s[sOff[k]];
                y[o * inner + k] = b is null ? v : v + b[bOff![k]];
            }
        }
        var statShape = x.Shape.Select((d, i) => i < axis ? d : 1).ToArray();
        var statType = StashType(ctx);
        var outs = new Tensor?[Math.Max(1, Math.Min(3, ctx.OutputCount))];
        outs[0] = NnData.FromDouble(x.Type, x.Shape, y);
        if (outs.Length > 1) outs[1] = NnData.FromDouble(statType, statShape, meanOut);
        if (outs.Length > 2) outs[2] = NnData.FromDouble(statType, statShape, invStd);
        return outs;
    }

    public static Tensor?[] GroupNormalization(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Req(ctx, inputs, 0, "X");
        var scale = Req(ctx, inputs, 1, "scale");
        var bias = Req(ctx, inputs, 2, "bias");
        RequireFloat(ctx, x);
        if (x.Rank < 2) throw ctx.Fail($"X must have rank >= 2, got {Tensor.ShapeString(x.Shape)}");
        int n = x.Shape[0], c = x.Shape[1];
        long groups = ctx.Attributes.GetInt("num_groups");
        if (groups < 1 || c % groups != 0) throw ctx.Fail($"num_groups {groups} must divide the {c} channels");
        int g = (int)groups, cg = c / g;
        // Per channel ([C], opset 21); per group ([num_groups]) is the opset 18 form we still accept.
        bool perGroup = scale.Length != c && scale.Length == g;
        if ((scale.Length != c && !perGroup) || bias.Length != scale.Length)
            throw ctx.Fail($"scale and bias must have {c} values, got {scale.Length} and {bias.Length}");
        int spatial = (int)Tensor.ElementCount(x.Shape[2..]);
        int block = cg * spatial;
        double eps = ctx.Attributes.GetFloat("epsilon");
        var xd = NnData.ToDouble(x);
        var s = NnData.ToDouble(scale);
        var b = NnData.ToDouble(bias);
        var y = new double[xd.Length];
        for (int i = 0; i < n * g; i++)
        {
            var (mean, variance) = Moments(xd.AsSpan(i * block, block));
            double inv = 1 / Math.Sqrt(variance + eps);
            for (int ch = 0; ch < cg; ch++)
            {
                int channel = i % g * cg + ch;
                int p = perGroup ? i % g : channel;
                int off = i * block + ch * spatial;
                for (int k = 0; k < spatial; k++) y[off + k] = (xd[off + k] - mean) * inv * s[p] + b[p];
            }
        }
        return [NnData.FromDouble(x.Type, x.Shape, y)];
    }

    public static Tensor?[] RMSNormalization(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Req(ctx, inputs, 0, "X");
        var scale = Req(ctx, inputs, 1, "scale");
        RequireFloat(ctx, x);
        int axis = Axis(ctx, ctx.Attributes.GetInt("axis"), x.Rank);
        var normShape = x.Shape[axis..];
        int inner = (int)Tensor.ElementCount(normShape);
        int outer = inner == 0 ? 0 : x.Length / inner;
        var sOff = ParamOffsets(ctx, scale, normShape, "scale");
        double eps = ctx.Attributes.GetFloat("epsilon");
        var xd = NnData.ToDouble(x);
        var s = NnData.ToDouble(scale);
        var y = new double[xd.Length];
        for (int o = 0; o < outer; o++)
        {
            double sq = 0;
            for (int k = 0; k < inner; k++) sq += xd[o * inner + k] * xd[o * inner + k];
            double inv = 1 / Math.Sqrt(sq / inner + eps);
            for (int k = 0; k < inner; k++) y[o * inner + k] = xd[o * inner + k] * inv * s[sOff[k]];
        }
        return [NnData.FromDouble(x.Type, x.Shape, y)];
    }

    /// <summary>Element type of LayerNormalization's Mean/InvStdDev outputs, from stash_type.</summary>
    public static DataType StashType(KernelContext ctx) => StashType(ctx.Attributes.GetInt("stash_type"), ctx.Fail);

    public static DataType StashType(long stash, Func<string, Exception> fail) => (DataType)stash switch
    {
        DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16 => (DataType)stash,
        _ => throw fail($"stash_type {stash} is not a floating-point type"),
    };

    /// <summary>Mean and population variance of a block.</summary>
    public static (double Mean, double Variance) Moments(ReadOnlySpan<double> block)
    {
        if (block.Length == 0) return (double.NaN, double.NaN);
        double sum = 0;
        foreach (var v in block) sum += v;
        double mean = sum / block.Length;
        double sq = 0;
        foreach (var v in block) sq += (v - mean) * (v - mean);
        return (mean, sq / block.Length);
    }

    /// <summary>For each element of the normalized block, the offset of the param element broadcast onto it.</summary>
    private static int[] ParamOffsets(KernelContext ctx, Tensor param, int[] normShape, string name)
    {
        var shape = param.Shape;
        // Leading 1s beyond the normalized rank carry no information.
        int lead = 0;
        while (shape.Length - lead > normShape.Length && shape[lead] == 1) lead++;
        shape = shape[lead..];
        if (shape.Length > normShape.Length) throw ctx.Fail($"{name} {Tensor.ShapeString(param.Shape)} does not broadcast to {Tensor.ShapeString(normShape)}");
        for (int i = 0; i < shape.Length; i++)
        {
            int d = shape[i], nd = normShape[normShape.Length - shape.Length + i];
            if (d != nd && d != 1) throw ctx.Fail($"{name} {Tensor.ShapeString(param.Shape)} does not broadcast to {Tensor.ShapeString(normShape)}");
        }
        return Broadcasting.Offsets(shape, normShape);
    }

    private static int Axis(KernelContext ctx, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw ctx.Fail($"axis {axis} is out of range for rank {rank}");
        return (int)a;
    }

    internal static Tensor Req(KernelContext ctx, Tensor?[] inputs, int i, string name) =>
        (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input {name} is required");

    internal static void RequireFloat(KernelContext ctx, Tensor x)
    {
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"{x.Type} is not supported (float types only)");
    }
}
