using System.Text;
using Engine.Graph;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Google.Protobuf;
using IrGraph = Engine.Graph.Graph;

namespace Engine.Onnx;

/// <summary>
/// Reads an ONNX model into our IR. Each node is bound to its registered op; nodes from older
/// opsets are brought to the op's canonical (latest) form by the op's own versioned import rules.
/// Any unsupported op fails the whole import with one message listing every op@opset missing.
/// </summary>
public sealed class OnnxImporter
{
    /// <summary>Largest model file we read (guards against absurd allocations).</summary>
    public const long MaxModelBytes = 4L << 30;

    private readonly OpRegistry _registry;

    public OnnxImporter(OpRegistry? registry = null) => _registry = registry ?? OpRegistry.Default;

    public Model Load(string path)
    {
        if (!File.Exists(path)) throw new EngineException($"{path}: file not found");
        var info = new FileInfo(path);
        if (info.Length > MaxModelBytes) throw new EngineException($"{path}: {info.Length} bytes is over the {MaxModelBytes}-byte limit");
        ModelProto proto;
        try
        {
            using var f = File.OpenRead(path);
            proto = ModelProto.Parser.ParseFrom(f);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new EngineException($"{path}: not a valid ONNX model ({e.Message.Split('\n')[0]})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException($"{path}: cannot read ({e.Message})");
        }
        return Import(proto, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    public Model Import(ModelProto proto, string source = "model", string? baseDirectory = null)
    {
        try
        {
            return ImportModel(proto, source, baseDirectory);
        }
        catch (EngineException e) when (!IsLocatedOneLine(e.Message, source))
        {
            // Errors from deeper layers (topological sort, type inference) do not know the file;
            // names from a corrupt file may hold line breaks. Report one line that names the file.
            var line = new string(e.Message.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
            throw new EngineException(line.StartsWith(source, StringComparison.Ordinal) ? line : $"{source}: {line}", e);
        }
    }

    private static bool IsLocatedOneLine(string message, string source) =>
        message.StartsWith(source, StringComparison.Ordinal) && !message.Any(char.IsControl);

    private Model ImportModel(ModelProto proto, string source, string? baseDirectory)
    {
        if (proto.Graph is null) throw new EngineException($"{source}: the model has no graph");
        var session = new Session(this, source, baseDirectory);
        foreach (var o in proto.OpsetImport)
        {
            var domain = OpRegistry.NormalizeDomain(o.Domain);
            session.Opsets[domain] = o.Version;
        }
        if (!session.Opsets.ContainsKey("") && proto.OpsetImport.Count == 0) session.Opsets[""] = 1;
        session.CheckSupported(proto.Graph);
        var graph = session.ImportGraph(proto.Graph, null, null);
        var model = new Model(graph)
        {
            ProducerName = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
            DocString = proto.DocString,
            Source = source,
        };
        foreach (var kv in session.Opsets) model.Opsets[kv.Key] = kv.Value;
        return model;
    }

    private sealed class Scope
    {
        public Scope(Scope? parent) => Parent = parent;

        public Scope? Parent { get; }

        public Dictionary<string, Value> Values { get; } = new(StringComparer.Ordinal);

        public Value? Find(string name)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.Values.TryGetValue(name, out var v)) return v;
            }
            return null;
        }
    }

    private sealed class Session
    {
        private readonly OnnxImporter _owner;
        private readonly string _source;
        private readonly string? _baseDirectory;
        private int _nodeCounter;

        public Session(OnnxImporter owner, string source, string? baseDirectory)
        {
            _owner = owner;
            _source = source;
            _baseDirectory = baseDirectory;
        }

        public Dictionary<string, long> Opsets { get; } = new();

        private OpRegistry Registry => _owner._registry;

        /// <summary>Walks every node (subgraphs too) and fails once, listing all unsupported ops.</summary>
        public void CheckSupported(GraphProto g)
        {
            var missing = new Dictionary<string, string>(StringComparer.Ordinal);
            var missingDomains = new SortedSet<string>(StringComparer.Ordinal);
            Walk(g, missing, missingDomains);
            if (missingDomains.Count > 0)
                throw new EngineException($"{_source}: nodes use domains the model does not import: {string.Join(", ", missingDomains)}");
            if (missing.Count > 0)
            {
                var list = string.Join("; ", missing.Select(kv => $"{kv.Key} (first at node '{kv.Value}')"));
                throw new EngineException($"{_source}: {missing.Count} unsupported op{(missing.Count == 1 ? "" : "s")}: {list}");
            }
        }

        private void Walk(GraphProto g, Dictionary<string, string> missing, SortedSet<string> missingDomains)
        {
            foreach (var n in g.Node)
            {
                var domain = OpRegistry.NormalizeDomain(n.Domain);
                if (!Opsets.TryGetValue(domain, out var opset))
                {
                    if (domain.Length > 0) missingDomains.Add(n.Domain);
                    opset = 0;
                }
                if (!Registry.TryGet(domain, n.OpType, out _))
                {
                    var key = $"{(domain.Length == 0 ? "" : domain + "::")}{n.OpType}@{opset}";
                    missing.TryAdd(key, n.Name.Length > 0 ? n.Name : n.OpType);
                }
                foreach (var a in n.Attribute)
                {
                    if (a.G is not null) Walk(a.G, missing, missingDomains);
                    foreach (var sg in a.Graphs) Walk(sg, missing, missingDomains);
                }
            }
        }

        public IrGraph ImportGraph(GraphProto gp, IrGraph? parent, Scope? parentScope)
        {
            var graph = new IrGraph(gp.Name.Length > 0 ? gp.Name : "main") { Parent = parent };
            var scope = new Scope(parentScope);
            string where = parent is null ? _source : $"{_source}: subgraph '{graph.Name}'";
            var declared = new Dictionary<string, TypeProto>(StringComparer.Ordinal);
            foreach (var vi in gp.ValueInfo) declared[vi.Name] = vi.Type;
            foreach (var vi in gp.Output) declared.TryAdd(vi.Name, vi.Type);

            foreach (var tp in gp.Initializer)
            {
                if (tp.Name.Length == 0) throw new EngineException($"{where}: an initializer has no name");
                var t = TensorProtoConverter.ToTensor(tp, where, _baseDirectory);
                if (scope.Values.ContainsKey(tp.Name)) throw new EngineException($"{where}: initializer '{tp.Name}' is defined twice");
                scope.Values[tp.Name] = graph.AddInitializer(tp.Name, t);
            }
            foreach (var sp in gp.SparseInitializer)
            {
                var t = SparseToDense(sp, where);
                var name = sp.Values?.Name ?? "";
                scope.Values[name] = graph.AddInitializer(name, t);
            }
            foreach (var vi in gp.Input)
            {
                var type = OnnxTypes.ToTensorType(vi.Type, $"{where}: input '{vi.Name}'");
                if (scope.Values.TryGetValue(vi.Name, out var init))
                {
                    // An input that is also an initializer: the initializer is its default value.
                    graph.Inputs.Add(init);
                    continue;
                }
                scope.Values[vi.Name] = graph.AddInput(vi.Name, type);
            }
            foreach (var np in gp.Node) ImportNode(np, graph, scope, declared, where);
            foreach (var vi in gp.Output)
            {
                var v = scope.Find(vi.Name) ?? throw new EngineException($"{where}: output '{vi.Name}' is never defined");
                graph.Outputs.Add(v);
            }
            graph.TopologicalSort();
            TypePropagation.Run(graph);
            foreach (var vi in gp.Output)
            {
                var v = scope.Find(vi.Name)!;
                var t = OnnxTypes.ToTensorType(vi.Type, $"{where}: output '{vi.Name}'");
                if (v.Producer is { } p) v.Type = TypePropagation.Merge(p, v, t);
            }
            return graph;
        }

        private void ImportNode(NodeProto np, IrGraph graph, Scope scope, Dictionary<string, TypeProto> declared, string where)
        {
            _nodeCounter++;
            var name = np.Name.Length > 0 ? np.Name : $"{np.OpType}_{_nodeCounter}";
            var domain = OpRegistry.NormalizeDomain(np.Domain);
            var schema = Registry.Get(domain, np.OpType);
            long opset = Opsets.GetValueOrDefault(domain, 1);
            var node = new Node(schema, name);
            string nodeWhere = $"{_source}: node '{name}' ({np.OpType})";
            foreach (var input in np.Input)
            {
                if (input.Length == 0)
                {
                    node.AddInput(null);
                    continue;
                }
                var v = scope.Find(input) ?? throw new EngineException($"{nodeWhere} reads '{input}', which is not defined before it");
                node.AddInput(v);
            }
            // Attributes of an older opset's form (e.g. Add-6's 'broadcast') are checked only after
            // the upgrade rules had the chance to rewrite them away.
            bool upgrading = schema.ImportRules.Any(r => r.IntroducedIn > opset);
            foreach (var a in np.Attribute) SetAttribute(node, schema, a, graph, scope, nodeWhere, upgrading);
            foreach (var output in np.Output)
            {
                if (output.Length == 0)
                {
                    node.AddAbsentOutput();
                    continue;
                }
                if (scope.Values.ContainsKey(output))
                    throw new EngineException($"{nodeWhere} defines '{output}', which is already defined (values must be defined once)");
                var type = declared.TryGetValue(output, out var tp) ? OnnxTypes.ToTensorType(tp, $"{nodeWhere}: output '{output}'") : TensorType.Unknown();
                scope.Values[output] = node.AddOutput(new Value(output, type));
            }
            if (node.Inputs.Count < schema.MinInputs && schema.ImportRules.Count == 0)
                throw new EngineException($"{nodeWhere} has {node.Inputs.Count} inputs but needs at least {schema.MinInputs}");
            graph.AddNode(node);
            foreach (var rule in schema.ImportRules)
            {
                if (rule.IntroducedIn <= opset) continue;
                var ctx = new ImportRuleContext(node, opset, Registry,
                    (t, hint) =>
                    {
                        var v = graph.AddInitializer(NodeFactory.FreshName(hint), t);
                        return v;
                    },
                    n => graph.InsertNode(graph.IndexOf(node), n));
                rule.Rule(ctx);
            }
            node.TrimInputs();
            if (node.Inputs.Count < node.Schema.MinInputs)
                throw new EngineException($"{nodeWhere} has {node.Inputs.Count} inputs but needs at least {node.Schema.MinInputs}");
            if (node.Inputs.Count > node.Schema.MaxInputs)
                throw new EngineException($"{nodeWhere} has {node.Inputs.Count} inputs but takes at most {node.Schema.MaxInputs}");
            if (node.Outputs.Count > node.Schema.MaxOutputs)
                throw new EngineException($"{nodeWhere} has {node.Outputs.Count} outputs but produces at most {node.Schema.MaxOutputs}");
            if (upgrading && !node.Schema.AllowsUnknownAttributes)
            {
                foreach (var kv in node.Attributes.Explicit)
                {
                    if (!node.Schema.Attributes.ContainsKey(kv.Key))
                        throw new EngineException($"{nodeWhere}: attribute '{kv.Key}' is not an attribute of {node.Schema.QualifiedName}");
                }
            }
            foreach (var spec in node.Schema.Attributes.Values)
            {
                if (spec.Required && !node.Attributes.HasExplicit(spec.Name))
                    throw new EngineException($"{nodeWhere}: required attribute '{spec.Name}' is missing");
            }
        }

        private void SetAttribute(Node node, OpSchema schema, AttributeProto a, IrGraph graph, Scope scope, string nodeWhere, bool deferUnknown = false)
        {
            if (a.RefAttrName.Length > 0)
                throw new EngineException($"{nodeWhere}: attribute '{a.Name}' refers to a function attribute, which is only valid inside functions");
            schema.Attributes.TryGetValue(a.Name, out var spec);
            if (spec is null && !schema.AllowsUnknownAttributes && !deferUnknown)
                throw new EngineException($"{nodeWhere}: attribute '{a.Name}' is not an attribute of {schema.QualifiedName}");
            string what = $"{nodeWhere}: attribute '{a.Name}'";
            var kind = a.Type != AttributeProto.Types.AttributeType.Undefined ? a.Type : GuessKind(a);
            object value = kind switch
            {
                AttributeProto.Types.AttributeType.Float => a.F,
                AttributeProto.Types.AttributeType.Int => a.I,
                AttributeProto.Types.AttributeType.String => a.S.ToStringUtf8(),
                AttributeProto.Types.AttributeType.Tensor => a.T is null ? throw new EngineException($"{what} has no tensor") : TensorProtoConverter.ToTensor(a.T, what, _baseDirectory),
                AttributeProto.Types.AttributeType.SparseTensor => a.SparseTensor is null ? throw new EngineException($"{what} has no sparse tensor") : SparseToDense(a.SparseTensor, what),
                AttributeProto.Types.AttributeType.Graph => a.G is null ? throw new EngineException($"{what} has no graph") : ImportGraph(a.G, graph, scope),
                AttributeProto.Types.AttributeType.Floats => a.Floats.ToArray(),
                AttributeProto.Types.AttributeType.Ints => a.Ints.ToArray(),
                AttributeProto.Types.AttributeType.Strings => a.Strings.Select(s => s.ToStringUtf8()).ToArray(),
                AttributeProto.Types.AttributeType.Tensors => a.Tensors.Select(t => TensorProtoConverter.ToTensor(t, what, _baseDirectory)).ToArray(),
                AttributeProto.Types.AttributeType.Graphs => a.Graphs.Select(g => ImportGraph(g, graph, scope)).ToArray(),
                AttributeProto.Types.AttributeType.TypeProto => OnnxTypes.ToTensorType(a.Tp, what),
                _ => throw new EngineException($"{what} has unsupported kind {kind}"),
            };
            if (spec is not null) value = Coerce(value, spec.Type, what);
            node.Attributes.Set(a.Name, value);
        }

        private static object Coerce(object value, AttrType want, string what) => (value, want) switch
        {
            (long l, AttrType.Float) => (float)l,
            (long[] l, AttrType.Floats) => l.Select(x => (float)x).ToArray(),
            (float[] { Length: 0 }, AttrType.Ints) => Array.Empty<long>(),
            (long, AttrType.Int) or (float, AttrType.Float) or (string, AttrType.String) or (Tensor, AttrType.Tensor)
                or (IrGraph, AttrType.Graph) or (long[], AttrType.Ints) or (float[], AttrType.Floats)
                or (string[], AttrType.Strings) or (Tensor[], AttrType.Tensors) or (IrGraph[], AttrType.Graphs) => value,
            (TensorType, _) => value,
            _ => throw new EngineException($"{what} should be {want.ToString().ToLowerInvariant()} but is {KindName(value)}"),
        };

        private static string KindName(object v) => v switch
        {
            long => "int",
            float => "float",
            string => "string",
            long[] => "ints",
            float[] => "floats",
            string[] => "strings",
            Tensor => "tensor",
            IrGraph => "graph",
            _ => v.GetType().Name,
        };

        /// <summary>Old models (IR version 1–2) leave the attribute kind unset; infer it from the field present.</summary>
        private static AttributeProto.Types.AttributeType GuessKind(AttributeProto a)
        {
            if (a.T is not null) return AttributeProto.Types.AttributeType.Tensor;
            if (a.G is not null) return AttributeProto.Types.AttributeType.Graph;
            if (a.Floats.Count > 0) return AttributeProto.Types.AttributeType.Floats;
            if (a.Ints.Count > 0) return AttributeProto.Types.AttributeType.Ints;
            if (a.Strings.Count > 0) return AttributeProto.Types.AttributeType.Strings;
            if (a.HasS) return AttributeProto.Types.AttributeType.String;
            if (a.HasF) return AttributeProto.Types.AttributeType.Float;
            if (a.HasI) return AttributeProto.Types.AttributeType.Int;
            return AttributeProto.Types.AttributeType.Ints;
        }

        private Tensor SparseToDense(SparseTensorProto sp, string what)
        {
            if (sp.Values is null || sp.Indices is null) throw new EngineException($"{what}: sparse tensor lacks values or indices");
            var values = TensorProtoConverter.ToTensor(sp.Values, what, _baseDirectory);
            var indices = TensorProtoConverter.ToTensor(sp.Indices, what, _baseDirectory).ToInt64Array();
            var shape = sp.Dims.Select(d => d is < 0 or > int.MaxValue ? throw new EngineException($"{what}: invalid sparse dim {d}") : (int)d).ToArray();
            // The dense form is allocated from dims alone: bound it as dense tensors are bounded.
            if (Tensor.ElementCount(shape) * Math.Max(1, DataTypes.Size(values.Type)) > TensorProtoConverter.MaxTensorBytes)
                throw new EngineException($"{what}: sparse tensor of shape {Tensor.ShapeString(shape)} is over the size limit");
            var dense = Tensor.Zeros(values.Type, shape);
            long total = dense.Length;
            int nnz = values.Length;
            var strides = Tensor.StridesOf(shape);
            bool linear = sp.Indices.Dims.Count == 1;
            if (linear ? indices.Length != nnz : indices.Length != (long)nnz * shape.Length)
                throw new EngineException($"{what}: sparse indices do not match {nnz} values");
            for (int i = 0; i < nnz; i++)
            {
                long off = 0;
                if (linear) off = indices[i];
                else
                {
                    for (int d = 0; d < shape.Length; d++)
                    {
                        long ix = indices[i * shape.Length + d];
                        if (ix < 0 || ix >= shape[d]) throw new EngineException($"{what}: sparse index {ix} out of range for dim {d} of {Tensor.ShapeString(shape)}");
                        off += ix * strides[d];
                    }
                }
                if (off < 0 || off >= total) throw new EngineException($"{what}: sparse index {off} out of range");
                Array.Copy(values.Data, i, dense.Data, off, 1);
            }
            return dense;
        }
    }
}
