using Engine.Codegen.Lowering;
using Engine.Graph;
using Engine.Runtime;
using Engine.Runtime.Compute;

namespace Engine.Codegen;

/// <summary>
/// Recognizes a Fused body "anchor op, then a chain of elementwise ops each reading the previous result"
/// whose chain is a bias add (constant per channel or per last dim), a residual add (a tensor of the
/// output's shape), and one activation, in the order act(acc + bias + residual) or act(acc + bias) + residual.
/// </summary>
internal sealed class FusedEpilogue
{
    public required Node Anchor { get; init; }
    public BiasKind Bias { get; init; }
    public float[]? BiasData { get; init; }
    public Activation Activation { get; init; }
    public Value? Residual { get; init; }
    public bool ResidualAfterActivation { get; init; }
    public required List<Node> Tail { get; init; }

    public static FusedEpilogue? TryMatch(Graph.Graph body, out string reason)
    {
        reason = "";
        if (body.Nodes.Count < 2 || body.Outputs.Count != 1) { reason = "not an anchor with a tail"; return null; }
        var anchor = body.Nodes[0];
        if (anchor.Outputs.Count < 1 || anchor.Outputs[0] is not { } cur || cur.Type.Elem != DataType.Float) { reason = "anchor output is not float32"; return null; }
        if (anchor.Outputs.Skip(1).Any(o => o is not null && (o.Users.Count > 0 || body.Outputs.Contains(o)))) { reason = "anchor has several used outputs"; return null; }
        var shape = cur.Type.StaticShape();
        var kind = BiasKind.None;
        float[]? bias = null;
        var act = default(Activation);
        bool hasAct = false;
        Value? residual = null;
        bool after = false;
        var tail = new List<Node>();
        foreach (var n in body.Nodes.Skip(1))
        {
            if (cur.Users.Count != 1 || cur.Users[0] != n || body.Outputs.Contains(cur)) { reason = "an intermediate of the tail is used elsewhere"; return null; }
            if (n.Domain.Length != 0 || n.Outputs.Count != 1 || n.Outputs[0] is not { } y || y.Type.Elem != DataType.Float
                || !y.Type.StaticShape().AsSpan().SequenceEqual(shape)) { reason = $"tail op {n.OpType} is not a shape-preserving float32 op"; return null; }
            if (residual is not null && after) { reason = "ops after the residual add"; return null; }
            if (n.OpType == "Add" && n.Inputs.Count == 2)
            {
                var other = n.Inputs[0] == cur ? n.Inputs[1] : n.Inputs[1] == cur ? n.Inputs[0] : null;
                if (other is null || other == cur || other.Type.Elem != DataType.Float) { reason = "tail Add does not add to the running result"; return null; }
                var c = body.InitializerData(other);
                if (c is not null && !hasAct && bias is null && residual is null && BiasOf(c, shape, out kind) is { } b)
                {
                    bias = b;
                }
                else if (other.Type.StaticShape().AsSpan().SequenceEqual(shape) && residual is null)
                {
                    residual = other;
                    after = hasAct;
                }
                else
                {
                    reason = "tail Add is neither a per-channel bias nor a full-shape residual";
                    return null;
                }
            }
            else if (!hasAct && ActivationOf(n, body) is { } a)
            {
                act = a;
                hasAct = true;
            }
            else
            {
                reason = $"tail op {n.OpType} is not a bias, residual or activation";
                return null;
            }
            tail.Add(n);
            cur = y;
        }
        if (body.Outputs[0] != cur) { reason = "the body output is not the end of the tail"; return null; }
        return new FusedEpilogue
        {
            Anchor = anchor,
            Bias = kind,
            BiasData = bias,
            Activation = act,
            Residual = residual,
            ResidualAfterActivation = after,
            Tail = tail,
        };
    }

    /// <summary>A constant added to an output of <paramref name="shape"/> as a bias: per last dim, per dim 1, or a scalar (per last dim).</summary>
    private static float[]? BiasOf(Tensor c, int[] shape, out BiasKind kind)
    {
        kind = BiasKind.None;
        if (c.Type != DataType.Float || shape.Length == 0) return null;
        var cs = c.Shape;
        if (cs.Length > shape.Length) return null;
        var data = c.As<float>();
        int r = shape.Length;
        // Right-align the constant's shape; find its non-1 dims.
        var nonOne = new List<int>();
        for (int d = 0; d < cs.Length; d++) if (cs[d] != 1) nonOne.Add(d + r - cs.Length);
        if (nonOne.Count == 0)
        {
            kind = BiasKind.PerColumn;
            return Enumerable.Repeat(data[0], shape[^1]).ToArray();
        }
        if (nonOne.Count != 1) return null;
        int dim = nonOne[0];
        if (cs[dim - (r - cs.Length)] != shape[dim]) return null;
        if (dim == r - 1) { kind = BiasKind.PerColumn; return (float[])data.Clone(); }
        if (dim == 1) { kind = BiasKind.PerRow; return (float[])data.Clone(); }
        return null;
    }

    private static Activation? ActivationOf(Node n, Graph.Graph body)
    {
        if (n.Inputs.Count == 0 || n.Inputs[0] is null) return null;
        switch (n.OpType)
        {
            case "Relu" when n.Inputs.Count == 1: return Activation.Relu;
            case "Sigmoid": return Activation.Sigmoid;
            case "Tanh": return Activation.Tanh;
            case "LeakyRelu": return Activation.LeakyRelu(n.Attributes.GetFloat("alpha"));
            case "Gelu": return n.Attributes.GetString("approximate", "none") == "tanh" ? Activation.GeluTanh : Activation.Gelu;
            case "Clip":
                float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
                if (n.Input(1) is { } a) { if (body.InitializerData(a) is not { Length: 1, Type: DataType.Float } t) return null; lo = t.As<float>()[0]; }
                if (n.Input(2) is { } b) { if (body.InitializerData(b) is not { Length: 1, Type: DataType.Float } t) return null; hi = t.As<float>()[0]; }
                return Activation.Clip(lo, hi);
            default: return null;
        }
    }

    /// <summary>The request the anchor's lowering sees, with pointers resolved.</summary>
    public EpilogueRequest Request(string? biasPointer, Tensor? biasTensor, string? residualPointer) => new()
    {
        Bias = Bias,
        BiasPointer = biasPointer,
        BiasLength = BiasData?.Length ?? 0,
        BiasConstant = biasTensor,
        Activation = Activation,
        Residual = residualPointer,
        ResidualAfterActivation = ResidualAfterActivation,
        Covered = Tail,
    };
}
