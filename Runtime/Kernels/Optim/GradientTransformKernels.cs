namespace Engine.Runtime.Kernels;

/// <summary>
/// Gradient transforms that sit between autodiff and the update ops: clipping by global norm and
/// the gradient of L1/L2 weight penalties. Clipping by value is ONNX Clip.
/// </summary>
public static class GradientTransformKernels
{
    /// <summary>
    /// All gradients scaled by min(1, max_norm/(‖g‖₂ + 1e-6)) where ‖g‖₂ is the norm of all of them
    /// concatenated (PyTorch's clip_grad_norm_); the norm is summed in double so it does not depend
    /// on how the gradients are split into tensors.
    /// </summary>
    public static Tensor?[] ClipByGlobalNorm(KernelContext ctx, Tensor?[] inputs)
    {
        float maxNorm = ctx.Attributes.GetFloat("max_norm");
        if (!(maxNorm > 0)) throw ctx.Fail($"max_norm must be positive, got {maxNorm}");
        if (inputs.Length != ctx.OutputCount) throw ctx.Fail($"has {inputs.Length} inputs but {ctx.OutputCount} outputs");
        double sum = 0;
        for (int k = 0; k < inputs.Length; k++)
        {
            var t = inputs[k] ?? throw ctx.Fail($"gradient {k} is missing");
            if (t.Type != DataType.Float) throw ctx.Fail($"gradient {k} must be float32, got {DataTypes.ShortName(t.Type)}");
            foreach (float x in (float[])t.Data) sum += (double)x * x;
        }
        double norm = Math.Sqrt(sum);
        float scale = (float)Math.Min(1.0, maxNorm / (norm + 1e-6));
        var outs = new Tensor?[inputs.Length];
        for (int k = 0; k < inputs.Length; k++)
        {
            var t = inputs[k]!;
            if (scale >= 1) { outs[k] = t; continue; }
            var src = (float[])t.Data;
            var dst = new float[src.Length];
            for (int i = 0; i < dst.Length; i++) dst[i] = src[i] * scale;
            outs[k] = new Tensor(DataType.Float, (int[])t.Shape.Clone(), dst);
        }
        return outs;
    }

    /// <summary>
    /// g + l1·sign(θ) + l2·θ: the gradient of the penalty l1·Σ|θ| + (l2/2)·Σθ² added to a loss's gradient.
    /// </summary>
    public static Tensor?[] WeightPenalty(KernelContext ctx, Tensor?[] inputs)
    {
        var p = inputs.Length > 0 ? inputs[0] : null;
        var g = inputs.Length > 1 ? inputs[1] : null;
        if (p is null || g is null) throw ctx.Fail("expects inputs (param, grad)");
        if (p.Type != DataType.Float || g.Type != DataType.Float) throw ctx.Fail("param and grad must be float32");
        if (p.Length != g.Length) throw ctx.Fail($"grad has {g.Length} elements but param has {p.Length}");
        float l1 = ctx.Attributes.GetFloat("l1"), l2 = ctx.Attributes.GetFloat("l2");
        var (pd, gd) = ((float[])p.Data, (float[])g.Data);
        var r = new float[gd.Length];
        for (int i = 0; i < r.Length; i++) r[i] = gd[i] + l1 * MathF.Sign(pd[i]) + l2 * pd[i];
        return [new Tensor(DataType.Float, (int[])g.Shape.Clone(), r)];
    }
}
