namespace Engine.Runtime.Kernels;

/// <summary>
/// Dropout-22. Inference (training_mode absent or false, or ratio 0): output = data and an
/// all-true mask. Training: each element is kept with probability 1 − ratio and scaled by
/// 1 / (1 − ratio); the draws come from the 'seed' attribute when set, else the context's Random.
/// </summary>
public static class DropoutKernels
{
    public static Tensor?[] Dropout(KernelContext ctx, Tensor?[] inputs)
    {
        var x = NormalizationKernels.Req(ctx, inputs, 0, "data");
        var ratioT = inputs.Length > 1 ? inputs[1] : null;
        var trainT = inputs.Length > 2 ? inputs[2] : null;
        double ratio = ratioT is null ? 0.5 : ratioT.ScalarAsDouble();
        bool training = trainT is not null && trainT.ScalarAsDouble() != 0;
        bool wantMask = ctx.OutputCount > 1;
        if (!training || ratio == 0)
        {
            var ones = wantMask ? Enumerable.Repeat(true, x.Length).ToArray() : null;
            return wantMask ? [x, new Tensor(DataType.Bool, (int[])x.Shape.Clone(), ones!)] : [x];
        }
        if (!(ratio >= 0 && ratio < 1)) throw ctx.Fail($"ratio must be in [0, 1) in training mode, got {ratio}");
        NormalizationKernels.RequireFloat(ctx, x);
        var rng = ctx.Attributes.Get("seed") is long seed ? new Random(unchecked((int)seed)) : ctx.Random;
        var mask = new bool[x.Length];
        var xd = NnData.ToDouble(x);
        var y = new double[xd.Length];
        double scale = 1 / (1 - ratio);
        for (int i = 0; i < y.Length; i++)
        {
            mask[i] = rng.NextDouble() >= ratio;
            y[i] = mask[i] ? xd[i] * scale : 0;
        }
        var outY = NnData.FromDouble(x.Type, x.Shape, y);
        return wantMask ? [outY, new Tensor(DataType.Bool, (int[])x.Shape.Clone(), mask)] : [outY];
    }
}
