using Engine.Graph;
using Engine.Onnx;
using Engine.Passes;
using Engine.Runtime;
using Engine.Tests.Passes.Properties;
using Engine.Tests.Support;
using Xunit.Abstractions;

namespace Engine.Tests.Passes.Layout;

public class NchwcLayoutTests
{
    private readonly ITestOutputHelper _output;

    public NchwcLayoutTests(ITestOutputHelper output) => _output = output;

    private static PassContext Blocked(int width = 8) => new() { EnableBlockedLayout = true, BlockedLayoutWidth = width };

    // W[o, i] = o; blocked [1,1,1,1,c_in,c_out] holds W[c_out, c_in], so each row reads 0..7.
    [Fact]
    public void ConvReluConvStaysBlockedWithOneConversionAtEachEnd() => PassAssert.Rewrites(new NchwcLayout(), """
        graph main(%x: f32[1,8,4,4]) -> (%y) {
          init %w: f32[8,8,1,1] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7]
          %a = Conv(%x, %w)
          %b = Relu(%a)
          %y = Conv(%b, %w)
        }
        """, """
        graph main(%x: f32[1,8,4,4]) -> (%y) {
          init %s5: i64[5] = [1, 1, 8, 4, 4]
          init %wb: f32[1,1,1,1,8,8] = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]
          init %s4: i64[4] = [1, 8, 4, 4]
          %r = Reshape(%x, %s5)
          %t = Transpose(%r) {perm = [0, 1, 3, 4, 2]}
          %a = ai.engine::ConvNCHWc(%t, %wb) {block = 8}
          %b = Relu(%a)
          %c = ai.engine::ConvNCHWc(%b, %wb) {block = 8}
          %u = Transpose(%c) {perm = [0, 1, 4, 2, 3]}
          %y = Reshape(%u, %s4)
        }
        """, Blocked());

    [Fact]
    public void PassIsOffUnlessEnabled() => PassAssert.Unchanged(new NchwcLayout(), """
        graph main(%x: f32[1,8,4,4]) -> (%y) {
          init %w: f32[8,8,1,1] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7]
          %y = Conv(%x, %w)
        }
        """);

    [Fact]
    public void ChannelsNotDivisibleByTheBlockStayNchw() => PassAssert.Unchanged(new NchwcLayout(), """
        graph main(%x: f32[1,3,4,4]) -> (%y) {
          init %w: f32[8,3,1,1] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
          %y = Conv(%x, %w)
        }
        """, Blocked());

    /// <summary>Stem (3 channels, NCHW), strided/padded 3×3 convs with bias, per-channel scale, residual add, pool.</summary>
    private static string Network()
    {
        var rng = new Random(5);
        string Init(string name, params int[] shape)
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            var values = Enumerable.Range(0, n).Select(_ => (rng.NextDouble() - 0.5).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture));
            return $"  init %{name}: f32[{string.Join(",", shape)}] = [{string.Join(", ", values)}]\n";
        }
        return "graph main(%x: f32[2,3,10,10]) -> (%y) {\n"
            + Init("w0", 16, 3, 3, 3) + Init("w1", 16, 16, 3, 3) + Init("b1", 16) + Init("w2", 16, 16, 1, 1)
            + Init("w3", 32, 16, 3, 3) + Init("scale", 16, 1, 1) + """
              %a = Conv(%x, %w0) {pads = [1, 1, 1, 1]}
              %b = Relu(%a)
              %c = Conv(%b, %w1, %b1) {pads = [1, 1, 1, 1]}
              %d = Mul(%c, %scale)
              %e = Sigmoid(%d)
              %f = Conv(%e, %w2)
              %g = Add(%f, %b)
              %h = Relu(%g)
              %p = MaxPool(%h) {kernel_shape = [2, 2]}
              %i = Conv(%p, %w3) {strides = [2, 2], pads = [1, 1, 1, 1]}
              %y = Tanh(%i)
            }
            """;
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void BlockedNetworkMatchesNchwOnRandomInputs(int width)
    {
        var plain = PassAssert.Parse(Network());
        PassManager.Run(plain, Pipelines.ForLevel(3), WithoutFusion(new PassContext()));
        var blocked = PassAssert.Parse(Network());
        PassManager.Run(blocked, Pipelines.ForLevel(3), WithoutFusion(Blocked(width)));
        Assert.Equal(4, blocked.Nodes.Count(n => n.OpType == "Conv" && n.Domain == "") + blocked.Nodes.Count(n => n.OpType == "ConvNCHWc"));
        Assert.Equal(3, blocked.Nodes.Count(n => n.OpType == "ConvNCHWc"));
        var rng = new Random(width);
        for (int trial = 0; trial < 3; trial++)
        {
            var data = new float[2 * 3 * 10 * 10];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
            var feeds = new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(data, 2, 3, 10, 10) };
            var want = new ReferenceExecutor(plain).Run(feeds)["y"];
            var got = new ReferenceExecutor(blocked).Run(feeds)["y"];
            Assert.True(PipelinePropertyTests.Compare(want, got, 1e-5, 1e-6) is null, PipelinePropertyTests.Compare(want, got, 1e-5, 1e-6) + "\n" + IrPrinter.Print(blocked, 8));
        }
    }

    [Fact]
    public void LightResnet50GivesTheSameOutputWithTheBlockedLayout()
    {
        var path = Paths.SharedPath("onnx", "other", "light", "light_resnet50.onnx");
        var plain = new OnnxImporter().Load(path).Graph;
        var blocked = new OnnxImporter().Load(path).Graph;
        // The light model builds its weights with ConstantOfShape; allow folding them all (res5's are 2.4M
        // elements), else those convs have no compile-time weights and stay NCHW.
        PassManager.Run(plain, Pipelines.ForLevel(3), WithoutFusion(new PassContext { MaxFoldedElements = 1 << 23 }));
        PassManager.Run(blocked, Pipelines.ForLevel(3), WithoutFusion(new PassContext { EnableBlockedLayout = true, MaxFoldedElements = 1 << 23 }));
        var input = plain.Inputs.First(v => !plain.IsInitializer(v));
        var shape = input.Type.StaticShape();
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)i / data.Length;
        var feeds = new Dictionary<string, Tensor> { [input.Name] = Tensor.FromArray(data, shape) };
        var want = new ReferenceExecutor(plain).Run(feeds);
        var got = new ReferenceExecutor(blocked).Run(feeds);
        foreach (var (name, t) in want)
        {
            var diff = PipelinePropertyTests.Compare(t, got[name], 1e-4, 1e-6);
            Assert.True(diff is null, $"output '{name}': {diff}");
        }
        int convs = blocked.Nodes.Count(n => n.OpType == "ConvNCHWc");
        int nchwConvs = blocked.Nodes.Count(n => n.OpType == "Conv" && n.Domain == "");
        int conversions = blocked.Nodes.Count(n => n.Outputs[0] is { } o && BlockedConversions.IsConversion(o));
        _output.WriteLine($"light_resnet50: {convs} ConvNCHWc, {nchwConvs} NCHW Conv, {conversions} layout conversions remain");
        // Only the 3-channel stem stays NCHW; it and the max pool run before one ToBlocked, and one
        // FromBlocked feeds the final average pool.
        Assert.Equal(52, convs);
        Assert.Equal(1, nchwConvs);
        Assert.Equal(2, conversions);
    }

    /// <summary>Operator fusion would fold the blocked convs into Fused groups; these tests count the layout's own nodes.</summary>
    private static PassContext WithoutFusion(PassContext c)
    {
        c.Disabled.Add("operator-fusion");
        return c;
    }
}
