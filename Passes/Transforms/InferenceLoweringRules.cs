using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// Inference-time lowerings: BatchNormalization folded into the preceding Conv's weights and bias,
/// a constant per-channel Add folded into the Conv bias, MatMul + Add of a row vector → Gemm.
/// </summary>
public static class InferenceLoweringRules
{
    public static RuleSet Create() => new("inference-lowering", 2,
    [
        new("fold-batchnorm-into-conv", FoldBatchNorm),
        new("batchnorm-to-affine", BatchNormToAffine),
        new("fold-mul-or-div-into-conv", FoldMulIntoConv),
        new("fold-add-into-conv-bias", FoldAddIntoConvBias),
        new("matmul-add-to-gemm", MatMulAddToGemm),
    ]);

    /// <summary>A fresh node may take over any value the user did not pin; check before inserting, so a declined rule leaves no dead node.</summary>
    private static bool Pinned(RewriteContext c, Node n) => n.Outputs[0] is not { } o || c.Pass.PinnedValues.Contains(o.Name);

    private static bool FoldBatchNorm(Node bn, RewriteContext c)
    {
        if (Pinned(c, bn)) return false;
        if (bn.OpType != "BatchNormalization" || bn.Domain != "" || bn.Attributes.GetInt("training_mode", 0) != 0) return false;
        if (bn.Outputs.Skip(1).Any(o => o is not null && (o.Users.Count > 0 || !c.IsFree(o)))) return false;
        if (RewriteContext.Producer(bn.Inputs[0], "Conv") is not { } conv || !c.HasSingleUse(bn.Inputs[0]!)) return false;
        var w = c.ConstantOf(conv.Inputs[1]);
        var b = conv.Input(2) is { } bv ? c.ConstantOf(bv) : null;
        var scale = c.ConstantOf(bn.Inputs[1]);
        var bias = c.ConstantOf(bn.Inputs[2]);
        var mean = c.ConstantOf(bn.Inputs[3]);
        var variance = c.ConstantOf(bn.Inputs[4]);
        if (w is null || scale is null || bias is null || mean is null || variance is null) return false;
        if (conv.Input(2) is not null && b is null) return false;
        if (w.Type != DataType.Float) return false;
        int m = w.Shape[0];
        if (scale.Length != m || bias.Length != m || mean.Length != m || variance.Length != m) return false;
        float eps = bn.Attributes.GetFloat("epsilon");
        var s = new float[m];
        var sc = scale.ToDoubleArray();
        var va = variance.ToDoubleArray();
        for (int i = 0; i < m; i++) s[i] = (float)(sc[i] / Math.Sqrt(va[i] + eps));
        var wd = (float[])w.As<float>().Clone();
        int per = wd.Length / m;
        for (int i = 0; i < m; i++) for (int j = 0; j < per; j++) wd[i * per + j] *= s[i];
        var bd = new float[m];
        var mu = mean.ToDoubleArray();
        var be = bias.ToDoubleArray();
        var b0 = b?.ToDoubleArray();
        for (int i = 0; i < m; i++) bd[i] = (float)(((b0?[i] ?? 0) - mu[i]) * s[i] + be[i]);
        var folded = c.InsertBefore(bn, "Conv",
            [conv.Inputs[0], c.Constant(new Tensor(DataType.Float, w.Shape, wd), conv.Name + "_W_bn"), c.Constant(Tensor.FromArray(bd, m), conv.Name + "_B_bn")], 1,
            conv.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).ToArray());
        folded.Name = conv.Name;
        c.Replace(bn.Outputs[0]!, folded.Outputs[0]!);
        return true;
    }

    /// <summary>
    /// An inference BatchNormalization no Conv can absorb (e.g. DenseNet's pre-activation BN after a
    /// Concat) becomes x·s + t with per-channel constants: elementwise, so it fuses with its neighbours.
    /// </summary>
    private static bool BatchNormToAffine(Node bn, RewriteContext c)
    {
        if (Pinned(c, bn)) return false;
        if (bn.OpType != "BatchNormalization" || bn.Domain != "" || bn.Attributes.GetInt("training_mode", 0) != 0) return false;
        if (bn.Outputs.Skip(1).Any(o => o is not null && (o.Users.Count > 0 || !c.IsFree(o)))) return false;
        var x = bn.Inputs[0]!;
        int rank = x.Type.Rank;
        if (rank < 2 || x.Type.Elem != DataType.Float) return false;
        var consts = Enumerable.Range(1, 4).Select(i => c.ConstantOf(bn.Inputs[i])).ToArray();
        if (consts.Any(t => t is null)) return false;
        var (scale, bias, mean, variance) = (consts[0]!.ToDoubleArray(), consts[1]!.ToDoubleArray(), consts[2]!.ToDoubleArray(), consts[3]!.ToDoubleArray());
        int ch = scale.Length;
        if (bias.Length != ch || mean.Length != ch || variance.Length != ch) return false;
        double eps = bn.Attributes.GetFloat("epsilon");
        var s = new float[ch];
        var t = new float[ch];
        for (int i = 0; i < ch; i++)
        {
            s[i] = (float)(scale[i] / Math.Sqrt(variance[i] + eps));
            t[i] = (float)(bias[i] - mean[i] * s[i]);
        }
        var shape = new[] { ch }.Concat(Enumerable.Repeat(1, rank - 2)).ToArray();
        var mul = c.InsertBefore(bn, "Mul", [x, c.Constant(new Tensor(DataType.Float, shape, s), bn.Name + "_scale")]);
        var add = c.InsertBefore(bn, "Add", [mul.Outputs[0], c.Constant(new Tensor(DataType.Float, shape, t), bn.Name + "_shift")]);
        c.Replace(bn.Outputs[0]!, add.Outputs[0]!);
        return true;
    }

    /// <summary>
    /// The per-output-channel factors of a constant that multiplies (or is added to) a Conv output
    /// of <paramref name="m"/> channels and rank <paramref name="rank"/>: shape [M,1,..], [1,M,1,..], or a scalar.
    /// </summary>
    private static float[]? PerChannel(Tensor k, int m, int rank)
    {
        if (k.Type != DataType.Float || rank < 2 || k.Rank > rank) return null;
        if (k.Length == 1) return Enumerable.Repeat(k.As<float>()[0], m).ToArray();
        var padded = Enumerable.Repeat(1, rank - k.Rank).Concat(k.Shape).ToArray();
        if (k.Length != m || padded[1] != m || padded.Where((d, i) => i != 1).Any(d => d != 1)) return null;
        return k.As<float>().ToArray();
    }

    /// <summary>Conv followed by a per-channel Mul: scale the weights (and bias) instead.</summary>
    private static bool FoldMulIntoConv(Node mul, RewriteContext c)
    {
        if (Pinned(c, mul)) return false;
        bool isDiv = mul.OpType == "Div";
        if (mul.OpType != "Mul" && !isDiv || mul.Domain != "" || mul.Inputs.Count != 2) return false;
        // Division by a constant is multiplication by its reciprocal; only the divisor may be constant.
        for (int side = 0; side < (isDiv ? 1 : 2); side++)
        {
            var convOut = mul.Inputs[side];
            if (RewriteContext.Producer(convOut, "Conv") is not { } conv || !c.HasSingleUse(convOut!)) continue;
            var k = c.ConstantOf(mul.Inputs[1 - side]);
            var w = c.ConstantOf(conv.Inputs[1]);
            if (k is null || w is null || w.Type != DataType.Float) continue;
            int m = w.Shape[0];
            if (PerChannel(k, m, convOut!.Type.Rank) is not { } scale) continue;
            if (isDiv)
            {
                if (scale.Any(x => x == 0)) continue;
                scale = scale.Select(x => 1 / x).ToArray();
            }
            if (!mul.Outputs[0]!.Type.Equals(convOut.Type)) continue;
            var wd = (float[])w.As<float>().Clone();
            int per = wd.Length / m;
            for (int i = 0; i < m; i++) for (int j = 0; j < per; j++) wd[i * per + j] *= scale[i];
            var inputs = new List<Value?> { conv.Inputs[0], c.Constant(new Tensor(DataType.Float, w.Shape, wd), conv.Name + "_W_scaled") };
            if (conv.Input(2) is { } bv)
            {
                if (c.ConstantOf(bv) is not { } b) continue;
                var bd = b.ToDoubleArray().Select((x, i) => (float)(x * scale[i])).ToArray();
                inputs.Add(c.Constant(Tensor.FromArray(bd, m), conv.Name + "_B_scaled"));
            }
            var folded = c.InsertBefore(mul, "Conv", inputs, 1, conv.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).ToArray());
            folded.Name = conv.Name;
            c.Replace(mul.Outputs[0]!, folded.Outputs[0]!);
            return true;
        }
        return false;
    }

    private static bool FoldAddIntoConvBias(Node add, RewriteContext c)
    {
        if (Pinned(c, add)) return false;
        if (add.OpType != "Add" || add.Domain != "" || add.Inputs.Count != 2) return false;
        for (int side = 0; side < 2; side++)
        {
            var convOut = add.Inputs[side];
            if (RewriteContext.Producer(convOut, "Conv") is not { } conv || !c.HasSingleUse(convOut!)) continue;
            var k = c.ConstantOf(add.Inputs[1 - side]);
            var w = c.ConstantOf(conv.Inputs[1]);
            if (k is null || w is null || k.Type != DataType.Float || w.Type != DataType.Float) continue;
            int m = w.Shape[0];
            if (PerChannel(k, m, convOut!.Type.Rank) is not { } bias || !add.Outputs[0]!.Type.Equals(convOut.Type)) continue;
            if (conv.Input(2) is { } old)
            {
                if (c.ConstantOf(old) is not { } ob) continue;
                var o = ob.ToDoubleArray();
                for (int i = 0; i < m; i++) bias[i] += (float)o[i];
            }
            var folded = c.InsertBefore(add, "Conv", [conv.Inputs[0], conv.Inputs[1], c.Constant(Tensor.FromArray(bias, m), conv.Name + "_B")], 1,
                conv.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).ToArray());
            folded.Name = conv.Name;
            c.Replace(add.Outputs[0]!, folded.Outputs[0]!);
            return true;
        }
        return false;
    }

    private static bool MatMulAddToGemm(Node add, RewriteContext c)
    {
        if (Pinned(c, add)) return false;
        if (add.OpType != "Add" || add.Domain != "" || add.Inputs.Count != 2) return false;
        for (int side = 0; side < 2; side++)
        {
            var mmOut = add.Inputs[side];
            if (RewriteContext.Producer(mmOut, "MatMul") is not { } mm || !c.HasSingleUse(mmOut!)) continue;
            var a = mm.Inputs[0]!;
            var b = mm.Inputs[1]!;
            var bias = add.Inputs[1 - side]!;
            if (a.Type.Rank != 2 || b.Type.Rank != 2 || mmOut!.Type.Rank != 2) continue;
            if (bias.Type.Rank is < 1 or > 2 || !add.Outputs[0]!.Type.Equals(mmOut.Type)) continue;
            if (a.Type.Elem != DataType.Float) continue;
            var gemm = c.InsertBefore(add, "Gemm", [a, b, bias]);
            c.Replace(add.Outputs[0]!, gemm.Outputs[0]!);
            return true;
        }
        return false;
    }
}
