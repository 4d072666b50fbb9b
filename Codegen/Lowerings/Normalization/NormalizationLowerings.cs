using Engine.Codegen.Lowering;
using Engine.Runtime;
using static Engine.Codegen.Lowerings.LoweringText;

namespace Engine.Codegen.Lowerings.Normalization;

/// <summary>float32 Softmax / LogSoftmax (opset 13 semantics: one axis) as one <c>Softmax.Run</c> over [outer, len, inner].</summary>
public sealed class SoftmaxLowering(bool log) : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float) return "only float32 is lowered";
        var s = ctx.InShape(0);
        long axis = ctx.Attributes.GetInt("axis");
        if (s.Length == 0)
        {
            axis = 0;
            s = [1];
        }
        if (axis < 0) axis += s.Length;
        if (axis < 0 || axis >= s.Length) return $"axis {axis} out of range";
        long outer = Product(s.AsSpan(0, (int)axis)), inner = Product(s.AsSpan((int)axis + 1));
        if (outer * s[axis] * inner > int.MaxValue) return "too large";
        ctx.Line($"Softmax.Run({ctx.In(0)}, {ctx.Out(0)}, {I(outer)}, {I(s[axis])}, {I(inner)}, {(log ? "true" : "false")}, {ctx.Threads}, {Isa(ctx)});");
        return null;
    }

    public bool CanWriteInPlace(Engine.Graph.Node node, int input) => input == 0;
}

/// <summary>
/// float32 LayerNormalization (and RMSNormalization) over the trailing dims from <c>axis</c>. Scale/bias must hold
/// the normalized block's element count, or be compile-time constants that broadcast to it (expanded here).
/// LayerNormalization's Mean/InvStdDev outputs are written when used (stash_type float).
/// </summary>
public sealed class LayerNormLowering(bool rms) : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float) return "only float32 is lowered";
        var s = ctx.InShape(0);
        long axis = ctx.Attributes.GetInt("axis");
        if (axis < 0) axis += s.Length;
        if (axis < 0 || axis >= s.Length) return $"axis {axis} out of range";
        long inner = Product(s.AsSpan((int)axis)), outer = Product(s.AsSpan(0, (int)axis));
        if (outer * inner > int.MaxValue) return "too large";
        bool stats = !rms && (HasOutput(ctx, 1) || HasOutput(ctx, 2));
        if (stats && ctx.Attributes.GetInt("stash_type") != (long)DataType.Float) return "stash_type other than float";
        var scale = Param(ctx, 1, s[(int)axis..], inner);
        if (scale is null) return "Scale does not have the normalized block's size and is not a constant";
        string? bias = null;
        if (!rms && !Absent(ctx, 2))
        {
            bias = Param(ctx, 2, s[(int)axis..], inner);
            if (bias is null) return "B does not have the normalized block's size and is not a constant";
        }
        float eps = ctx.Attributes.GetFloat("epsilon");
        if (rms)
        {
            ctx.Line($"Normalization.RmsNorm({ctx.In(0)}, {ctx.Out(0)}, {I(outer)}, {I(inner)}, {scale}, {F(eps)}, {ctx.Threads}, {Isa(ctx)});");
            return null;
        }
        string mean = HasOutput(ctx, 1) ? ctx.Out(1) : "null", inv = HasOutput(ctx, 2) ? ctx.Out(2) : "null";
        ctx.Line($"Normalization.LayerNorm({ctx.In(0)}, {ctx.Out(0)}, {I(outer)}, {I(inner)}, {scale}, {bias ?? "null"}, {F(eps)}, {mean}, {inv}, {ctx.Threads}, {Isa(ctx)});");
        return null;
    }

    /// <summary>A float* with <paramref name="inner"/> values for input i: the input itself, or a constant broadcast at compile time.</summary>
    private static string? Param(LoweringContext ctx, int i, int[] normShape, long inner)
    {
        if (Absent(ctx, i) || ctx.InType(i) != DataType.Float) return null;
        if (Product(ctx.InShape(i)) == inner)
        {
            // Same element count: either the same shape or only leading 1s differ (anything else would not broadcast).
            var p = ctx.InShape(i).SkipWhile(d => d == 1).ToArray();
            var q = normShape.SkipWhile(d => d == 1).ToArray();
            if (p.SequenceEqual(q)) return ctx.In(i);
        }
        if (ctx.Constant(i) is not { } c) return null;
        var cs = c.Shape.SkipWhile(d => d == 1).ToArray();
        if (cs.Length > normShape.Length) return null;
        for (int k = 0; k < cs.Length; k++)
        {
            int nd = normShape[normShape.Length - cs.Length + k];
            if (cs[k] != nd && cs[k] != 1) return null;
        }
        var src = c.As<float>();
        var dst = new float[inner];
        var offs = Engine.Runtime.Kernels.Broadcasting.Offsets(cs, normShape);
        for (int k = 0; k < inner; k++) dst[k] = src[offs[k]];
        return ctx.Weights(Tensor.FromArray(dst, dst.Length));
    }

    public bool CanWriteInPlace(Engine.Graph.Node node, int input) => input == 0;
}

/// <summary>float32 BatchNormalization in inference mode (when the optimizer did not fold it) with per-channel parameters.</summary>
public sealed class BatchNormLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float) return "only float32 is lowered";
        if (ctx.Attributes.GetInt("training_mode") != 0) return "training mode";
        if (HasOutput(ctx, 1) || HasOutput(ctx, 2)) return "running statistics outputs";
        var s = ctx.InShape(0);
        if (s.Length < 2) return "rank below 2";
        for (int i = 1; i <= 4; i++)
            if (Absent(ctx, i) || ctx.InType(i) != DataType.Float || Product(ctx.InShape(i)) != s[1]) return "parameters are not per channel";
        long inner = Product(s.AsSpan(2));
        if ((long)s[0] * s[1] * inner > int.MaxValue) return "too large";
        ctx.Line($"Normalization.BatchNorm({ctx.In(0)}, {ctx.Out(0)}, {I(s[0])}, {I(s[1])}, {I(inner)}, {ctx.In(1)}, {ctx.In(2)}, {ctx.In(3)}, {ctx.In(4)}, " +
            $"{F(ctx.Attributes.GetFloat("epsilon"))}, {ctx.Threads}, {Isa(ctx)});");
        return null;
    }

    public bool CanWriteInPlace(Engine.Graph.Node node, int input) => input == 0;
}

/// <summary>Registers the softmax and normalization lowerings.</summary>
public sealed class NormalizationLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r)
    {
        r.Add("Softmax", new SoftmaxLowering(false));
        r.Add("LogSoftmax", new SoftmaxLowering(true));
        r.Add("LayerNormalization", new LayerNormLowering(false));
        r.Add("RMSNormalization", new LayerNormLowering(true));
        r.Add("BatchNormalization", new BatchNormLowering());
    }
}
