using Engine.Passes;

namespace Engine.Tests.Passes.Patterns;

public class AttentionPatternTests
{
    private static readonly RuleSet Rules = AttentionPatterns.Create();

    private const string Inputs4D = "%q: f32[2,2,3,4], %k: f32[2,2,3,4], %v: f32[2,2,3,4]";

    [Fact]
    public void CoreWithTransposedKeysAndDivisionByRootD() => PatternAssert.Fuses(Rules, $$"""
        graph main({{Inputs4D}}) -> (%y) {
          init %c: f32[] = [2]
          %kt = Transpose(%k) {perm = [0, 1, 3, 2]}
          %s = MatMul(%q, %kt)
          %t = Div(%s, %c)
          %p = Softmax(%t)
          %y = MatMul(%p, %v)
        }
        """, $$"""
        graph main({{Inputs4D}}) -> (%y) {
          %y = Attention(%q, %k, %v) {scale = 0.5}
        }
        """);

    [Fact]
    public void ScaleSplitOverQueryAndKeysWithAdditiveMask() => PatternAssert.Fuses(Rules, $$"""
        graph main({{Inputs4D}}, %mask: f32[3,3]) -> (%y) {
          init %c: f32[] = [0.5]
          %kt = Transpose(%k) {perm = [0, 1, 3, 2]}
          %qs = Mul(%q, %c)
          %ks = Mul(%c, %kt)
          %s = MatMul(%qs, %ks)
          %t = Add(%mask, %s)
          %p = Softmax(%t) {axis = 3}
          %y = MatMul(%p, %v)
        }
        """, $$"""
        graph main({{Inputs4D}}, %mask: f32[3,3]) -> (%y) {
          %y = Attention(%q, %k, %v, %mask) {scale = 0.25}
        }
        """);

    /// <summary>PyTorch's head split (Reshape → Transpose(0,2,1,3), keys straight to (0,2,3,1)) and merge.</summary>
    private static string HeadSplit(string scoresOp = "%t = Mul(%s, %c)", string outputs = "%y") => $$"""
        graph main(%xq: f32[2,3,8], %xk: f32[2,5,8], %xv: f32[2,5,8]) -> ({{outputs}}) {
          init %qshape: i64[4] = [2, 3, 2, 4]
          init %kvshape: i64[4] = [2, 5, 2, 4]
          init %oshape: i64[3] = [2, 3, 8]
          init %c: f32[] = [0.5]
          %qr = Reshape(%xq, %qshape)
          %qh = Transpose(%qr) {perm = [0, 2, 1, 3]}
          %kr = Reshape(%xk, %kvshape)
          %kt = Transpose(%kr) {perm = [0, 2, 3, 1]}
          %vr = Reshape(%xv, %kvshape)
          %vh = Transpose(%vr) {perm = [0, 2, 1, 3]}
          %s = MatMul(%qh, %kt)
          {{scoresOp}}
          %p = Softmax(%t)
          %o = MatMul(%p, %vh)
          %ot = Transpose(%o) {perm = [0, 2, 1, 3]}
          %y = Reshape(%ot, %oshape)
        }
        """;

    [Fact]
    public void HeadSplitAndMergeBecomeTheThreeDimensionalForm() => PatternAssert.Fuses(Rules, HeadSplit(), """
        graph main(%xq: f32[2,3,8], %xk: f32[2,5,8], %xv: f32[2,5,8]) -> (%y) {
          %y = Attention(%xq, %xk, %xv) {q_num_heads = 2, kv_num_heads = 2, scale = 0.5}
        }
        """);

    [Fact]
    public void ObservableHeadsKeepTheFourDimensionalCore() => PatternAssert.Fuses(Rules, HeadSplit(outputs: "%y, %o"), """
        graph main(%xq: f32[2,3,8], %xk: f32[2,5,8], %xv: f32[2,5,8]) -> (%y, %o) {
          init %qshape: i64[4] = [2, 3, 2, 4]
          init %kvshape: i64[4] = [2, 5, 2, 4]
          init %oshape: i64[3] = [2, 3, 8]
          %qr = Reshape(%xq, %qshape)
          %qh = Transpose(%qr) {perm = [0, 2, 1, 3]}
          %kr = Reshape(%xk, %kvshape)
          %kh = Transpose(%kr) {perm = [0, 2, 1, 3]}
          %vr = Reshape(%xv, %kvshape)
          %vh = Transpose(%vr) {perm = [0, 2, 1, 3]}
          %o = Attention(%qh, %kh, %vh) {scale = 0.5}
          %ot = Transpose(%o) {perm = [0, 2, 1, 3]}
          %y = Reshape(%ot, %oshape)
        }
        """);

    [Fact]
    public void PyTorchBatchedMatMulFormWithMask() => PatternAssert.Fuses(Rules, """
        graph main(%q: f32[4,3,8], %kr: f32[3,4,8], %v: f32[4,3,8]) -> (%y) {
          init %root: f32[] = [2.828427]
          init %one: f32[] = [1]
          init %mask: f32[1,3,3] = [0, -10000, -10000, 0, 0, -10000, 0, 0, 0]
          %qs = Div(%q, %root)
          %kt = Transpose(%kr) {perm = [1, 2, 0]}
          %s = MatMul(%qs, %kt)
          %s1 = Mul(%s, %one)
          %t = Add(%s1, %mask)
          %p = Softmax(%t) {axis = -1}
          %y = MatMul(%p, %v)
        }
        """, $$"""
        graph main(%q: f32[4,3,8], %kr: f32[3,4,8], %v: f32[4,3,8]) -> (%y) {
          init %mask: f32[1,3,3] = [0, -10000, -10000, 0, 0, -10000, 0, 0, 0]
          init %axes: i64[1] = [1]
          %k = Transpose(%kr) {perm = [1, 0, 2]}
          %m4 = Unsqueeze(%mask, %axes)
          %y = Attention(%q, %k, %v, %m4) {q_num_heads = 1, kv_num_heads = 1, scale = {{Scale}}}
        }
        """);

    private static readonly string Scale = ((float)(1 / (double)2.828427f)).ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void SoftmaxOverANonLastAxisIsKept() => PassAssert.Unchanged(Rules, $$"""
        graph main({{Inputs4D}}) -> (%y) {
          %kt = Transpose(%k) {perm = [0, 1, 3, 2]}
          %s = MatMul(%q, %kt)
          %p = Softmax(%s) {axis = 2}
          %y = MatMul(%p, %v)
        }
        """);

    [Fact]
    public void NonConstantScaleIsKept() => PassAssert.Unchanged(Rules, $$"""
        graph main({{Inputs4D}}, %c: f32[]) -> (%y) {
          %kt = Transpose(%k) {perm = [0, 1, 3, 2]}
          %s = MatMul(%q, %kt)
          %t = Div(%s, %c)
          %p = Softmax(%t)
          %y = MatMul(%p, %v)
        }
        """);

    [Fact]
    public void ScaleAppliedAfterTheMaskIsKept() => PassAssert.Unchanged(Rules, $$"""
        graph main({{Inputs4D}}, %mask: f32[3,3]) -> (%y) {
          init %c: f32[] = [2]
          %kt = Transpose(%k) {perm = [0, 1, 3, 2]}
          %s = MatMul(%q, %kt)
          %a = Add(%s, %mask)
          %t = Div(%a, %c)
          %p = Softmax(%t)
          %y = MatMul(%p, %v)
        }
        """);

    [Fact]
    public void MaskBroadcastAlongTheKeysIsKept() => PassAssert.Unchanged(Rules, $$"""
        graph main({{Inputs4D}}, %mask: f32[3,1]) -> (%y) {
          %kt = Transpose(%k) {perm = [0, 1, 3, 2]}
          %s = MatMul(%q, %kt)
          %t = Add(%s, %mask)
          %p = Softmax(%t)
          %y = MatMul(%p, %v)
        }
        """);

    [Fact]
    public void ValuesBroadcastOverTheBatchAreKept() => PassAssert.Unchanged(Rules, """
        graph main(%q: f32[2,2,3,4], %k: f32[2,2,3,4], %v: f32[1,2,3,4]) -> (%y) {
          %kt = Transpose(%k) {perm = [0, 1, 3, 2]}
          %s = MatMul(%q, %kt)
          %p = Softmax(%s)
          %y = MatMul(%p, %v)
        }
        """);

    [Fact]
    public void ObservableProbabilitiesBlockTheRewrite() => PassAssert.Unchanged(Rules, $$"""
        graph main({{Inputs4D}}) -> (%y, %p) {
          %kt = Transpose(%k) {perm = [0, 1, 3, 2]}
          %s = MatMul(%q, %kt)
          %p = Softmax(%s)
          %y = MatMul(%p, %v)
        }
        """);

    [Fact]
    public void KeysGivenPreTransposedGetATranspose() => PatternAssert.Fuses(Rules, """
        graph main(%q: f32[2,2,3,4], %kt: f32[2,2,4,3], %v: f32[2,2,3,4]) -> (%y) {
          %s = MatMul(%q, %kt)
          %p = Softmax(%s)
          %y = MatMul(%p, %v)
        }
        """, """
        graph main(%q: f32[2,2,3,4], %kt: f32[2,2,4,3], %v: f32[2,2,3,4]) -> (%y) {
          %k = Transpose(%kt) {perm = [0, 1, 3, 2]}
          %y = Attention(%q, %k, %v) {scale = 1.0}
        }
        """);

    private static readonly string Causal = string.Join(", ",
        Enumerable.Range(0, 25).Select(i => i % 5 > i / 5 ? "-10000" : "0"));

    /// <summary>torch 1.x multi-head attention: sequence-first heads via Reshape [S, B·H, D] → Transpose(1,0,2), bmm form.</summary>
    private static string SeqFirst(string mask) => $$"""
        graph main(%xq: f32[5,2,8], %xk: f32[5,2,8], %xv: f32[5,2,8]) -> (%y) {
          init %split: i64[3] = [5, 4, 4]
          init %merge: i64[2] = [10, 8]
          init %root: f32[] = [2]
          init %mask: {{mask}}
          %qr = Reshape(%xq, %split)
          %q = Transpose(%qr) {perm = [1, 0, 2]}
          %kr = Reshape(%xk, %split)
          %kt = Transpose(%kr) {perm = [1, 2, 0]}
          %vr = Reshape(%xv, %split)
          %v = Transpose(%vr) {perm = [1, 0, 2]}
          %qs = Div(%q, %root)
          %s = MatMul(%qs, %kt)
          %t = Add(%s, %mask)
          %p = Softmax(%t)
          %o = MatMul(%p, %v)
          %ot = Transpose(%o) {perm = [1, 0, 2]}
          %y = Reshape(%ot, %merge)
        }
        """;

    [Fact]
    public void SequenceFirstHeadsBecomeOneMultiHeadAttention() => PatternAssert.Fuses(Rules, SeqFirst($"f32[1,5,5] = [{Causal}]"), $$"""
        graph main(%xq: f32[5,2,8], %xk: f32[5,2,8], %xv: f32[5,2,8]) -> (%y) {
          init %merge: i64[2] = [10, 8]
          init %mask: f32[1,5,5] = [{{Causal}}]
          init %axes: i64[1] = [1]
          %m4 = Unsqueeze(%mask, %axes)
          %q = Transpose(%xq) {perm = [1, 0, 2]}
          %k = Transpose(%xk) {perm = [1, 0, 2]}
          %v = Transpose(%xv) {perm = [1, 0, 2]}
          %a = Attention(%q, %k, %v, %m4) {scale = 0.5, q_num_heads = 2, kv_num_heads = 2}
          %b = Transpose(%a) {perm = [1, 0, 2]}
          %y = Reshape(%b, %merge)
        }
        """);

    [Fact]
    public void PerHeadMaskKeepsTheSingleHeadForm()
    {
        var perHead = string.Join(", ", Enumerable.Repeat(Causal, 4));
        var before = SeqFirst($"f32[4,5,5] = [{perHead}]");
        var g = PassAssert.Parse(before);
        Rules.Run(g, new Engine.Passes.PassContext());
        var attention = Assert.Single(g.Nodes, n => n.OpType == "Attention");
        Assert.Equal(1, attention.Attributes.GetInt("q_num_heads"));
        var inputs = PatternAssert.RandomInputs(g, 3);
        PatternAssert.AssertClose(PatternAssert.Run(PassAssert.Parse(before), inputs), PatternAssert.Run(g, inputs), "per-head mask");
    }
}
