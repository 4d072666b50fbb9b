using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Tests.Core;

public class BroadcastingTests
{
    [Fact]
    public void ShapeFollowsNumpyRules()
    {
        Assert.Equal(new[] { 2, 3, 4 }, Broadcasting.Shape("n", [3, 1], [2, 1, 4]));
        Assert.Equal(new[] { 0, 4 }, Broadcasting.Shape("n", [0, 1], [1, 4]));
        var e = Assert.Throws<EngineException>(() => Broadcasting.Shape("add1", [3], [4]));
        Assert.Contains("add1", e.Message);
    }

    [Fact]
    public void OffsetsRepeatBroadcastDims()
    {
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 2 }, Broadcasting.Offsets([3], [2, 3]));
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 1 }, Broadcasting.Offsets([2, 1], [2, 3]));
    }
}
