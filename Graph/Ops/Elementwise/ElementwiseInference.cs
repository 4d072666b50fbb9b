using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>Type and shape inference shared by the elementwise ops.</summary>
internal static class ElementwiseInference
{
    /// <summary>Same element type and shape as input 0, but bool (IsNaN, IsInf).</summary>
    public static void UnaryToBool(InferenceContext ctx) => ctx.SetOutput(0, DataType.Bool, ctx.Required(0).Dims);

    /// <summary>Broadcast of all present inputs, which must share an element type; output has it.</summary>
    public static void SameTypeBroadcast(InferenceContext ctx) => ctx.SetOutput(0, CommonType(ctx, 0), BroadcastAll(ctx, 0));

    /// <summary>Broadcast of inputs of one type to a bool result (comparisons, logic).</summary>
    public static void CompareBroadcast(InferenceContext ctx)
    {
        CommonType(ctx, 0);
        ctx.SetOutput(0, DataType.Bool, BroadcastAll(ctx, 0));
    }

    /// <summary>Pow: the exponent may have its own type; the result has the base's.</summary>
    public static void Pow(InferenceContext ctx) => ctx.SetOutput(0, ctx.Required(0).Elem, BroadcastAll(ctx, 0));

    /// <summary>Where: X and Y share a type; the shape broadcasts condition, X and Y.</summary>
    public static void Where(InferenceContext ctx)
    {
        var c = ctx.Required(0);
        if (c.Elem is not DataType.Undefined and not DataType.Bool)
            throw ctx.Fail($"condition must be bool, got {DataTypes.ShortName(c.Elem)}");
        ctx.SetOutput(0, CommonType(ctx, 1), BroadcastAll(ctx, 0));
    }

    /// <summary>The element type all present inputs from <paramref name="first"/> on share (Undefined ones are skipped).</summary>
    public static DataType CommonType(InferenceContext ctx, int first)
    {
        var elem = DataType.Undefined;
        for (int i = first; i < ctx.InputCount; i++)
        {
            if (ctx.Input(i) is not { } t || t.Elem == DataType.Undefined) continue;
            if (elem == DataType.Undefined) elem = t.Elem;
            else if (elem != t.Elem)
                throw ctx.Fail($"inputs must share an element type, got {DataTypes.ShortName(elem)} and {DataTypes.ShortName(t.Elem)}");
        }
        return elem;
    }

    public static Dim[]? BroadcastAll(InferenceContext ctx, int first)
    {
        var dims = new List<Dim[]?>();
        for (int i = first; i < ctx.InputCount; i++)
        {
            if (ctx.Input(i) is { } t) dims.Add(t.Dims);
        }
        if (dims.Count == 0) throw ctx.Fail("needs at least one input");
        return Shapes.Broadcast(ctx, dims.ToArray());
    }

    /// <summary>Element type from an int attribute holding an ONNX type code (Cast, BitCast).</summary>
    public static DataType TypeAttribute(InferenceContext ctx, string name)
    {
        var t = (DataType)ctx.Attributes.GetInt(name);
        if (!Enum.IsDefined(t) || t == DataType.Undefined) throw ctx.Fail($"attribute '{name}' is not an element type: {(int)t}");
        return t;
    }
}
