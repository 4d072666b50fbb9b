using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>Older-opset forms are rewritten to the canonical (latest) signature by the ops' import rules.</summary>
public class TensorUpgradeTests
{
    private static Node Upgrade(string op, long opset, int inputs, int outputs, params (string, object)[] attrs)
    {
        var g = new Graph.Graph("t");
        var ins = Enumerable.Range(0, inputs).Select(i => (Value?)g.AddInput("x" + i, TensorType.Unknown(DataType.Float))).ToList();
        var node = NodeFactory.Create(OpRegistry.Default.Get(op), "n", ins, outputs, attrs);
        g.AddNode(node);
        foreach (var rule in node.Schema.ImportRules.ToArray())
        {
            if (rule.IntroducedIn <= opset) continue;
            rule.Rule(new ImportRuleContext(node, opset, OpRegistry.Default, (t, hint) => g.AddInitializer(hint, t), n => g.InsertNode(g.IndexOf(node), n)));
        }
        return node;
    }

    private static long[] ConstInput(Node n, int i) => TypePropagation.ConstantOf(n.Input(i)!)!.ToInt64Array();

    [Fact]
    public void AxesAndShapeAttributesBecomeInputs()
    {
        var sq = Upgrade("Squeeze", 11, 1, 1, ("axes", new long[] { 0 }));
        Assert.Equal(new long[] { 0 }, ConstInput(sq, 1));
        Assert.False(sq.Attributes.HasExplicit("axes"));
        var rs = Upgrade("Reshape", 1, 1, 1, ("shape", new long[] { 2, -1 }));
        Assert.Equal(new long[] { 2, -1 }, ConstInput(rs, 1));
        var sl = Upgrade("Slice", 9, 1, 1, ("starts", new long[] { 1 }), ("ends", new long[] { 3 }));
        Assert.Equal(new long[] { 1 }, ConstInput(sl, 1));
        Assert.Equal(new long[] { 3 }, ConstInput(sl, 2));
        Assert.Null(sl.Input(3));
        var tk = Upgrade("TopK", 9, 1, 2, ("k", 2L));
        Assert.Equal(new long[] { 2 }, ConstInput(tk, 1));
    }

    [Fact]
    public void SplitUpgradesThroughBothRules()
    {
        var attr = Upgrade("Split", 11, 1, 2, ("split", new long[] { 1, 2 }));
        Assert.Equal(new long[] { 1, 2 }, ConstInput(attr, 1));
        Assert.False(attr.Attributes.HasExplicit("num_outputs"));
        var equal = Upgrade("Split", 13, 1, 3);
        Assert.Equal(3L, equal.Attributes.GetInt("num_outputs"));
    }

    [Fact]
    public void PadLegacyAttributesAndScatterRename()
    {
        var pad = Upgrade("Pad", 2, 1, 1, ("paddings", new long[] { 1, 1 }), ("value", 2f), ("mode", "constant"));
        Assert.Equal(new long[] { 1, 1 }, ConstInput(pad, 1));
        Assert.Equal(2f, TypePropagation.ConstantOf(pad.Input(2)!)!.As<float>()[0]);
        var sc = Upgrade("Scatter", 10, 3, 1, ("axis", 1L));
        Assert.Equal("ScatterElements", sc.OpType);
        Assert.Equal("none", sc.Attributes.GetString("reduction"));
        var cc = Upgrade("Concat", 3, 2, 1);
        Assert.Equal(1L, cc.Attributes.GetInt("axis"));
    }
}
