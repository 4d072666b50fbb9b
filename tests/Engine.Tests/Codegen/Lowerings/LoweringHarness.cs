using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Engine.Codegen;
using Engine.Codegen.Lowering;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Codegen.Lowerings;

/// <summary>
/// Runs ONE lowering outside the emitter: a minimal <see cref="LoweringContext"/> over a single-node graph that
/// collects the emitted lines into a static method, compiles it with Roslyn and runs it on native buffers
/// (inputs, outputs, weights and scratch, 64-byte aligned), so a lowering's code and its use of the Compute
/// primitive are checked against the reference executor on its own.
/// </summary>
internal sealed unsafe class LoweringHarness : LoweringContext
{
    private readonly Graph.Graph _graph;
    private readonly Node _node;
    private readonly List<string> _lines = [];
    private readonly List<string> _members = [];
    private readonly List<Tensor> _weights = [];
    private long _scratch;
    private int _fresh;

    public LoweringHarness(Graph.Graph graph, CodegenOptions options)
    {
        _graph = graph;
        _node = graph.Nodes.Single();
        Options = options;
    }

    public static string Text(string name, Tensor t) =>
        $"init %{name}: {DataTypes.ShortName(t.Type)}[{string.Join(",", t.Shape)}] = [" +
        string.Join(", ", t.Type == DataType.Float ? t.As<float>().Select(v => v.ToString("R", CultureInfo.InvariantCulture)) : t.ToInt64Array().Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Lowers the graph's node with <paramref name="lowering"/>; the reason when it declines.</summary>
    public static string? Lower(ICpuLowering lowering, Graph.Graph g, CodegenOptions o, out LoweringHarness h)
    {
        h = new LoweringHarness(g, o);
        return lowering.TryEmit(h);
    }

    /// <summary>Compiles the emitted code and runs it on <paramref name="inputs"/> (by graph input name).</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var src = new StringBuilder();
        src.AppendLine("using System; using System.Runtime.CompilerServices; using System.Runtime.InteropServices; using System.Runtime.Intrinsics; using Engine.Runtime; using Engine.Runtime.Compute;");
        src.AppendLine("public static unsafe class Lowered {");
        src.AppendLine("public static void Run(nint[] ins, nint[] outs, nint[] weights, nint scratchBase, int threads) {");
        src.AppendLine("byte* scratch = (byte*)scratchBase;");
        foreach (var l in _lines) src.AppendLine(l);
        src.AppendLine("}");
        foreach (var m in _members) src.AppendLine(m);
        src.AppendLine("}");
        Source = src.ToString();
        var (alc, asm) = RoslynCompiler.Load(RoslynCompiler.Compile(Source, "Lowered" + Guid.NewGuid().ToString("N")));
        var allocations = new List<nint>();
        try
        {
            nint Alloc(long bytes)
            {
                var p = (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 64), 64);
                allocations.Add(p);
                return p;
            }
            nint Copy(Tensor t)
            {
                int bytes = Buffer.ByteLength(t.Data);
                var p = Alloc(bytes);
                var handle = GCHandle.Alloc(t.Data, GCHandleType.Pinned);
                try { Buffer.MemoryCopy((void*)handle.AddrOfPinnedObject(), (void*)p, bytes, bytes); }
                finally { handle.Free(); }
                return p;
            }
            var ins = new nint[InputCount];
            for (int i = 0; i < InputCount; i++)
            {
                if (!HasInput(i)) continue;
                var v = _node.Inputs[i]!;
                ins[i] = Copy(_graph.Initializers.TryGetValue(v, out var c) ? c : inputs[v.Name]);
            }
            var outs = new nint[OutputCount];
            for (int i = 0; i < OutputCount; i++)
                if (_node.Outputs[i] is not null) outs[i] = Alloc(OutLength(i) * DataTypes.Size(OutType(i)));
            var weights = _weights.Select(Copy).ToArray();
            var scratch = Alloc(_scratch);
            // Garbage in the scratch, as the contract allows.
            new Span<byte>((void*)scratch, (int)Math.Max(_scratch, 64)).Fill(0xFF);
            asm.GetType("Lowered")!.GetMethod("Run")!.Invoke(null, [ins, outs, weights, scratch, Math.Max(1, Options.Threads)]);
            var result = new Dictionary<string, Tensor>();
            for (int i = 0; i < OutputCount; i++)
            {
                if (_node.Outputs[i] is not { } o || !_graph.Outputs.Contains(o)) continue;
                var data = new float[OutLength(i)];
                new ReadOnlySpan<float>((void*)outs[i], data.Length).CopyTo(data);
                result[o.Name] = Tensor.FromArray(data, OutShape(i));
            }
            return result;
        }
        finally
        {
            foreach (var p in allocations) NativeMemory.AlignedFree((void*)p);
            alc.Unload();
        }
    }

    public string Source { get; private set; } = "";

    public override Node Node => _node;
    public override AttributeMap Attributes => _node.Attributes;
    public override CodegenOptions Options { get; }
    public override VectorPath Vector => Options.ResolvedVector;
    public override int InputCount => _node.Inputs.Count;
    public override bool HasInput(int i) => i < _node.Inputs.Count && _node.Inputs[i] is not null;
    public override DataType InType(int i) => _node.Inputs[i]!.Type.Elem;
    public override int[] InShape(int i) => _node.Inputs[i]!.Type.StaticShape();
    public override Tensor? Constant(int i) => HasInput(i) && _graph.Initializers.TryGetValue(_node.Inputs[i]!, out var t) ? t : null;
    public override int OutputCount => _node.Outputs.Count;
    public override bool HasOutput(int i) => i < _node.Outputs.Count && _node.Outputs[i] is not null;
    public override DataType OutType(int i) => _node.Outputs[i]!.Type.Elem;
    public override int[] OutShape(int i) => _node.Outputs[i]!.Type.StaticShape();
    public override string In(int i) => $"(({InClr(i)}*)ins[{i}])";
    public override string Out(int i) => $"(({OutClr(i)}*)outs[{i}])";
    public override bool Aliased(int output, int input) => false;

    public override string Weights(Tensor t)
    {
        int k = _weights.IndexOf(t);
        if (k < 0)
        {
            k = _weights.Count;
            _weights.Add(t);
        }
        return $"(({ClrType(t.Type)}*)weights[{k}])";
    }

    public override string Scratch(long bytes)
    {
        long off = _scratch;
        _scratch += (bytes + 63) / 64 * 64;
        return $"(scratch + {off})";
    }

    public override string Threads => "threads";
    public override EpilogueRequest? Epilogue => null;
    public override string Fresh(string hint) => $"{hint}_{_fresh++}";
    public override void Line(string code) => _lines.Add(code);
    public override void Comment(string text) => _lines.Add("// " + text.Replace('\n', ' ').Replace('\r', ' '));
    public override void Member(string code) => _members.Add(code);
}
