using Engine.Codegen;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Codegen;

/// <summary>Hostile model text never reaches the generated program; the compile cache skips Roslyn.</summary>
public class SafetyAndCacheCodegenTests
{
    private const string Injection = "\");System.Diagnostics.Process.Start(\"";

    private static readonly string[] Hostile =
    [
        "a\"b", "*/ int x = 1; /*", "line1\nline2\r\n// x", Injection, "\\u0022", "#error boom", "}}}; class X {",
    ];

    [Fact]
    public void HostileNamesDoNotReachTheSourceAndDoNotChangeResults()
    {
        var g = ModelCodegenTests.ConvNet();
        var inputs = CodegenTestKit.RandomInputs(g);
        var expected = new ReferenceExecutor(g).Run(inputs).Values.ToArray();
        int i = 0;
        string Next() => Hostile[i++ % Hostile.Length] + i;
        foreach (var n in g.Nodes)
        {
            n.Name = Next();
            foreach (var o in n.Outputs) if (o is not null) o.Name = Next();
        }
        foreach (var v in g.InitializerValues) v.Name = Next();
        // Attribute names and string values reach fallback kernels through the constructor: base64 literals.
        foreach (var n in g.Nodes.Where(n => n.OpType is "Conv" or "MaxPool")) n.Attributes.Set(Next(), Next());
        g.Inputs[0].Name = Injection;
        g.Name = "*/\n" + Injection;
        var hostileInputs = new Dictionary<string, Tensor> { [Injection] = inputs["x"] };

        using var m = CompiledModel.Compile(g, new CodegenOptions { Vector = VectorPath.Vector256 });
        foreach (var bad in new[] { "*/", "/*", "Process.Start(", "#error", "class X", "\\u0022" })
            Assert.DoesNotContain(bad, m.Source);
        // A quote appears only in our own error messages (throw) or around string literals in the safe
        // alphabet: plain [A-Za-z0-9_.-] or base64 (Str("…")), so no model text can end a literal.
        var safeLiteral = new System.Text.RegularExpressions.Regex("^[A-Za-z0-9_.+/=-]*$");
        foreach (var line in m.Source.Split('\n').Where(l => l.Contains('"') && !l.Contains("throw")))
        {
            var parts = line.Split('"');
            Assert.True(parts.Length % 2 == 1, line);
            for (int p = 1; p < parts.Length; p += 2) Assert.Matches(safeLiteral, parts[p]);
        }
        Assert.Contains("Str(\"", m.Source);
        var outs = m.Run(hostileInputs);
        Assert.Equal(expected.Length, outs.Count);
        for (int k = 0; k < expected.Length; k++)
            Assert.Null(Engine.Onnx.Conformance.OutputComparer.Compare(expected[k], outs[g.Outputs[k].Name], 1e-4, 1e-6));
        // Node names still reach error messages through the kernel context at run time, not the source.
        Assert.Equal(m.Report.Fallbacks.Count, m.Report.Fallbacks.Count(f => Hostile.Any(h => f.NodeName.StartsWith(h, StringComparison.Ordinal))));
    }

    [Fact]
    public void SecondCompileOfTheSameModelComesFromTheCache()
    {
        // A graph no other test compiles, so the first compile here is a miss whatever ran before.
        var g = CodegenTestKit.Parse("""
            graph cachetest(%x: f32[3,13]) -> (%y) {
              init %k: f32[] = [0.123456]
              %a = Mul(%x, %k)
              %y = Tanh(%a)
            }
            """);
        var options = new CodegenOptions { Vector = VectorPath.Scalar, Seed = 424242 };
        using var first = CompiledModel.Compile(g, options);
        int compilations = RoslynCompiler.CompilationCount;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var second = CompiledModel.Compile(g, options);
        sw.Stop();
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Source, second.Source);
        Assert.True(sw.ElapsedMilliseconds < 1000, $"cached compile took {sw.ElapsedMilliseconds} ms");
        var inputs = CodegenTestKit.RandomInputs(g);
        Assert.Equal(first.Run(inputs)["y"].As<float>(), second.Run(inputs)["y"].As<float>());
        // Other options are another key: that one compiles.
        using var third = CompiledModel.Compile(g, options with { Vector = VectorPath.Vector256 });
        Assert.False(third.FromCache);
        Assert.True(RoslynCompiler.CompilationCount > compilations);
    }

    [Fact]
    public void DisposedModelRefusesToRun()
    {
        var g = CodegenTestKit.Parse("""
            graph main(%x: f32[2]) -> (%y) {
              %y = Abs(%x)
            }
            """);
        var m = CompiledModel.Compile(g);
        var inputs = CodegenTestKit.RandomInputs(g);
        Assert.Equal(2, m.Run(inputs)["y"].Length);
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.Run(inputs));
    }

    [Fact]
    public void BrokenSourceBecomesAnEngineExceptionWithTheFirstDiagnostic()
    {
        var e = Assert.Throws<EngineException>(() => RoslynCompiler.Compile("class C { void M() { int x = \"s\"; } }", "broken"));
        Assert.Contains("CS0029", e.Message);
    }
}
