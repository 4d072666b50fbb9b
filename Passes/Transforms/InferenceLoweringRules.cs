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
        new("fold-add-into-conv-bias", FoldAddIntoConvBias),
        new("matmul-add-to-gemm", MatMulAddToGemm),
    ]);

    private static bool FoldBatchNorm(Node bn, RewriteContext c)
    {
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
        if (!c.CanReplace(bn.Outputs[0]!, folded.Outputs[0]!)) return false;
        c.Replace(bn.Outputs[0]!, folded.Outputs[0]!);
        return true;
    }

    private static bool FoldAddIntoConvBias(Node add, RewriteContext c)
    {
        if (add.OpType != "Add" || add.Domain != "" || add.Inputs.Count != 2) return false;
        for (int side = 0; side < 2; side++)
        {
            var convOut = add.Inputs[side];
            if (RewriteContext.Producer(convOut, "Conv") is not { } conv || !c.HasSingleUse(convOut!)) continue;
            var k = c.ConstantOf(add.Inputs[1 - side]);
            var w = c.ConstantOf(conv.Inputs[1]);
            if (k is null || w is null || k.Type != DataType.Float || w.Type != DataType.Float) continue;
            int m = w.Shape[0];
            int rank = convOut!.Type.Rank;
            // The constant must be per-channel: shape [M,1,..,1] or [1,M,1,..,1] with rank ≤ the output's.
            if (rank < 0 || k.Length != m || k.Rank > rank) continue;
            var padded = Enumerable.Repeat(1, rank - k.Rank).Concat(k.Shape).ToArray();
            if (padded[1] != m || padded.Where((d, i) => i != 1).Any(d => d != 1)) continue;
            var bias = k.As<float>().ToArray();
            if (conv.Input(2) is { } old)
            {
                if (c.ConstantOf(old) is not { } ob) continue;
                var o = ob.ToDoubleArray();
                for (int i = 0; i < m; i++) bias[i] += (float)o[i];
            }
            var folded = c.InsertBefore(add, "Conv", [conv.Inputs[0], conv.Inputs[1], c.Constant(Tensor.FromArray(bias, m), conv.Name + "_B")], 1,
                conv.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).ToArray());
            folded.Name = conv.Name;
            if (!c.CanReplace(add.Outputs[0]!, folded.Outputs[0]!)) return false;
            c.Replace(add.Outputs[0]!, folded.Outputs[0]!);
            return true;
        }
        return false;
    }

    private static bool MatMulAddToGemm(Node add, RewriteContext c)
    {
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
            if (!c.CanReplace(add.Outputs[0]!, gemm.Outputs[0]!)) return false;
            c.Replace(add.Outputs[0]!, gemm.Outputs[0]!);
            return true;
        }
        return false;
    }
}
