using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// CastLike(x, like) reads only like's element type: once that is known it is Cast(x, to = type).
/// ONNX function bodies (Gelu, Swish, … expanded) wrap every constant in CastLike; as a Cast of a
/// constant, constant folding can evaluate it, so the constants the pattern rules check become visible.
/// </summary>
public static class CastLikeLowering
{
    public static RuleSet Create() => new("castlike-to-cast", 1,
    [
        new("castlike-to-cast", ToCast),
    ]);

    private static bool ToCast(Node n, RewriteContext c)
    {
        if (n.OpType != "CastLike" || n.Domain != "" || n.Inputs[0] is not { } x || n.Input(1) is not { } like) return false;
        if (like.Type.Elem == DataType.Undefined || n.Outputs[0] is not { } y || !c.CanReplace(y, y)) return false;
        var attrs = n.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).Append(("to", (object)(long)like.Type.Elem)).ToArray();
        var cast = c.InsertBefore(n, "Cast", [x], 1, attrs);
        c.Replace(y, cast.Outputs[0]!);
        return true;
    }
}
