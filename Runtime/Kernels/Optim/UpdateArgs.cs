namespace Engine.Runtime.Kernels;

/// <summary>
/// The inputs every optimizer update op shares: (param, grad, slot₁ … slotₖ, lr, step). Params,
/// grads and slots are float32 tensors; slots shaped like the param unless an op says otherwise
/// (Nadam's μ-product is a scalar); lr is a float scalar and step the 1-based count of this update
/// (int64 scalar), so bias corrections and first-step rules need no hidden state.
/// </summary>
internal readonly struct UpdateArgs
{
    public UpdateArgs(KernelContext ctx, Tensor?[] inputs, int slots)
    {
        int expected = 4 + slots;
        if (inputs.Length != expected) throw ctx.Fail($"expects {expected} inputs (param, grad, {slots} state slot(s), lr, step), got {inputs.Length}");
        Param = Float(ctx, inputs[0], "param");
        Grad = Float(ctx, inputs[1], "grad");
        if (Grad.Length != Param.Length) throw ctx.Fail($"grad has {Grad.Length} elements but param has {Param.Length}");
        Slots = new float[slots][];
        for (int i = 0; i < slots; i++) Slots[i] = Float(ctx, inputs[2 + i], $"state {i}");
        var lrT = inputs[2 + slots] ?? throw ctx.Fail("input 'lr' is required");
        var stepT = inputs[3 + slots] ?? throw ctx.Fail("input 'step' is required");
        if (lrT.Length != 1) throw ctx.Fail($"lr must be a scalar, got {Tensor.ShapeString(lrT.Shape)}");
        if (stepT.Length != 1) throw ctx.Fail($"step must be a scalar, got {Tensor.ShapeString(stepT.Shape)}");
        Lr = (float)lrT.ScalarAsDouble();
        Step = (long)stepT.ScalarAsDouble();
        if (Step < 1) throw ctx.Fail($"step counts updates from 1, got {Step}");
        Shape = inputs[0]!.Shape;
    }

    public float[] Param { get; }

    public float[] Grad { get; }

    public float[][] Slots { get; }

    public float Lr { get; }

    public long Step { get; }

    public int[] Shape { get; }

    /// <summary>A slot that must have the param's shape.</summary>
    public float[] ParamLikeSlot(KernelContext ctx, int i) =>
        Slots[i].Length == Param.Length ? Slots[i] : throw ctx.Fail($"state {i} has {Slots[i].Length} elements but param has {Param.Length}");

    public Tensor Result(float[] data) => new(DataType.Float, (int[])Shape.Clone(), data);

    private static float[] Float(KernelContext ctx, Tensor? t, string what)
    {
        if (t is null) throw ctx.Fail($"input '{what}' is required");
        if (t.Type != DataType.Float) throw ctx.Fail($"{what} must be float32, got {DataTypes.ShortName(t.Type)}");
        return (float[])t.Data;
    }
}
