using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;
using Engine.Tests.Support;
using Xunit.Abstractions;

namespace Engine.Tests.IR;

/// <summary>
/// The ONNX node suite as a corpus of real graphs: exporter names, attributes of every kind,
/// subgraphs and initializers. Ops the default registry does not define yet get a permissive
/// stand-in schema, so the whole suite is covered whatever op families exist.
/// </summary>
public class OnnxSuiteRoundTripTests
{
    private static readonly Lazy<Corpus> Models = new(Corpus.Load);

    private readonly ITestOutputHelper _out;

    public OnnxSuiteRoundTripTests(ITestOutputHelper output) => _out = output;

    private sealed class Corpus
    {
        public OpRegistry Registry { get; } = new();

        public List<(string Name, Model Model)> Imported { get; } = new();

        public List<string> ImporterCrashes { get; } = new();

        public static Corpus Load()
        {
            var c = new Corpus();
            c.Registry.RegisterLibraries(typeof(OpRegistry).Assembly);
            foreach (var dir in Directory.GetDirectories(Paths.SharedPath("onnx", "node")).Order(StringComparer.Ordinal))
            {
                var path = Path.Combine(dir, "model.onnx");
                if (!File.Exists(path)) continue;
                try
                {
                    using (var f = File.OpenRead(path)) c.AddStandIns(Engine.Onnx.Proto.ModelProto.Parser.ParseFrom(f).Graph);
                    c.Imported.Add((Path.GetFileName(dir), new OnnxImporter(c.Registry).Load(path)));
                }
                catch (EngineException)
                {
                    // unsupported types or invalid models: the importer's concern, not the text form's
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or NullReferenceException or Google.Protobuf.InvalidProtocolBufferException)
                {
                    c.ImporterCrashes.Add($"{Path.GetFileName(dir)}: {e.GetType().Name}: {e.Message}");
                }
            }
            return c;
        }

        private void AddStandIns(Engine.Onnx.Proto.GraphProto? g)
        {
            if (g is null) return;
            foreach (var n in g.Node)
            {
                if (!Registry.TryGet(n.Domain, n.OpType, out _))
                    Registry.Add(n.Domain, n.OpType).In("inputs*").Out("outputs*").OpenAttributes();
                foreach (var a in n.Attribute)
                {
                    AddStandIns(a.G);
                    foreach (var sg in a.Graphs) AddStandIns(sg);
                }
            }
        }
    }

    [Fact]
    public void ImportedModelsRoundTripThroughText()
    {
        var corpus = Models.Value;
        foreach (var crash in corpus.ImporterCrashes) _out.WriteLine("importer crashed: " + crash);
        var failures = new List<string>();
        foreach (var (name, model) in corpus.Imported)
        {
            try
            {
                var text = IrPrinter.Print(model.Graph);
                var back = IrParser.Parse(text, corpus.Registry);
                if (!GraphComparer.StructurallyEqual(model.Graph, back, out var diff, compareNames: true))
                    failures.Add($"{name}: {diff}");
                else if (IrPrinter.Print(back) != text)
                    failures.Add($"{name}: printing the parsed graph gives different text");
            }
            catch (EngineException e)
            {
                failures.Add($"{name}: {e.Message}");
            }
        }
        _out.WriteLine($"{corpus.Imported.Count} models imported; {failures.Count} failed to round-trip");
        Assert.True(corpus.Imported.Count > 1000, $"only {corpus.Imported.Count} node-suite models imported");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    /// <summary>Imported graphs satisfy the verifier: SSA, order, arity, attributes, and op inference agreeing with the model's declared types.</summary>
    [Fact]
    public void ImportedModelsVerify()
    {
        var corpus = Models.Value;
        var problems = corpus.Imported.SelectMany(m => Verifier.Verify(m.Model.Graph).Select(p => $"{m.Name}: {p}")).ToList();
        Assert.True(problems.Count == 0, $"{problems.Count} problems:\n" + string.Join("\n", problems.Take(30)));
    }
}
