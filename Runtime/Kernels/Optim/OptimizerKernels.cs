namespace Engine.Runtime.Kernels;

/// <summary>
/// Reference kernels of the optimizer update ops (ai.engine::*Update). Each is pure: it returns the
/// new param and new state slots and never writes its inputs, so a train step is an ordinary graph.
/// The formulas follow the PyTorch documentation of torch.optim (weight_decay is the coupled L2 term
/// g ← g + λθ unless the op says decoupled); Yogi follows Zaheer et al. 2018, Algorithm 2.
/// Arithmetic is float32 like the frameworks'; per-step scalars (bias corrections) in double.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>θ ← θ − lr·(g + λθ).</summary>
    public static Tensor?[] Sgd(KernelContext ctx, Tensor?[] inputs)
    {
        var a = new UpdateArgs(ctx, inputs, 0);
        float wd = ctx.Attributes.GetFloat("weight_decay"), lr = a.Lr;
        var p = a.Param;
        var g = a.Grad;
        var np = new float[p.Length];
        for (int i = 0; i < p.Length; i++) np[i] = p[i] - lr * (g[i] + wd * p[i]);
        return [a.Result(np)];
    }

    /// <summary>
    /// b ← μb + (1−dampening)g (b ← g on the first step), then θ ← θ − lr·(g + μb) with Nesterov,
    /// θ ← θ − lr·b without.
    /// </summary>
    public static Tensor?[] Momentum(KernelContext ctx, Tensor?[] inputs)
    {
        var a = new UpdateArgs(ctx, inputs, 1);
        float wd = ctx.Attributes.GetFloat("weight_decay"), mu = ctx.Attributes.GetFloat("momentum");
        float damp = a.Step == 1 ? 0f : ctx.Attributes.GetFloat("dampening");
        bool nesterov = ctx.Attributes.GetInt("nesterov") != 0;
        var (p, g, b) = (a.Param, a.Grad, a.ParamLikeSlot(ctx, 0));
        var np = new float[p.Length];
        var nb = new float[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + wd * p[i];
            float bi = a.Step == 1 ? gi : mu * b[i] + (1 - damp) * gi;
            nb[i] = bi;
            np[i] = p[i] - a.Lr * (nesterov ? gi + mu * bi : bi);
        }
        return [a.Result(np), a.Result(nb)];
    }

    /// <summary>clr = lr/(1+(t−1)·lr_decay); s ← s + g²; θ ← θ − clr·g/(√s + ε).</summary>
    public static Tensor?[] Adagrad(KernelContext ctx, Tensor?[] inputs)
    {
        var a = new UpdateArgs(ctx, inputs, 1);
        float wd = ctx.Attributes.GetFloat("weight_decay"), eps = ctx.Attributes.GetFloat("epsilon");
        float clr = (float)(a.Lr / (1 + (a.Step - 1) * (double)ctx.Attributes.GetFloat("lr_decay")));
        var (p, g, s) = (a.Param, a.Grad, a.ParamLikeSlot(ctx, 0));
        var np = new float[p.Length];
        var ns = new float[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + wd * p[i];
            ns[i] = s[i] + gi * gi;
            np[i] = p[i] - clr * gi / (MathF.Sqrt(ns[i]) + eps);
        }
        return [a.Result(np), a.Result(ns)];
    }

    /// <summary>v ← αv + (1−α)g²; θ ← θ − lr·g/(√v + ε).</summary>
    public static Tensor?[] RmsProp(KernelContext ctx, Tensor?[] inputs)
    {
        var a = new UpdateArgs(ctx, inputs, 1);
        float wd = ctx.Attributes.GetFloat("weight_decay"), eps = ctx.Attributes.GetFloat("epsilon"), alpha = ctx.Attributes.GetFloat("alpha");
        var (p, g, v) = (a.Param, a.Grad, a.ParamLikeSlot(ctx, 0));
        var np = new float[p.Length];
        var nv = new float[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + wd * p[i];
            nv[i] = alpha * v[i] + (1 - alpha) * gi * gi;
            np[i] = p[i] - a.Lr * gi / (MathF.Sqrt(nv[i]) + eps);
        }
        return [a.Result(np), a.Result(nv)];
    }

    /// <summary>v ← ρv + (1−ρ)g²; Δ = √(u+ε)/√(v+ε)·g; u ← ρu + (1−ρ)Δ²; θ ← θ − lr·Δ.</summary>
    public static Tensor?[] Adadelta(KernelContext ctx, Tensor?[] inputs)
    {
        var a = new UpdateArgs(ctx, inputs, 2);
        float wd = ctx.Attributes.GetFloat("weight_decay"), eps = ctx.Attributes.GetFloat("epsilon"), rho = ctx.Attributes.GetFloat("rho");
        var (p, g, v, u) = (a.Param, a.Grad, a.ParamLikeSlot(ctx, 0), a.ParamLikeSlot(ctx, 1));
        var np = new float[p.Length];
        var nv = new float[p.Length];
        var nu = new float[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + wd * p[i];
            nv[i] = rho * v[i] + (1 - rho) * gi * gi;
            float delta = MathF.Sqrt(u[i] + eps) / MathF.Sqrt(nv[i] + eps) * gi;
            nu[i] = rho * u[i] + (1 - rho) * delta * delta;
            np[i] = p[i] - a.Lr * delta;
        }
        return [a.Result(np), a.Result(nv), a.Result(nu)];
    }

    /// <summary>
    /// Adam (Kingma &amp; Ba), and AdamW when <paramref name="decoupled"/> (Loshchilov &amp; Hutter: θ ← θ(1 − lr·λ)
    /// before the Adam step instead of adding λθ to the gradient):
    /// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
    /// </summary>
    public static Tensor?[] Adam(KernelContext ctx, Tensor?[] inputs, bool decoupled)
    {
        var a = new UpdateArgs(ctx, inputs, 2);
        var at = ctx.Attributes;
        float b1 = at.GetFloat("beta1"), b2 = at.GetFloat("beta2"), eps = at.GetFloat("epsilon"), wd = at.GetFloat("weight_decay");
        float bc1 = (float)(1 - Math.Pow(b1, a.Step)), bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(b2, a.Step));
        float stepSize = a.Lr / bc1, shrink = decoupled ? 1 - a.Lr * wd : 1, l2 = decoupled ? 0 : wd;
        var (p, g, m, v) = (a.Param, a.Grad, a.ParamLikeSlot(ctx, 0), a.ParamLikeSlot(ctx, 1));
        var np = new float[p.Length];
        var nm = new float[p.Length];
        var nv = new float[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + l2 * p[i];
            nm[i] = b1 * m[i] + (1 - b1) * gi;
            nv[i] = b2 * v[i] + (1 - b2) * gi * gi;
            np[i] = p[i] * shrink - stepSize * nm[i] / (MathF.Sqrt(nv[i]) / bc2Sqrt + eps);
        }
        return [a.Result(np), a.Result(nm), a.Result(nv)];
    }

    /// <summary>
    /// NAdam (Dozat 2016, in PyTorch's form): μₜ = β₁(1 − ½·0.96^(tψ)); the product Πμᵢ is the scalar
    /// third slot; θ ← θ − lr·[(1−μₜ)/(1−Πᵗμ)·g + μₜ₊₁/(1−Πᵗ⁺¹μ)·m] / (√(v/(1−β₂ᵗ)) + ε).
    /// </summary>
    public static Tensor?[] Nadam(KernelContext ctx, Tensor?[] inputs)
    {
        var a = new UpdateArgs(ctx, inputs, 3);
        var at = ctx.Attributes;
        float b1 = at.GetFloat("beta1"), b2 = at.GetFloat("beta2"), eps = at.GetFloat("epsilon"), wd = at.GetFloat("weight_decay");
        double psi = at.GetFloat("momentum_decay");
        if (a.Slots[2].Length != 1) throw ctx.Fail($"state 2 (the μ product) must be a scalar, got {a.Slots[2].Length} elements");
        double muT = b1 * (1 - 0.5 * Math.Pow(0.96, a.Step * psi));
        double muNext = b1 * (1 - 0.5 * Math.Pow(0.96, (a.Step + 1) * psi));
        double prod = a.Slots[2][0] * muT;
        float cGrad = (float)(a.Lr * (1 - muT) / (1 - prod));
        float cMom = (float)(a.Lr * muNext / (1 - prod * muNext));
        float bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(b2, a.Step));
        var (p, g, m, v) = (a.Param, a.Grad, a.ParamLikeSlot(ctx, 0), a.ParamLikeSlot(ctx, 1));
        var np = new float[p.Length];
        var nm = new float[p.Length];
        var nv = new float[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + wd * p[i];
            nm[i] = b1 * m[i] + (1 - b1) * gi;
            nv[i] = b2 * v[i] + (1 - b2) * gi * gi;
            float denom = MathF.Sqrt(nv[i]) / bc2Sqrt + eps;
            np[i] = p[i] - cGrad * gi / denom - cMom * nm[i] / denom;
        }
        return [a.Result(np), a.Result(nm), a.Result(nv), new Tensor(DataType.Float, [], new[] { (float)prod })];
    }

    /// <summary>
    /// Yogi (Zaheer et al. 2018, Algorithm 2): m ← β₁m + (1−β₁)g; v ← v − (1−β₂)·sign(v − g²)·g²;
    /// θ ← θ − lr·m/(√v + ε). The additive v update keeps the effective rate from growing abruptly.
    /// </summary>
    public static Tensor?[] Yogi(KernelContext ctx, Tensor?[] inputs)
    {
        var a = new UpdateArgs(ctx, inputs, 2);
        var at = ctx.Attributes;
        float b1 = at.GetFloat("beta1"), b2 = at.GetFloat("beta2"), eps = at.GetFloat("epsilon"), wd = at.GetFloat("weight_decay");
        var (p, g, m, v) = (a.Param, a.Grad, a.ParamLikeSlot(ctx, 0), a.ParamLikeSlot(ctx, 1));
        var np = new float[p.Length];
        var nm = new float[p.Length];
        var nv = new float[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + wd * p[i];
            float g2 = gi * gi;
            nm[i] = b1 * m[i] + (1 - b1) * gi;
            nv[i] = v[i] - (1 - b2) * MathF.Sign(v[i] - g2) * g2;
            np[i] = p[i] - a.Lr * nm[i] / (MathF.Sqrt(nv[i]) + eps);
        }
        return [a.Result(np), a.Result(nm), a.Result(nv)];
    }
}
