using Engine.Runtime;
using Engine.Training;

namespace Engine.Tests.Training;

/// <summary>Schedules against values computed by hand from their definitions.</summary>
public class ScheduleTests
{
    private static double At(LrSchedule s, double lr, long step = 0, int epoch = 0, long total = 100) =>
        s.At(lr, new ScheduleClock(step, epoch, 10, total));

    [Fact]
    public void EpochSchedules()
    {
        var step = new StepSchedule(2, 0.5);
        Assert.Equal(0.1, At(step, 0.1, epoch: 0), 12);
        Assert.Equal(0.1, At(step, 0.1, epoch: 1), 12);
        Assert.Equal(0.05, At(step, 0.1, epoch: 2), 12);
        Assert.Equal(0.025, At(step, 0.1, epoch: 5), 12);
        Assert.Equal(0.0729, At(new ExponentialSchedule(0.9), 0.1, epoch: 3), 12);
        Assert.Equal(0.05, At(new InverseTimeSchedule(0.5), 0.1, epoch: 2), 12);
        Assert.Equal(0.1 / 3.5, At(new InverseTimeSchedule(0.5), 0.1, epoch: 5), 12);
    }

    [Fact]
    public void CosineAnnealing()
    {
        var s = new CosineSchedule();
        Assert.Equal(0.1, At(s, 0.1, step: 0), 12);
        Assert.Equal(0.085355339059327, At(s, 0.1, step: 25), 12);
        Assert.Equal(0.05, At(s, 0.1, step: 50), 12);
        Assert.Equal(0.0, At(s, 0.1, step: 100), 12);
        Assert.Equal(0.0, At(s, 0.1, step: 150), 12);
        Assert.Equal(0.01 + 0.09 * 0.5, At(new CosineSchedule(0.01), 0.1, step: 50), 12);
    }

    [Fact]
    public void TriangularCycles()
    {
        // Smith's example: base 0.001, max 0.006, half-cycle 2000 iterations.
        var s = new TriangularSchedule(0.006, 2000);
        Assert.Equal(0.001, At(s, 0.001, step: 0), 12);
        Assert.Equal(0.0035, At(s, 0.001, step: 1000), 12);
        Assert.Equal(0.006, At(s, 0.001, step: 2000), 12);
        Assert.Equal(0.0035, At(s, 0.001, step: 3000), 12);
        Assert.Equal(0.001, At(s, 0.001, step: 4000), 12);
        Assert.Equal(0.0035, At(s, 0.001, step: 5000), 12);
    }

    [Fact]
    public void SlantedTriangular()
    {
        // T = 1000, cut = 100, ratio 32, η_max 0.01.
        var s = new SlantedTriangularSchedule(0.1, 32);
        Assert.Equal(0.0003125, At(s, 0.01, step: 0, total: 1000), 12);
        Assert.Equal(0.00515625, At(s, 0.01, step: 50, total: 1000), 12);
        Assert.Equal(0.01, At(s, 0.01, step: 100, total: 1000), 12);
        Assert.Equal(0.00515625, At(s, 0.01, step: 550, total: 1000), 12);
        Assert.Equal(0.0003125, At(s, 0.01, step: 1000, total: 1000), 12);
    }

    [Fact]
    public void WarmupComposes()
    {
        var w = new WarmupSchedule(10, new ConstantSchedule());
        Assert.Equal(0.01, At(w, 0.1, step: 0), 12);
        Assert.Equal(0.05, At(w, 0.1, step: 4), 12);
        Assert.Equal(0.1, At(w, 0.1, step: 9), 12);
        Assert.Equal(0.1, At(w, 0.1, step: 10), 12);
        var wc = new WarmupSchedule(10, new CosineSchedule());
        Assert.Equal(0.5 * 0.1 * (1 + Math.Cos(Math.PI * 4 / 100)) / 2, At(wc, 0.1, step: 4), 12);
        Assert.Equal(0.05, At(wc, 0.1, step: 50), 12);
    }

    [Theory]
    [InlineData("constant", typeof(ConstantSchedule))]
    [InlineData("step:3:0.5", typeof(StepSchedule))]
    [InlineData("exp:0.95", typeof(ExponentialSchedule))]
    [InlineData("inv:0.1", typeof(InverseTimeSchedule))]
    [InlineData("cosine", typeof(CosineSchedule))]
    [InlineData("cosine:0.001", typeof(CosineSchedule))]
    [InlineData("cyclic:0.01:200", typeof(TriangularSchedule))]
    [InlineData("stlr", typeof(SlantedTriangularSchedule))]
    [InlineData("stlr:0.2:16", typeof(SlantedTriangularSchedule))]
    [InlineData("warmup:100+cosine", typeof(WarmupSchedule))]
    [InlineData("warmup:5", typeof(WarmupSchedule))]
    public void ParsesEverySchedule(string text, Type type)
    {
        var s = ScheduleParser.Parse(text);
        Assert.IsType(type, s);
        Assert.Equal(s, ScheduleParser.Parse(s.Describe()));
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("step:0:0.5")]
    [InlineData("step:2")]
    [InlineData("exp:-1")]
    [InlineData("stlr:1.5")]
    [InlineData("cosine:1:2:3")]
    [InlineData("warmup:x+cosine")]
    public void RejectsBadText(string text)
    {
        var e = Assert.Throws<EngineException>(() => ScheduleParser.Parse(text));
        Assert.Contains($"schedule '{text}'", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
