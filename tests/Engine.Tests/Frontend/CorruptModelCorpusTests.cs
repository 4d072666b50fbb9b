using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Inspection;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Google.Protobuf;

namespace Engine.Tests.Frontend;

/// <summary>
/// Generated bad inputs: real models truncated at many offsets and with seeded random byte flips.
/// Every read path must either succeed or fail with a one-line EngineException naming the file —
/// never another exception type, never hang, never allocate gigabytes.
/// </summary>
public class CorruptModelCorpusTests
{
    private const int Truncations = 20;
    /// <summary>30 by default; set ENGINE_FUZZ_MUTANTS for a longer local run.</summary>
    private static readonly int FlipMutants = int.TryParse(Environment.GetEnvironmentVariable("ENGINE_FUZZ_MUTANTS"), out var n) && n > 0 ? n : 30;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const long MaxAllocatedBytes = 1L << 30;

    /// <summary>Every shared model plus node tests with subgraphs, string attributes, convolutions and constants.</summary>
    public static IEnumerable<object[]> Corpus()
    {
        var models = new List<string>();
        if (Directory.Exists(SharedData.Path("models")))
            models.AddRange(Directory.GetDirectories(SharedData.Path("models")).Select(d => Path.Combine(d, "model.onnx")).Where(File.Exists));
        foreach (var t in new[] { "test_conv_with_strides_padding", "test_if", "test_loop11", "test_scan9_sum", "test_constant",
                                  "test_strnormalizer_export_monday_casesensintive_lower", "test_gemm_default_single_elem_vector_bias" })
        {
            var p = SharedData.Path("onnx", "node", t, "model.onnx");
            if (File.Exists(p)) models.Add(p);
        }
        return models.Order(StringComparer.Ordinal).Select(m => new object[] { m });
    }

    [Fact]
    public void CorpusIsPresent() => Assert.True(Corpus().Count() >= 3, $"the shared models and node tests should be in {SharedData.Root}");

    [Theory]
    [MemberData(nameof(Corpus))]
    public void TruncatedModelsFailCleanly(string modelPath)
    {
        var bytes = File.ReadAllBytes(modelPath);
        using var dir = new OnnxBuilder.TempDir();
        for (int i = 0; i < Truncations; i++)
        {
            // Offsets spread over the file, plus the very start and just short of the end.
            int len = i == 0 ? 0 : i == Truncations - 1 ? bytes.Length - 1 : (int)((long)bytes.Length * i / Truncations);
            CheckAllReadPaths(dir.Write($"trunc_{i}.onnx", bytes[..len]));
        }
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void ByteFlippedModelsFailCleanly(string modelPath)
    {
        var bytes = File.ReadAllBytes(modelPath);
        // Seeded by the folder name (string.GetHashCode is randomized per process, so sum the chars).
        var rng = new Random(Path.GetFileName(Path.GetDirectoryName(modelPath)!).Sum(c => (int)c) ^ 1234);
        using var dir = new OnnxBuilder.TempDir();
        for (int i = 0; i < FlipMutants; i++)
        {
            var m = (byte[])bytes.Clone();
            int flips = 1 + rng.Next(8);
            for (int k = 0; k < flips; k++)
            {
                int at = rng.Next(m.Length);
                // Mix single-bit flips (subtle: a dim or a type code changes) with 0xFF runs (huge varints).
                if (rng.Next(3) == 0) for (int j = at; j < Math.Min(m.Length, at + 1 + rng.Next(6)); j++) m[j] = 0xFF;
                else m[at] ^= (byte)(1 << rng.Next(8));
            }
            CheckAllReadPaths(dir.Write($"flip_{i}.onnx", m));
        }
    }

    /// <summary>Breadth: two mutants of every node-test model (every op, attribute kind and tensor layout the suite uses).</summary>
    [Fact]
    public void MutantsOfEveryNodeTestImportCleanly()
    {
        var root = SharedData.Path("onnx", "node");
        var models = Directory.GetDirectories(root).Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "model.onnx")).Where(File.Exists).ToList();
        Assert.True(models.Count > 1000, $"{root}: only {models.Count} node tests");
        var rng = new Random(2024);
        using var dir = new OnnxBuilder.TempDir();
        foreach (var model in models)
        {
            var bytes = File.ReadAllBytes(model);
            for (int i = 0; i < 2; i++)
            {
                var m = (byte[])bytes.Clone();
                for (int k = 0, n = 1 + rng.Next(3); k < n; k++) m[rng.Next(m.Length)] ^= (byte)(1 << rng.Next(8));
                var path = dir.Write($"{Path.GetFileName(Path.GetDirectoryName(model))}_{i}.onnx", m);
                Check(path, "import", () => new OnnxImporter().Load(path));
            }
        }
    }

    [Fact]
    public void CorruptIrTextFailsCleanly()
    {
        // The IR text of a real model, truncated and with random characters replaced.
        var model = new OnnxImporter().Load(SharedData.Path("models", "mnist", "model.onnx"));
        var text = IrPrinter.Print(model.Graph);
        var rng = new Random(77);
        const string alphabet = "%@(){}[],:=_-+.0123456789abcxyzNf32i64\n \"\\";
        using var dir = new OnnxBuilder.TempDir();
        for (int i = 0; i < Truncations + FlipMutants; i++)
        {
            string mutant;
            if (i < Truncations) mutant = text[..(int)((long)text.Length * i / Truncations)];
            else
            {
                var chars = text.ToCharArray();
                for (int k = 0, n = 1 + rng.Next(4); k < n; k++) chars[rng.Next(chars.Length)] = alphabet[rng.Next(alphabet.Length)];
                mutant = new string(chars);
            }
            var path = dir.File($"m{i}.ir");
            File.WriteAllText(path, mutant);
            Check(path, "ir text", () => Cli.Commands.ModelFormats.ReadIrText(path));
        }
    }

    /// <summary>The importer with the real registry, the inspector (placeholders for every op, so
    /// attributes and subgraphs are imported), and each tensor on its own through TensorProtoConverter.</summary>
    private static void CheckAllReadPaths(string path)
    {
        Check(path, "import", () => new OnnxImporter().Load(path));
        Check(path, "inspect", () => ModelInspector.Inspect(path));
        Check(path, "tensors", () =>
        {
            var proto = OnnxModelFile.Read(path);
            foreach (var t in AllTensors(proto.Graph)) TensorProtoConverter.ToTensor(t, path, Path.GetDirectoryName(path));
        });
    }

    private static IEnumerable<TensorProto> AllTensors(GraphProto? g)
    {
        if (g is null) yield break;
        foreach (var t in g.Initializer) yield return t;
        foreach (var n in g.Node)
        {
            foreach (var a in n.Attribute)
            {
                if (a.T is not null) yield return a.T;
                foreach (var t in a.Tensors) yield return t;
                foreach (var t in AllTensors(a.G)) yield return t;
                foreach (var sg in a.Graphs) foreach (var t in AllTensors(sg)) yield return t;
            }
        }
    }

    private static void Check(string path, string what, Action read)
    {
        long allocated = 0;
        Exception? error = null;
        var task = Task.Factory.StartNew(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                read();
            }
            catch (Exception e)
            {
                error = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, TaskCreationOptions.LongRunning);
        Assert.True(task.Wait(Timeout), $"{what} {path}: did not finish within {Timeout.TotalSeconds} s");
        Assert.True(allocated < MaxAllocatedBytes, $"{what} {path}: allocated {allocated} bytes");
        if (error is null) return;
        if (error is not EngineException)
            Assert.Fail($"{what} {path}: threw {error.GetType().Name} instead of EngineException: {error.Message}\n{error.StackTrace}");
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(path, error.Message);
    }
}
