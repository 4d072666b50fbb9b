namespace Engine.Runtime.Kernels;

/// <summary>
/// RandomNormal(Like), RandomUniform(Like), Bernoulli and Multinomial. A 'seed' attribute makes a
/// node reproducible on its own; otherwise the executor's per-node generator is used.
/// </summary>
public static class RandomSamplingKernels
{
    public static Tensor?[] RandomNormal(KernelContext ctx, Tensor?[] inputs) =>
        [Normal(ctx, ShapeAttr(ctx), DataTypeAttr(ctx, DataType.Float))];

    public static Tensor?[] RandomNormalLike(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs);
        return [Normal(ctx, (int[])x.Shape.Clone(), DataTypeAttr(ctx, x.Type))];
    }

    public static Tensor?[] RandomUniform(KernelContext ctx, Tensor?[] inputs) =>
        [Uniform(ctx, ShapeAttr(ctx), DataTypeAttr(ctx, DataType.Float))];

    public static Tensor?[] RandomUniformLike(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs);
        return [Uniform(ctx, (int[])x.Shape.Clone(), DataTypeAttr(ctx, x.Type))];
    }

    /// <summary>Each output element is 1 with the probability given by the input element.</summary>
    public static Tensor?[] Bernoulli(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs);
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"input must be a float tensor, got {x.Type}");
        var rng = Rng(ctx);
        var p = x.ToDoubleArray();
        var y = new double[p.Length];
        for (int i = 0; i < p.Length; i++) y[i] = rng.NextDouble() < p[i] ? 1 : 0;
        return [DoubleBridge.FromDoublesAny(DataTypeAttr(ctx, x.Type), (int[])x.Shape.Clone(), y)];
    }

    /// <summary>Samples class indices from rows of unnormalised log-probabilities [batch, classes].</summary>
    public static Tensor?[] Multinomial(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Input(ctx, inputs);
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"input must be a float tensor, got {x.Type}");
        if (x.Rank != 2) throw ctx.Fail($"input must be [batch, classes], got {Tensor.ShapeString(x.Shape)}");
        long samples = ctx.Attributes.GetInt("sample_size");
        int batch = x.Shape[0], classes = x.Shape[1];
        if (samples < 0 || samples * batch > Tensor.MaxElements) throw ctx.Fail($"sample_size {samples} is out of range");
        var type = DataTypeAttr(ctx, DataType.Int32);
        if (type is not (DataType.Int32 or DataType.Int64)) throw ctx.Fail($"dtype must be int32 or int64, got {type}");
        var logits = x.ToDoubleArray();
        var rng = Rng(ctx);
        var y = new double[batch * samples];
        var cdf = new double[classes];
        for (int b = 0; b < batch; b++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++) max = Math.Max(max, logits[b * classes + c]);
            double acc = 0;
            for (int c = 0; c < classes; c++)
            {
                acc += double.IsNegativeInfinity(max) ? 0 : Math.Exp(logits[b * classes + c] - max);
                cdf[c] = acc;
            }
            for (long s = 0; s < samples; s++)
            {
                double u = rng.NextDouble() * acc;
                int k = 0;
                while (k < classes - 1 && cdf[k] <= u) k++;
                y[b * samples + s] = k;
            }
        }
        return [DoubleBridge.FromDoublesAny(type, [batch, (int)samples], y)];
    }

    private static Tensor Normal(KernelContext ctx, int[] shape, DataType type)
    {
        if (!DataTypes.IsFloat(type)) throw ctx.Fail($"dtype must be a float type, got {type}");
        double mean = ctx.Attributes.GetFloat("mean"), scale = ctx.Attributes.GetFloat("scale");
        var rng = Rng(ctx);
        var y = new double[Tensor.ElementCount(shape)];
        for (int i = 0; i < y.Length; i++)
        {
            // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            y[i] = mean + scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        return DoubleBridge.FromDoubles(type, shape, y);
    }

    private static Tensor Uniform(KernelContext ctx, int[] shape, DataType type)
    {
        if (!DataTypes.IsFloat(type)) throw ctx.Fail($"dtype must be a float type, got {type}");
        double low = ctx.Attributes.GetFloat("low"), high = ctx.Attributes.GetFloat("high");
        var rng = Rng(ctx);
        var y = new double[Tensor.ElementCount(shape)];
        for (int i = 0; i < y.Length; i++) y[i] = low + (high - low) * rng.NextDouble();
        return DoubleBridge.FromDoubles(type, shape, y);
    }

    private static Tensor Input(KernelContext ctx, Tensor?[] inputs) =>
        (inputs.Length > 0 ? inputs[0] : null) ?? throw ctx.Fail("input 'input' is required");

    private static Random Rng(KernelContext ctx) =>
        ctx.Attributes.Get("seed") is float seed ? new Random(BitConverter.SingleToInt32Bits(seed)) : ctx.Random;

    private static DataType DataTypeAttr(KernelContext ctx, DataType fallback) =>
        ctx.Attributes.Get("dtype") is long d ? DoubleBridge.TypeFromAttribute(d, ctx.Fail) : fallback;

    private static int[] ShapeAttr(KernelContext ctx)
    {
        var s = ctx.Attributes.GetInts("shape");
        if (s.Any(d => d < 0 || d > Tensor.MaxElements)) throw ctx.Fail($"shape [{string.Join(",", s)}] has an invalid dimension");
        var shape = s.Select(d => (int)d).ToArray();
        Tensor.ElementCount(shape);
        return shape;
    }
}
