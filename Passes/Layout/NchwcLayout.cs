using Engine.Graph;
using Engine.Graph.Ops;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>
/// Moves 2-D convolution stacks to the blocked channel layout NCHW{c}c (c = PassContext.BlockedLayoutWidth).
/// Each eligible Conv becomes ToBlocked → ai.engine::ConvNCHWc (weights reordered at compile time) →
/// FromBlocked; FromBlocked then sinks below elementwise/broadcast ops (they commute with the layout
/// change; per-channel constants are reshaped to [1, C/c, 1, 1, c]), and ToBlocked∘FromBlocked pairs
/// cancel, so a chain of convs, activations and residual adds stays blocked with one conversion at each end.
/// Runs only when PassContext.EnableBlockedLayout is set: the code generator does not consume it yet.
/// Choice for channels not divisible by c: that Conv stays in NCHW (no zero-channel padding), so
/// odd-width layers such as a 3-channel stem keep their original form and exact semantics.
/// Pools and other layout-sensitive ops stay NCHW, with conversions around them.
/// </summary>
public sealed class NchwcLayout : IPass
{
    public string Name => "nchwc-layout";

    public int Level => 3;

    public bool Run(Graph.Graph graph, PassContext context)
    {
        if (!context.EnableBlockedLayout) return false;
        int block = context.BlockedLayoutWidth;
        if (block is not (8 or 16)) throw new EngineException($"blocked layout width must be 8 or 16, got {block}");
        return RewriteDriver.Apply(graph, Rules(block), context) > 0;
    }

    /// <summary>The rule set for one block width (exposed for tests of single rules).</summary>
    public static RuleSet Rules(int block)
    {
        // Convs sharing a weight share its blocked copy.
        var weights = new Dictionary<Value, Value>();
        return new("nchwc-layout", 3,
        [
            new("cancel-blocked-round-trip", CancelRoundTrip),
            new("conv-to-nchwc", (n, c) => ConvToBlocked(n, c, block, weights)),
            new("sink-from-blocked", (n, c) => SinkThroughElementwise(n, c, block)),
        ]);
    }

    /// <summary>ToBlocked(FromBlocked(a)) → a.</summary>
    private static bool CancelRoundTrip(Node n, RewriteContext c)
    {
        if (n.OpType != "Transpose" || n.Domain != "" || n.Outputs[0] is not { } y) return false;
        if (BlockedConversions.MatchToBlocked(y) is not { } x || BlockedConversions.MatchFromBlocked(x) is not { } a) return false;
        if (!a.Type.Equals(y.Type) || !c.CanReplace(y, a)) return false;
        c.Replace(y, a);
        return true;
    }

    private static bool ConvToBlocked(Node conv, RewriteContext c, int block, Dictionary<Value, Value> weights)
    {
        if (conv.OpType != "Conv" || conv.Domain != "" || conv.Outputs[0] is not { } y) return false;
        var x = conv.Inputs[0]!;
        if (x.Type.Elem != DataType.Float || !x.Type.IsStatic || x.Type.Rank != 4 || !y.Type.IsStatic) return false;
        if (conv.Attributes.GetInt("group") != 1 || c.ConstantOf(conv.Inputs[1]) is not { Rank: 4 } w) return false;
        int m = w.Shape[0], ch = w.Shape[1];
        if (m % block != 0 || ch % block != 0 || x.Type.StaticShape()[1] != ch) return false;
        if (c.Pass.PinnedValues.Contains(y.Name)) return false;
        var attrs = conv.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).Append(("block", (object)(long)block)).ToArray();
        var xb = BlockedConversions.ToBlocked(c, conv, x, block);
        if (!weights.TryGetValue(conv.Inputs[1]!, out var wb) || !c.Graph.IsInitializer(wb))
            weights[conv.Inputs[1]!] = wb = c.Constant(BlockedLayout.WeightsToBlocked(w, block), conv.Name + "_W_nchwc");
        var bc = Insert(c, conv, c.Registry.Get(BlockedLayoutOps.Domain, "ConvNCHWc"), [xb, wb, conv.Input(2)], attrs);
        bc.Name = conv.Name;
        var back = BlockedConversions.FromBlocked(c, conv, bc.Outputs[0]!);
        if (!c.CanReplace(y, back)) return false;
        c.Replace(y, back);
        return true;
    }

    /// <summary>
    /// E(…, FromBlocked(a), …) → FromBlocked(E(…, a, …)) for a pure elementwise/broadcast op whose output
    /// has the blocked operand's shape. Other operands must be per-channel or scalar constants (reshaped
    /// to the blocked form) or same-shape values (converted with ToBlocked, which may cancel later).
    /// </summary>
    private static bool SinkThroughElementwise(Node n, RewriteContext c, int block)
    {
        if (n.Schema.Fusion is not (FusionKind.ElemWise or FusionKind.Broadcast) || !n.Schema.IsPure || n.Subgraphs.Any()) return false;
        if (n.Outputs.Count != 1 || n.Outputs[0] is not { } y || !y.Type.IsStatic || y.Type.Rank != 4) return false;
        // An op with an axis attribute (e.g. per-axis quantization) names a dim of the NCHW form.
        if (n.Schema.Attributes.ContainsKey("axis") || c.Pass.PinnedValues.Contains(y.Name)) return false;
        var shape = y.Type.StaticShape();
        if (shape[1] % block != 0) return false;
        var blocked = n.Inputs.Select(v => BlockedConversions.MatchFromBlocked(v)).ToArray();
        if (blocked.All(b => b is null)) return false;
        if (n.Inputs.Where((v, i) => blocked[i] is not null).Any(v => !v!.Type.StaticShape().SequenceEqual(shape))) return false;
        // Check every operand before changing anything.
        var plan = new (Value? Blocked, Tensor? Constant, Value? Convert)[n.Inputs.Count];
        for (int i = 0; i < n.Inputs.Count; i++)
        {
            var v = n.Inputs[i];
            if (v is null) continue;
            if (blocked[i] is { } a) plan[i] = (a, null, null);
            else if (c.ConstantOf(v) is { } k)
            {
                if (BlockedConstant(k, shape[1], block) is not { } kb) return false;
                plan[i] = (null, kb, null);
            }
            else if (v.Type.IsStatic && v.Type.StaticShape().SequenceEqual(shape) && v.Type.Elem != DataType.Undefined) plan[i] = (null, null, v);
            else return false;
        }
        var inputs = new Value?[n.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            var (a, k, x) = plan[i];
            inputs[i] = a ?? (k is not null ? (ReferenceEquals(k, c.ConstantOf(n.Inputs[i])) ? n.Inputs[i] : c.Constant(k, "nchwc_const"))
                : x is not null ? BlockedConversions.ToBlocked(c, n, x, block) : null);
        }
        var e = Insert(c, n, n.Schema, inputs, n.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).ToArray());
        if (e.Outputs[0] is not { } ey || !ey.Type.IsStatic || ey.Type.Rank != 5 || ey.Type.Elem != y.Type.Elem) return false;
        var back = BlockedConversions.FromBlocked(c, n, ey);
        if (!c.CanReplace(y, back)) return false;
        c.Replace(y, back);
        return true;
    }

    /// <summary>
    /// A constant operand in the blocked form: unchanged when every dim is 1 (it broadcasts alike),
    /// [1, C/c, 1, 1, c] when it is per-channel against a 4-D output; null otherwise.
    /// </summary>
    private static Tensor? BlockedConstant(Tensor k, int channels, int block)
    {
        if (k.Shape.All(d => d == 1)) return k;
        if (k.Rank > 4) return null;
        var padded = Enumerable.Repeat(1, 4 - k.Rank).Concat(k.Shape).ToArray();
        if (padded[0] != 1 || padded[1] != channels || padded[2] != 1 || padded[3] != 1) return null;
        // Channel ch = blk·c + lane sits at the same linear position in both forms: only the shape changes.
        return k.Reshape(1, channels / block, 1, 1, block);
    }

    private static Node Insert(RewriteContext c, Node anchor, OpSchema schema, IEnumerable<Value?> inputs, (string, object)[] attrs)
    {
        var n = NodeFactory.Create(schema, NodeFactory.FreshName(schema.Name), inputs, 1, attrs);
        n.TrimInputs();
        c.Graph.InsertNode(c.Graph.IndexOf(anchor), n);
        TypePropagation.InferNode(n);
        return n;
    }
}
