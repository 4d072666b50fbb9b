using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;

namespace Engine.Tests.Passes;

public class FoldingTests
{
    [Fact]
    public void ShapeChainsOnStaticShapesFoldToConstants()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[2,3,4]) -> (%y) {
              init %zero: i64[1] = [0]
              init %minus1: i64[1] = [-1]
              %s = Shape(%x)
              %d0 = Gather(%s, %zero) {axis = 0}
              %shape = Concat(%d0, %minus1) {axis = 0}
              %y = Reshape(%x, %shape)
            }
            """);
        // Shape of a static value is known; the kernel folds it once its input is treated as constant
        // by the shape-aware rule of the pipeline.
        PassManager.Run(g, Pipelines.ForLevel(1), new PassContext());
        var reshape = Assert.Single(g.Nodes);
        Assert.Equal("Reshape", reshape.OpType);
        Assert.Equal(new long[] { 2, -1 }, g.InitializerData(reshape.Inputs[1]!)!.ToInt64Array());
    }

    [Fact]
    public void FoldingRespectsTheSizeCap()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[1]) -> (%y) {
              init %shape: i64[2] = [8192, 4096]
              %big = ConstantOfShape(%shape)
              %y = Add(%big, %x)
            }
            """);
        new ConstantFolding().Run(g, new PassContext());
        Assert.Contains(g.Nodes, n => n.OpType == "ConstantOfShape");
    }

    [Fact]
    public void CommonSubexpressionsMerge() => PassAssert.Rewrites(new CommonSubexpressionElimination(), """
        graph main(%x: f32[4]) -> (%y) {
          %a = Relu(%x)
          %b = Relu(%x)
          %y = Add(%a, %b)
        }
        """, """
        graph main(%x: f32[4]) -> (%y) {
          %a = Relu(%x)
          %y = Add(%a, %a)
        }
        """);

    [Fact]
    public void DifferentAttributesAreNotMerged() => PassAssert.Unchanged(new CommonSubexpressionElimination(), """
        graph main(%x: f32[4]) -> (%y) {
          %a = LeakyRelu(%x) {alpha = 0.1}
          %b = LeakyRelu(%x) {alpha = 0.2}
          %y = Add(%a, %b)
        }
        """);

    [Fact]
    public void BatchNormFoldsIntoConvAndKeepsOutputs()
    {
        var g = PassAssert.Parse("""
            graph main(%x: f32[1,2,4,4]) -> (%y) {
              init %w: f32[3,2,1,1] = [1, 2, 3, 4, 5, 6]
              init %b: f32[3] = [0.5, -1, 2]
              init %s: f32[3] = [2, 0.5, 1]
              init %bb: f32[3] = [0.1, 0.2, 0.3]
              init %m: f32[3] = [1, 2, 3]
              init %v: f32[3] = [4, 1, 0.25]
              %c = Conv(%x, %w, %b)
              %y = BatchNormalization(%c, %s, %bb, %m, %v)
            }
            """);
        var input = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (float)Math.Sin(i)).ToArray(), 1, 2, 4, 4);
        var before = new ReferenceExecutor(g).Run(new Dictionary<string, Tensor> { ["x"] = input })["y"];
        PassManager.Run(g, Pipelines.ForLevel(2), new PassContext());
        Assert.Equal(["Conv"], g.Nodes.Select(n => n.OpType));
        var after = new ReferenceExecutor(g).Run(new Dictionary<string, Tensor> { ["x"] = input })["y"];
        Assert.Null(Engine.Onnx.Conformance.OutputComparer.Compare(before, after, 1e-5, 1e-6));
    }

    private static void AssertSameOutputsAfter(int level, string text, string[] expectedOps)
    {
        var g = PassAssert.Parse(text);
        var x = g.Inputs[0];
        var shape = x.Type.StaticShape();
        var n = (int)Tensor.ElementCount(shape);
        var input = Tensor.FromArray(Enumerable.Range(0, n).Select(i => (float)Math.Cos(i * 0.7)).ToArray(), shape);
        var feeds = new Dictionary<string, Tensor> { [x.Name] = input };
        var before = new ReferenceExecutor(g).Run(feeds);
        PassManager.Run(g, Pipelines.ForLevel(level), new PassContext());
        Assert.Equal(expectedOps, g.Nodes.Select(node => node.OpType));
        var after = new ReferenceExecutor(g).Run(feeds);
        foreach (var (name, t) in before) Assert.Null(Engine.Onnx.Conformance.OutputComparer.Compare(t, after[name], 1e-5, 1e-6));
    }

    [Fact]
    public void PerChannelMulAndAddFoldIntoConv() => AssertSameOutputsAfter(2, """
        graph main(%x: f32[1,2,3,3]) -> (%y) {
          init %w: f32[3,2,1,1] = [1, 2, 3, 4, 5, 6]
          init %s: f32[3,1,1] = [2, -0.5, 3]
          init %t: f32[1,3,1,1] = [0.1, 0.2, 0.3]
          %c = Conv(%x, %w)
          %m = Mul(%c, %s)
          %a = Add(%m, %t)
          %y = Relu(%a)
        }
        """, ["Conv", "Relu"]);

    [Fact]
    public void MulThatIsNotPerChannelStays() => AssertSameOutputsAfter(2, """
        graph main(%x: f32[1,2,3,3]) -> (%y) {
          init %w: f32[3,2,1,1] = [1, 2, 3, 4, 5, 6]
          init %s: f32[3,3] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
          %c = Conv(%x, %w)
          %y = Mul(%c, %s)
        }
        """, ["Conv", "Mul"]);

    [Fact]
    public void BatchNormWithoutAConvBecomesAffine() => AssertSameOutputsAfter(2, """
        graph main(%x: f32[1,3,2,2]) -> (%y) {
          init %s: f32[3] = [2, 0.5, 1]
          init %bb: f32[3] = [0.1, 0.2, 0.3]
          init %m: f32[3] = [1, 2, 3]
          init %v: f32[3] = [4, 1, 0.25]
          %r = Relu(%x)
          %y = BatchNormalization(%r, %s, %bb, %m, %v)
        }
        """, ["Relu", "Mul", "Add"]);

    [Fact]
    public void PerChannelDivisionFoldsIntoConv() => AssertSameOutputsAfter(2, """
        graph main(%x: f32[1,2,3,3]) -> (%y) {
          init %w: f32[3,2,1,1] = [1, 2, 3, 4, 5, 6]
          init %d: f32[3,1,1] = [2, -0.5, 4]
          %c = Conv(%x, %w)
          %y = Div(%c, %d)
        }
        """, ["Conv"]);
}
