using Engine.Graph;
using Engine.Runtime;
using Engine.Tests.Passes;
using Engine.Training;

namespace Engine.Tests.Training;

/// <summary>The train step as one graph: structure, the seeds' quadratic, groups, penalties, clipping.</summary>
public class TrainStepTests
{
    private static TrainSpec Quadratic()
    {
        var g = PassAssert.Parse("""
            graph main() -> (%loss) {
              init %w: f32[] = [0]
              init %ten: f32[] = [10]
              init %c: f32[] = [25]
              %sq = Mul(%w, %w)
              %tw = Mul(%ten, %w)
              %d = Sub(%sq, %tw)
              %loss = Add(%d, %c)
            }
            """);
        return new TrainSpec
        {
            Graph = g,
            Loss = g.Outputs[0],
            Parameters = [g.InitializerValues.First(v => v.Name == "w")],
        };
    }

    [Theory]
    [InlineData(StepBackend.Reference)]
    [InlineData(StepBackend.Compiled)]
    public void GradientDescentMinimizesTheSeedsQuadratic(StepBackend backend)
    {
        // minimize w² − 10w + 25 from w = 0 with plain gradient descent, lr 0.01, 1,000 steps → w ≈ 5.
        using var step = new TrainStep(TrainStepGraph.Build(Quadratic(), Optimizer.Sgd()), backend);
        double loss = double.NaN;
        for (int i = 0; i < 1000; i++) loss = step.Run(new Dictionary<string, Tensor>(), 0.01).Loss;
        float w = step.State.Tensors["w"].As<float>()[0];
        Assert.InRange(w, 5 - 1e-3, 5 + 1e-3);
        Assert.InRange(loss, 0, 1e-5);
        Assert.Equal(1000, step.State.Step);
    }

    [Fact]
    public void TheStepIsOneGraphWithStateInAndOut()
    {
        var sg = TrainStepGraph.Build(Quadratic(), Optimizer.Adam());
        var g = sg.Graph;
        Assert.Equal(["w", "w.m", "w.v"], sg.StateNames);
        Assert.Contains(g.Inputs, v => v.Name == "lr");
        Assert.Contains(g.Inputs, v => v.Name == "step");
        Assert.Equal(["loss", "new.w", "new.w.m", "new.w.v"], g.Outputs.Select(v => v.Name));
        Assert.Single(g.Nodes, n => n.OpType == "AdamUpdate");
        Assert.False(g.IsInitializer(g.Inputs.First(v => v.Name == "w")));
        Assert.Equal(0f, sg.InitialState["w.v"].As<float>()[0]);
    }

    [Fact]
    public void ParamGroupsScaleLrAndAddPenalties()
    {
        var g = PassAssert.Parse("""
            graph main() -> (%loss) {
              init %a1: f32[1] = [1]
              init %a2: f32[1] = [-2]
              init %b: f32[1] = [3]
              %s = Add(%a1, %a2)
              %loss = Add(%s, %b)
            }
            """);
        var spec = new TrainSpec { Graph = g, Loss = g.Outputs[0] };
        var options = new TrainOptions
        {
            Groups = [ParamGroup.Prefix("a") with { LrScale = 0.5, L1 = 0.1f, L2 = 0.2f }],
        };
        using var step = new TrainStep(TrainStepGraph.Build(spec, Optimizer.Sgd(), options));
        step.Run(new Dictionary<string, Tensor>(), 0.1);
        // ∂loss/∂a = 1; penalty adds 0.1·sign(a) + 0.2·a; lr is halved for group "a".
        Assert.Equal(1 - 0.05 * (1 + 0.1 + 0.2), step.State.Tensors["a1"].ToDoubleArray()[0], 6);
        Assert.Equal(-2 - 0.05 * (1 - 0.1 - 0.4), step.State.Tensors["a2"].ToDoubleArray()[0], 6);
        Assert.Equal(3 - 0.1, step.State.Tensors["b"].ToDoubleArray()[0], 6);
    }

    [Fact]
    public void ClippingByValueAndByGlobalNorm()
    {
        static TrainSpec Spec()
        {
            var g = PassAssert.Parse("""
                graph main() -> (%loss) {
                  init %a1: f32[] = [0]
                  init %a2: f32[] = [0]
                  init %k1: f32[] = [3]
                  init %k2: f32[] = [4]
                  %s1 = Mul(%a1, %k1)
                  %s2 = Mul(%a2, %k2)
                  %loss = Add(%s1, %s2)
                }
                """);
            return new TrainSpec { Graph = g, Loss = g.Outputs[0], Parameters = [g.InitializerValues[0], g.InitializerValues[1]] };
        }
        using var byValue = new TrainStep(TrainStepGraph.Build(Spec(), Optimizer.Sgd(), new TrainOptions { ClipValue = 3.5f }));
        byValue.Run(new Dictionary<string, Tensor>(), 1);
        Assert.Equal([-3.0, -3.5], [byValue.State.Tensors["a1"].ToDoubleArray()[0], byValue.State.Tensors["a2"].ToDoubleArray()[0]]);
        using var byNorm = new TrainStep(TrainStepGraph.Build(Spec(), Optimizer.Sgd(), new TrainOptions { ClipNorm = 1 }));
        byNorm.Run(new Dictionary<string, Tensor>(), 1);
        Assert.Equal(-0.6, byNorm.State.Tensors["a1"].ToDoubleArray()[0], 5);
        Assert.Equal(-0.8, byNorm.State.Tensors["a2"].ToDoubleArray()[0], 5);
    }

    [Fact]
    public void ReservedNamesAndMissingBatchAreOneLineErrors()
    {
        var g = PassAssert.Parse("""
            graph main(%lr: f32[]) -> (%loss) {
              init %w: f32[] = [1]
              %loss = Mul(%w, %lr)
            }
            """);
        var e = Assert.Throws<EngineException>(() => TrainStepGraph.Build(new TrainSpec { Graph = g, Loss = g.Outputs[0] }, Optimizer.Sgd()));
        Assert.Contains("'lr'", e.Message);
        var h = PassAssert.Parse("""
            graph main(%x: f32[]) -> (%loss) {
              init %w: f32[] = [1]
              %loss = Mul(%w, %x)
            }
            """);
        using var step = new TrainStep(TrainStepGraph.Build(new TrainSpec { Graph = h, Loss = h.Outputs[0] }, Optimizer.Sgd()));
        e = Assert.Throws<EngineException>(() => step.Run(new Dictionary<string, Tensor>(), 0.1));
        Assert.Contains("batch input 'x'", e.Message);
    }
}
