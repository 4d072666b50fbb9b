using System.Text.RegularExpressions;
using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Passes;
using Engine.Tests.Support;
using Xunit.Abstractions;

namespace Engine.Tests.Passes.Patterns;

/// <summary>
/// The ONNX suite's "_expanded" tests spell ops out in their function bodies — the shapes the
/// exporters emit, written by someone else. After O3 they must still give the expected outputs,
/// and the function bodies shaped like exporter output must fold back into the op they expand.
/// </summary>
public class ExpandedSuiteTests
{
    private readonly ITestOutputHelper _out;

    public ExpandedSuiteTests(ITestOutputHelper output) => _out = output;

    private static readonly Regex Related = new("^test_(gelu|softmax|layer_norm|attention|swish|hardswish|hardsigmoid|logsoftmax).*_expanded$");

    [Fact]
    public void ExpandedTestsStillPassAfterO3()
    {
        var dirs = Directory.GetDirectories(Paths.SharedPath("onnx", "node"))
            .Where(d => Related.IsMatch(Path.GetFileName(d))).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(dirs);
        var failures = new List<string>();
        var fused = new Dictionary<string, int>();
        foreach (var dir in dirs)
        {
            var name = Path.GetFileName(dir);
            Model model;
            try
            {
                model = new OnnxImporter().Load(Path.Combine(dir, "model.onnx"));
            }
            catch (Runtime.EngineException)
            {
                continue; // unsupported by the importer: not this test's concern
            }
            var set = Path.Combine(dir, "test_data_set_0");
            var inputs = Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
            var expected = Directory.GetFiles(set, "output_*.pb").Order(StringComparer.Ordinal).Select(TensorProtoConverter.ReadFile).ToList();
            var g = model.Graph;
            var feeds = InputBinder.Bind(g, inputs);
            var before = g.AllNodes().Select(n => n.OpType).ToHashSet();
            PassManager.Run(g, Pipelines.ForLevel(3), new PassContext());
            foreach (var op in g.AllNodes().Select(n => n.OpType).Where(op => !before.Contains(op)))
                fused[op] = fused.GetValueOrDefault(op) + 1;
            var outs = new ReferenceExecutor(g).Run(feeds);
            for (int i = 0; i < expected.Count; i++)
            {
                var diff = OutputComparer.Compare(expected[i].Tensor, outs[g.Outputs[i].Name], 1e-3, 1e-6);
                if (diff is not null) failures.Add($"{name}: output {i}: {diff}");
            }
        }
        foreach (var kv in fused.OrderBy(kv => kv.Key)) _out.WriteLine($"{kv.Key} appeared in {kv.Value} graphs");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // LayerNormalization's function body is not fused: it computes E[x²] − E[x]² on a Flatten and
        // exposes Mean and InvStdDev as graph outputs, so there is nothing exporters' form to recognize.
        foreach (var op in new[] { "Gelu", "Softmax", "Swish", "HardSwish" })
            Assert.True(fused.ContainsKey(op), $"no expanded test folded into {op}");
    }
}
