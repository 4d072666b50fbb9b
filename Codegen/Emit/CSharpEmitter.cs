using Engine.Codegen.Lowering;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// Writes one readable C# class for an optimized graph with static shapes (v1, see Codegen/README.md):
/// every value lives at a place fixed by the memory plan (one arena per run, the caller's input and
/// output buffers, the weights), every node is written by its <see cref="ICpuLowering"/> or calls its
/// op's reference kernel (a reported fallback), and ai.engine::Fused groups become one loop, one
/// anchor kernel with an epilogue, or their body node by node. Identifiers are generated; model text
/// reaches the source only sanitized in comments or as base64/plain-alphabet string literals.
/// </summary>
public sealed partial class CSharpEmitter
{
    private readonly Graph.Graph _graph;
    private readonly CodegenOptions _options;
    private readonly VectorPath _vector;
    private readonly CpuLoweringRegistry _registry;
    private readonly IStoragePlan _plan;
    private readonly CodeBuffer _run = new();
    private readonly List<string> _members = new();
    private readonly CodeBuffer _ctor = new();
    private readonly List<string> _fields = new();
    private readonly WeightTable _weights = new();
    private readonly List<Kernel> _kernels = new();
    private readonly CodegenReport _report = new();
    private readonly List<Value> _runInputs;
    private readonly Dictionary<int, int> _inputParam = new();
    private readonly Dictionary<string, string> _shapeFields = new(StringComparer.Ordinal);
    private int _fresh;
    private long _scratchUsed;
    private long _scratchMax;

    private CSharpEmitter(Graph.Graph graph, CodegenOptions options, CpuLoweringRegistry registry)
    {
        _graph = graph;
        _options = options;
        _vector = options.ResolvedVector;
        _registry = registry;
        _report.Vector = _vector;
        CheckTypes();
        _plan = options.PlanMemory ? MemoryPlanAdapter.Create(graph, CanWriteInPlace) : new NaivePlan(graph);
        _runInputs = new List<Value>();
        for (int i = 0; i < graph.Inputs.Count; i++)
        {
            if (graph.IsInitializer(graph.Inputs[i])) continue;
            _inputParam[i] = _runInputs.Count;
            _runInputs.Add(graph.Inputs[i]);
        }
    }

    public static EmittedModel Emit(Graph.Graph graph, CodegenOptions? options = null, CpuLoweringRegistry? registry = null) =>
        new CSharpEmitter(graph, options ?? new CodegenOptions(), registry ?? CpuLoweringRegistry.Default).EmitModel();

    private EmittedModel EmitModel()
    {
        var top = new TopScope(this);
        foreach (var node in _graph.Nodes)
        {
            _scratchUsed = 0;
            if (_plan.IsElided(node))
            {
                _run.Comment($"{SafeText.CommentName(node.OpType)} '{SafeText.CommentName(node.Name)}': no code (view or written in place by its producers)");
                _report.Add(node.Name, node.Schema.QualifiedName, NodeOutcome.Elided, "");
                continue;
            }
            EmitNode(node, top, null);
        }
        EmitOutputCopies(top);
        _report.ArenaBytes = _plan.ArenaBytes;
        _report.ScratchBytes = Align(_scratchMax);
        _report.LowerBoundBytes = _plan.LowerBoundBytes;
        _report.Plan = _plan.Describe();
        var inputSigs = _runInputs.Select(v => new TensorSignature(v.Name, v.Type.Elem, v.Type.StaticShape())).ToList();
        var outputSigs = _graph.Outputs.Select(v => new TensorSignature(v.Name, v.Type.Elem, v.Type.StaticShape())).ToList();
        string source = Assemble(inputSigs, outputSigs);
        return new EmittedModel(source, inputSigs, outputSigs, _weights.Tensors.ToArray(), _kernels.ToArray(), _report,
            _plan.ArenaBytes + Align(_scratchMax) + 64);
    }

    private static long Align(long x) => (x + 63) / 64 * 64;

    private void CheckTypes()
    {
        void Check(Value v)
        {
            if (v.Type.Elem == DataType.Undefined || !v.Type.IsStatic)
                throw new EngineException($"cpu backend: value '{v.Name}' has type {v.Type}, not a static shape (not supported by compiled models: give the model static input shapes and run shape inference first)");
            if (v.Type.Elem == DataType.String)
                throw new EngineException($"cpu backend: value '{v.Name}': string tensors are not supported by compiled models");
        }
        foreach (var v in _graph.Inputs) Check(v);
        foreach (var n in _graph.Nodes)
        {
            foreach (var o in n.Outputs) if (o is not null) Check(o);
            if (n.Schema.GraphKernel is not null && !IsFused(n, out _))
                throw new EngineException($"cpu backend: node '{n.Name}' ({n.Schema.QualifiedName}) runs subgraphs (not supported by compiled models yet)");
        }
        foreach (var v in _graph.Outputs) Check(v);
    }

    internal static bool IsFused(Node node, out Graph.Graph? body)
    {
        body = node.Domain == OpRegistry.EngineDomain && node.OpType == "Fused" ? node.Attributes.Get("body") as Graph.Graph : null;
        return body is not null;
    }

    /// <summary>Asked by the memory planner: may output 0 of <paramref name="node"/> reuse input <paramref name="input"/>'s bytes.</summary>
    private bool CanWriteInPlace(Node node, int input)
    {
        if (IsFused(node, out var body)) return FusedElementwise.CanWriteInPlace(node, body!, input);
        return _registry.Find(node.Domain, node.OpType) is { } l && l.CanWriteInPlace(node, input);
    }

    internal string Fresh(string hint)
    {
        var clean = new string(hint.Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(24).ToArray());
        if (clean.Length == 0 || char.IsAsciiDigit(clean[0])) clean = "t" + clean;
        return $"{clean}_{_fresh++}";
    }

    /// <summary>Emits one node (top level or inside a body): Fused group, lowering, or reference-kernel fallback.</summary>
    private void EmitNode(Node node, ValueScope scope, CodeBuffer? into)
    {
        var target = into ?? _run;
        if (IsFused(node, out var body))
        {
            EmitFused(node, body!, scope, target);
            return;
        }
        string reason;
        if (_registry.Find(node.Domain, node.OpType) is { } lowering)
        {
            var ctx = new NodeContext(this, node, scope, null, null);
            reason = ctx.Attempt(lowering, target);
            if (reason.Length == 0)
            {
                _report.Add(node.Name, node.Schema.QualifiedName, NodeOutcome.Lowered, lowering.GetType().Name);
                return;
            }
        }
        else
        {
            reason = "no lowering for this op";
        }
        EmitFallback(node, scope, reason, target);
    }

    /// <summary>Graph outputs whose value the plan did not put in the caller's buffer (an input, a weight, a repeated output).</summary>
    private void EmitOutputCopies(TopScope top)
    {
        for (int k = 0; k < _graph.Outputs.Count; k++)
        {
            var v = _graph.Outputs[k];
            var slot = _plan.Locate(v);
            if (slot is { Kind: SlotKind.GraphOutput, ByteOffset: 0 } && slot.Index == k) continue;
            long bytes = ByteSize(v);
            _run.Comment($"graph output {k} is a copy");
            _run.Line($"Buffer.MemoryCopy((void*){top.Pointer(v)}, (void*)out{k}, {bytes}, {bytes});");
        }
    }

    internal static long ByteSize(Value v) => Tensor.ElementCount(v.Type.StaticShape()) * DataTypes.Size(v.Type.Elem);

    /// <summary>A static readonly int[] field holding a shape (for reference kernels' tensors).</summary>
    private string ShapeField(int[] shape)
    {
        string key = string.Join(",", shape);
        if (_shapeFields.TryGetValue(key, out var f)) return f;
        f = $"_shape{_shapeFields.Count}";
        _shapeFields[key] = f;
        _fields.Add($"private static readonly int[] {f} = {SafeText.IntArray(shape)};");
        return f;
    }

    /// <summary>The top-level graph: places from the memory plan.</summary>
    private sealed class TopScope(CSharpEmitter e) : ValueScope
    {
        public override string Pointer(Value v)
        {
            string clr = SafeText.ClrName(v.Type.Elem);
            if (e._graph.InitializerData(v) is { } t) return e._weights.Pointer(e._weights.Index(t, v.Name));
            var slot = e._plan.Locate(v);
            string off = slot.ByteOffset == 0 ? "" : " + " + SafeText.Int(slot.ByteOffset);
            return slot.Kind switch
            {
                SlotKind.Arena => $"(({clr}*)(arena{off}))",
                SlotKind.GraphInput when e._inputParam.TryGetValue(slot.Index, out int p) => $"(({clr}*)(in{p}{off}))",
                SlotKind.GraphInput => $"(({clr}*)((byte*){InitializerPointer(e._graph.Inputs[slot.Index])}{off}))",
                SlotKind.GraphOutput => $"(({clr}*)(out{slot.Index}{off}))",
                SlotKind.Initializer => $"(({clr}*)((byte*){InitializerPointer(e._graph.InitializerValues[slot.Index])}{off}))",
                _ => throw new EngineException($"cpu backend: value '{v.Name}' has no place"),
            };
        }

        private string InitializerPointer(Value init) =>
            e._weights.Pointer(e._weights.Index(e._graph.InitializerData(init) ?? throw new EngineException($"cpu backend: '{init.Name}' is not an initializer"), init.Name));

        public override Tensor? Constant(Value v) => e._graph.InitializerData(v);

        public override int WeightIndex(Value v) => e._graph.InitializerData(v) is { } t ? e._weights.Index(t, v.Name) : -1;
    }
}

/// <summary>Facts about nodes as the emitter sees them (for tools and tests).</summary>
public static class CSharpEmitterFacts
{
    /// <summary>An ai.engine::Fused node with a body graph.</summary>
    public static bool IsFused(Node node) => CSharpEmitter.IsFused(node, out _);
}
