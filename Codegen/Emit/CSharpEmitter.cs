using System.Text;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// Writes one readable C# class for an optimized graph with static shapes: a constructor taking
/// the weights, fallback kernels and their contexts, and <c>Run(ReadOnlySpan&lt;T&gt; input0, …,
/// Span&lt;T&gt; output0, …)</c>. Float32 elementwise/broadcast nodes (and <c>ai.engine::Fused</c>
/// elementwise groups) become loops with constant bounds, vectorized per <see cref="CodegenOptions.Vector"/>;
/// every other node calls its op's reference kernel. Identifiers are generated (v0, v1, …); model
/// names only appear sanitized in line comments (<see cref="SafeText"/>).
/// </summary>
public sealed class CSharpEmitter
{
    private readonly Graph.Graph _graph;
    private readonly CodegenOptions _options;
    private readonly VectorPath _vector;
    private readonly Dictionary<Value, Storage> _storage = new();
    private readonly List<string> _locals = new();
    private readonly List<Tensor> _weights = new();
    private readonly List<Kernel> _kernels = new();
    private readonly List<KernelContext> _contexts = new();
    private readonly HashSet<int> _outputsWritten = new();
    private readonly CodegenReport _report = new();
    private readonly StringBuilder _body = new();
    private int _valueCounter;
    private int _indent = 3;

    private CSharpEmitter(Graph.Graph graph, CodegenOptions options)
    {
        _graph = graph;
        _options = options;
        _vector = options.ResolvedVector;
        _report.Vector = _vector;
    }

    public static EmittedModel Emit(Graph.Graph graph, CodegenOptions? options = null) =>
        new CSharpEmitter(graph, options ?? new CodegenOptions()).EmitModel();

    /// <summary>Where a value lives inside Run: a span-convertible expression and how to get it as a Tensor.</summary>
    private sealed class Storage
    {
        public required string Id { get; init; }
        public required DataType Type { get; init; }
        public required int[] Shape { get; init; }
        public required string Span { get; set; }
        /// <summary>A C# expression of type Tensor (may allocate lazily through a local).</summary>
        public required string Tensor { get; set; }
        public int Length => (int)Runtime.Tensor.ElementCount(Shape);
    }

    private EmittedModel EmitModel()
    {
        CheckStatic();
        var inputs = _graph.Inputs.Where(v => !_graph.IsInitializer(v)).ToList();
        var inputSigs = new List<TensorSignature>();
        for (int i = 0; i < inputs.Count; i++)
        {
            var v = inputs[i];
            var shape = v.Type.StaticShape();
            string lazy = $"ti{i}";
            _locals.Add($"Tensor {lazy} = null;");
            _storage[v] = new Storage
            {
                Id = $"input{i}",
                Type = v.Type.Elem,
                Shape = shape,
                Span = $"input{i}",
                Tensor = $"({lazy} ??= new Tensor({SafeText.DataTypeExpr(v.Type.Elem)}, {SafeText.IntArray(shape)}, input{i}.ToArray()))",
            };
            inputSigs.Add(new TensorSignature(v.Name, v.Type.Elem, shape));
        }
        foreach (var v in _graph.InitializerValues)
        {
            var t = _graph.InitializerData(v)!;
            int j = _weights.Count;
            _weights.Add(t);
            _storage[v] = new Storage { Id = $"w{j}", Type = t.Type, Shape = t.Shape, Span = $"w{j}", Tensor = $"_weights[{j}]" };
        }
        var outputSigs = _graph.Outputs.Select(v => new TensorSignature(v.Name, v.Type.Elem, v.Type.StaticShape())).ToList();

        foreach (var node in _graph.Nodes) EmitNode(node);

        Line("// Graph outputs not written in place.");
        for (int k = 0; k < _graph.Outputs.Count; k++)
        {
            if (_outputsWritten.Contains(k)) continue;
            var s = Lookup(_graph.Outputs[k]);
            Line($"((ReadOnlySpan<{SafeText.ClrName(s.Type)}>){s.Span}).CopyTo(output{k});");
        }
        return new EmittedModel(Assemble(inputs, outputSigs), inputSigs, outputSigs,
            _weights.ToArray(), _kernels.ToArray(), _contexts.ToArray(), _report);
    }

    private void CheckStatic()
    {
        void Check(Value v)
        {
            if (v.Type.Elem == DataType.Undefined || !v.Type.IsStatic)
                throw new EngineException($"cpu backend: value '{v.Name}' has type {v.Type}, not a static shape; give the model static input shapes and run shape inference first");
        }
        foreach (var v in _graph.Inputs) Check(v);
        foreach (var n in _graph.Nodes) foreach (var o in n.Outputs) if (o is not null) Check(o);
        foreach (var v in _graph.Outputs) Check(v);
    }

    private Storage Lookup(Value v) =>
        _storage.TryGetValue(v, out var s) ? s : throw new EngineException($"cpu backend: value '{v.Name}' is read before it is defined");

    private void EmitNode(Node node)
    {
        string reason;
        var operands = new List<Value>();
        ElementwiseExpr Operand(Value v)
        {
            int i = operands.IndexOf(v);
            if (i < 0) { operands.Add(v); i = operands.Count - 1; }
            return new LeafExpr(i);
        }
        Tensor? Constant(Value v) => _graph.InitializerData(v) is { Length: <= 64 } t ? t : null;
        var expr = IsFused(node, out var body)
            ? FusedExpr(node, body!, Operand, out reason)
            : ElementwiseOps.TryBuild(node, Operand, Constant, out reason);
        if (expr is not null)
        {
            EmitLoop(node, expr, operands);
            _report.InlinedNodes.Add(node.Name);
        }
        else
        {
            EmitFallback(node, reason);
        }
    }

    private static bool IsFused(Node node, out Graph.Graph? body)
    {
        body = node.Domain == OpRegistry.EngineDomain && node.OpType == "Fused" ? node.Attributes.Get("body") as Graph.Graph : null;
        return body is not null;
    }

    /// <summary>One expression for a whole fused elementwise body: its inputs are the node's inputs, in order.</summary>
    private static ElementwiseExpr? FusedExpr(Node node, Graph.Graph body, Func<Value, ElementwiseExpr> operandOf, out string reason)
    {
        reason = "";
        if (node.Outputs.Count != 1 || body.Outputs.Count != 1) { reason = "fused group with several outputs"; return null; }
        if (body.Inputs.Count != node.Inputs.Count) { reason = "fused body inputs do not match the node's"; return null; }
        var map = new Dictionary<Value, ElementwiseExpr>();
        for (int i = 0; i < body.Inputs.Count; i++)
        {
            if (node.Inputs[i] is not { } outer) { reason = "absent fused input"; return null; }
            map[body.Inputs[i]] = operandOf(outer);
        }
        Tensor? Constant(Value v) => body.InitializerData(v) is { Length: <= 64 } t ? t : null;
        foreach (var n in body.Nodes)
        {
            string why;
            ElementwiseExpr? e;
            try
            {
                e = ElementwiseOps.TryBuild(n, v => map.TryGetValue(v, out var x) ? x : throw new MissingOperand(), Constant, out why);
            }
            catch (MissingOperand)
            {
                reason = $"fused body op {n.OpType} reads a value that is not a body input or an earlier body op";
                return null;
            }
            if (e is null) { reason = $"fused body op {n.OpType}: {why}"; return null; }
            map[n.Outputs[0]!] = e;
        }
        if (!map.TryGetValue(body.Outputs[0], out var result)) { reason = "fused body output is not computed by the body"; return null; }
        return result;
    }

    private sealed class MissingOperand : Exception;

    private void EmitLoop(Node node, ElementwiseExpr expr, List<Value> operands)
    {
        var y = node.Outputs[0]!;
        var shape = y.Type.StaticShape();
        var ops = operands.Select(Lookup).ToList();
        var plan = BroadcastPlan.Create(shape, ops.Select(o => o.Shape).ToList());
        var dest = Define(y, "float", inPlaceOutput: true);
        int n = dest.Length;
        bool vector = _vector != VectorPath.Scalar && ElementwiseOps.Vectorizable(expr);
        string vt = _vector == VectorPath.Vector512 ? "Vector512" : "Vector256";
        int width = _vector == VectorPath.Vector512 ? 16 : 8;
        vector &= plan.Inner >= width;

        Line($"// {OpsOf(node, expr)}: node '{SafeText.CommentName(node.Name)}' -> {dest.Id} {y.Type} (generated loop{(vector ? ", " + vt : ", scalar")})");
        Line("{");
        _indent++;
        for (int k = 0; k < ops.Count; k++) Line($"ReadOnlySpan<float> a{k} = {ops[k].Span};");
        Line($"Span<float> d = {dest.Span};");
        if (vector)
        {
            for (int k = 0; k < ops.Count; k++)
                if (plan.Strides[k][^1] != 0) Line($"ref float p{k} = ref MemoryMarshal.GetReference(a{k});");
            Line("ref float pd = ref MemoryMarshal.GetReference(d);");
        }
        Line("int od = 0;");
        int outer = plan.Sizes.Length - 1;
        for (int d = 0; d < outer; d++)
        {
            Line($"for (int i{d} = 0; i{d} < {plan.Sizes[d]}; i{d}++)");
            Line("{");
            _indent++;
        }
        for (int k = 0; k < ops.Count; k++)
        {
            var terms = Enumerable.Range(0, outer).Where(d => plan.Strides[k][d] != 0).Select(d => $"i{d} * {plan.Strides[k][d]}").ToList();
            Line($"int b{k} = {(terms.Count == 0 ? "0" : string.Join(" + ", terms))};");
            if (plan.Strides[k][^1] == 0)
            {
                Line($"float s{k} = a{k}[b{k}];");
                if (vector) Line($"var vs{k} = {vt}.Create(s{k});");
            }
        }
        Line("int j = 0;");
        if (vector)
        {
            Line($"for (; j <= {plan.Inner - width}; j += {width})");
            Line("{");
            _indent++;
            var leaves = Enumerable.Range(0, ops.Count).Select(k => plan.Strides[k][^1] == 0 ? $"vs{k}" : $"{vt}.LoadUnsafe(ref p{k}, (nuint)(b{k} + j))").ToArray();
            string r = EmitExpr(expr, leaves, (o, a) => ElementwiseOps.Vector(o, a, vt));
            Line($"{r}.StoreUnsafe(ref pd, (nuint)(od + j));");
            _indent--;
            Line("}");
        }
        Line($"for (; j < {plan.Inner}; j++)");
        Line("{");
        _indent++;
        var sl = Enumerable.Range(0, ops.Count).Select(k => plan.Strides[k][^1] == 0 ? $"s{k}" : $"a{k}[b{k} + j]").ToArray();
        string sr = EmitExpr(expr, sl, ElementwiseOps.Scalar);
        Line($"d[od + j] = {sr};");
        _indent--;
        Line("}");
        Line($"od += {plan.Inner};");
        for (int d = 0; d < outer; d++)
        {
            _indent--;
            Line("}");
        }
        _indent--;
        Line("}");
        if (n != plan.Sizes.Aggregate(1L, (a, b) => a * b)) throw new EngineException($"cpu backend: loop plan for node '{node.Name}' covers the wrong number of elements");
    }

    /// <summary>Writes one local per expression node (shared sub-expressions once); returns the result local.</summary>
    private string EmitExpr(ElementwiseExpr root, string[] leaves, Func<OpExpr, string[], string> render)
    {
        var names = new Dictionary<ElementwiseExpr, string>(ReferenceEqualityComparer.Instance);
        int counter = 0;
        string Walk(ElementwiseExpr e)
        {
            if (names.TryGetValue(e, out var s)) return s;
            string result;
            if (e is LeafExpr leaf)
            {
                result = $"x{leaf.Index}";
                if (!names.Values.Contains(result)) Line($"var {result} = {leaves[leaf.Index]};");
            }
            else
            {
                var o = (OpExpr)e;
                var args = o.Args.Select(Walk).ToArray();
                result = $"e{counter++}";
                Line($"var {result} = {render(o, args)};");
            }
            names[e] = result;
            return result;
        }
        return Walk(root);
    }

    private static string OpsOf(Node node, ElementwiseExpr expr)
    {
        if (!IsFused(node, out _)) return node.OpType;
        var ops = new List<string>();
        void Walk(ElementwiseExpr e)
        {
            if (e is not OpExpr o) return;
            foreach (var a in o.Args) Walk(a);
            ops.Add(o.Op);
        }
        Walk(expr);
        return "Fused[" + string.Join(", ", ops) + "]";
    }

    /// <summary>Defines storage for a node output: the output span when it is a graph output (and may be written in place), else an array local.</summary>
    private Storage Define(Value v, string clr, bool inPlaceOutput, bool declare = true)
    {
        string id = $"v{_valueCounter++}";
        var shape = v.Type.StaticShape();
        int k = _graph.Outputs.IndexOf(v);
        Storage s;
        if (declare) _locals.Add($"Tensor t{id} = null;");
        if (inPlaceOutput && k >= 0 && _outputsWritten.Add(k))
        {
            s = new Storage
            {
                Id = id,
                Type = v.Type.Elem,
                Shape = shape,
                Span = $"output{k}",
                Tensor = $"(t{id} ??= new Tensor({SafeText.DataTypeExpr(v.Type.Elem)}, {SafeText.IntArray(shape)}, output{k}.ToArray()))",
            };
        }
        else
        {
            if (declare) Line($"{clr}[] {id} = new {clr}[{SafeText.Int(Tensor.ElementCount(shape))}];");
            s = new Storage
            {
                Id = id,
                Type = v.Type.Elem,
                Shape = shape,
                Span = id,
                Tensor = $"(t{id} ??= new Tensor({SafeText.DataTypeExpr(v.Type.Elem)}, {SafeText.IntArray(shape)}, {id}))",
            };
        }
        _storage[v] = s;
        return s;
    }

    private void EmitFallback(Node node, string reason)
    {
        if (node.Schema.GraphKernel is not null)
            throw new EngineException($"cpu backend: node '{node.Name}' ({node.Schema.QualifiedName}) runs subgraphs, which compiled models do not support yet");
        var kernel = node.Schema.Kernel ?? throw new EngineException($"cpu backend: node '{node.Name}': op {node.Schema.QualifiedName} has no reference kernel");
        int slot = _kernels.Count;
        _kernels.Add(kernel);
        _contexts.Add(new KernelContext(node.Attributes, node.Outputs.Count, node.Name) { Threads = Math.Max(1, _options.Threads) });
        _report.Fallbacks.Add(new FallbackEntry(node.Name, node.Schema.QualifiedName, reason));

        var outs = string.Join(", ", node.Outputs.Where(o => o is not null).Select(o => o!.Type.ToString()));
        Line($"// {SafeText.CommentName(node.Schema.QualifiedName)}: node '{SafeText.CommentName(node.Name)}' -> {outs} (reference kernel #{slot})");
        var args = node.Inputs.Select(v => v is null ? "null" : Lookup(v).Tensor);
        Line($"var c{slot} = Ctx({slot}, {StableSeed(_options.Seed, node.Name)});");
        Line($"var r{slot} = _kernels[{slot}](c{slot}, new Tensor[] {{ {string.Join(", ", args)} }});");
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } o) continue;
            string clr = SafeText.ClrName(o.Type.Elem);
            var s = Define(o, clr, inPlaceOutput: false, declare: false);
            var shape = o.Type.StaticShape();
            Line($"Tensor k{s.Id} = Out(r{slot}, {i}, {SafeText.DataTypeExpr(o.Type.Elem)}, {SafeText.IntArray(shape)}, c{slot});");
            Line($"{clr}[] {s.Id} = ({clr}[])k{s.Id}.Data;");
            s.Tensor = $"k{s.Id}";
            int k = _graph.Outputs.IndexOf(o);
            if (k >= 0 && _outputsWritten.Add(k)) Line($"{s.Id}.AsSpan().CopyTo(output{k});");
        }
    }

    private void Line(string s)
    {
        _body.Append(' ', _indent * 4).Append(s).Append(Environment.NewLine);
    }

    /// <summary>The reference executor's per-node seed, so random fallbacks draw the same numbers.</summary>
    private static int StableSeed(int seed, string name)
    {
        uint h = 2166136261u ^ (uint)seed;
        foreach (char ch in name) h = (h ^ ch) * 16777619u;
        return (int)(h & 0x7FFFFFFF);
    }

    private string Assemble(List<Value> inputs, List<TensorSignature> outputs)
    {
        var sb = new StringBuilder();
        void L(int indent, string s) => sb.Append(' ', indent * 4).Append(s).Append(Environment.NewLine);
        L(0, "// <auto-generated> Engine Roslyn CPU backend (issue 4), first correct version.");
        L(0, $"// Graph '{SafeText.CommentName(_graph.Name)}': {_graph.Nodes.Count} node(s); {_report}.");
        L(0, "#nullable disable");
        L(0, "using System;");
        L(0, "using System.Runtime.CompilerServices;");
        L(0, "using System.Runtime.InteropServices;");
        L(0, "using System.Runtime.Intrinsics;");
        L(0, "using Engine.Runtime;");
        L(0, "");
        L(0, "namespace Engine.Generated");
        L(0, "{");
        L(1, "public sealed class CompiledGraph");
        L(1, "{");
        L(2, "private readonly Tensor[] _weights;");
        L(2, "private readonly Kernel[] _kernels;");
        L(2, "private readonly KernelContext[] _contexts;");
        for (int j = 0; j < _weights.Count; j++)
        {
            var w = _weights[j];
            var wv = _graph.InitializerValues[j];
            L(2, $"private readonly {SafeText.ClrName(w.Type)}[] w{j}; // '{SafeText.CommentName(wv.Name)}' {wv.Type}");
        }
        L(0, "");
        L(2, "public CompiledGraph(Tensor[] weights, Kernel[] kernels, KernelContext[] contexts)");
        L(2, "{");
        L(3, "_weights = weights;");
        L(3, "_kernels = kernels;");
        L(3, "_contexts = contexts;");
        for (int j = 0; j < _weights.Count; j++)
        {
            string clr = SafeText.ClrName(_weights[j].Type);
            L(3, $"w{j} = ({clr}[])weights[{j}].Data;");
        }
        L(2, "}");
        L(0, "");
        L(2, "/// <summary>Runs on tensors (arrays of exactly the static shapes, checked by the caller).</summary>");
        var invokeArgs = inputs.Select((v, i) => $"({SafeText.ClrName(v.Type.Elem)}[])inputs[{i}].Data")
            .Concat(outputs.Select((o, k) => $"({SafeText.ClrName(o.Type)}[])outputs[{k}].Data"));
        L(2, $"public void Invoke(Tensor[] inputs, Tensor[] outputs) => Run({string.Join(", ", invokeArgs)});");
        L(0, "");
        var parms = inputs.Select((v, i) => $"ReadOnlySpan<{SafeText.ClrName(v.Type.Elem)}> input{i}")
            .Concat(outputs.Select((o, k) => $"Span<{SafeText.ClrName(o.Type)}> output{k}"));
        for (int i = 0; i < inputs.Count; i++) L(2, $"// input{i}: '{SafeText.CommentName(inputs[i].Name)}' {inputs[i].Type}");
        for (int k = 0; k < outputs.Count; k++) L(2, $"// output{k}: '{SafeText.CommentName(outputs[k].Name)}' {DataTypes.ShortName(outputs[k].Type)}{Tensor.ShapeString(outputs[k].Shape)}");
        L(2, $"public void Run({string.Join(", ", parms)})");
        L(2, "{");
        for (int i = 0; i < inputs.Count; i++)
        {
            long n = Tensor.ElementCount(inputs[i].Type.StaticShape());
            L(3, $"if (input{i}.Length != {n}) throw new EngineException(\"compiled model: input {i} needs {n} elements, got \" + input{i}.Length);");
        }
        for (int k = 0; k < outputs.Count; k++)
        {
            long n = Tensor.ElementCount(outputs[k].Shape);
            L(3, $"if (output{k}.Length != {n}) throw new EngineException(\"compiled model: output {k} needs {n} elements, got \" + output{k}.Length);");
        }
        foreach (var l in _locals) L(3, l);
        sb.Append(_body);
        L(2, "}");
        L(0, "");
        L(2, "private KernelContext Ctx(int slot, int seed)");
        L(2, "{");
        L(3, "var c = _contexts[slot];");
        L(3, "return new KernelContext(c.Attributes, c.OutputCount, c.NodeName) { Threads = c.Threads, Random = new Random(seed) };");
        L(2, "}");
        L(0, "");
        L(2, "private static Tensor Out(Tensor[] results, int index, DataType type, int[] shape, KernelContext c)");
        L(2, "{");
        L(3, "var t = index < results.Length ? results[index] : null;");
        L(3, "if (t == null) throw c.Fail(\"the reference kernel did not produce output \" + index);");
        L(3, "if (t.Type != type || !t.Shape.AsSpan().SequenceEqual(shape))");
        L(4, "throw c.Fail(\"the reference kernel produced \" + t + \" for output \" + index + \", the compiled graph expects \" + type + Tensor.ShapeString(shape));");
        L(3, "return t;");
        L(2, "}");
        L(1, "}");
        L(0, "}");
        return sb.ToString();
    }
}
