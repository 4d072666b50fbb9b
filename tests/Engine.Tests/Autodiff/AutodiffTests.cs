using Engine.Graph;
using Engine.Passes;
using Engine.Runtime;
using Engine.Tests.Passes;

namespace Engine.Tests.Autodiff;

/// <summary>The transform itself: seeding, fan-out accumulation, pruning, StopGradient, ∇input, errors.</summary>
public class AutodiffTests
{
    [Fact]
    public void GradientDescentOnAQuadraticFindsItsMinimum()
    {
        // The seeds' first static-graph example: minimize w² − 10w + 25 from w = 0 (lr 0.01, 1,000 steps).
        var g = PassAssert.Parse("""
            graph main(%w: f32[]) -> (%loss) {
              init %ten: f32[] = [10]
              init %c: f32[] = [25]
              %sq = Mul(%w, %w)
              %tw = Mul(%ten, %w)
              %d = Sub(%sq, %tw)
              %loss = Add(%d, %c)
            }
            """);
        var grads = Engine.Passes.Autodiff.Differentiate(g, g.Outputs[0], [g.Inputs[0]], new AutodiffOptions { ExposeGradients = true });
        Assert.Equal("grad_w", grads[0].Name);
        Verifier.VerifyOrThrow(g);
        var exec = new ReferenceExecutor(g);
        float w = 0;
        for (int step = 0; step < 1000; step++)
        {
            var outs = exec.Run(new Dictionary<string, Tensor> { ["w"] = Tensor.Scalar(w) });
            w -= 0.01f * outs["grad_w"].As<float>()[0];
        }
        Assert.InRange(w, 5 - 1e-3, 5 + 1e-3);
    }
}
