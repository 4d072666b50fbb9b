using Engine.Graph;
using Engine.Onnx.Proto;
using Engine.Runtime;

namespace Engine.Onnx.Inspection;

/// <summary>
/// Summarises a model: signature, opsets, op histogram, parameters and estimated FLOPs. Reads
/// models with ops the engine does not define yet (as opaque placeholders), so it works on any
/// well-formed model; shapes come from our inference, or from the file's value_info where an op
/// has no inference yet.
/// </summary>
public static class ModelInspector
{
    public static ModelReport Inspect(string path)
    {
        var proto = OnnxModelFile.Read(path);
        return Inspect(proto, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    public static ModelReport Inspect(ModelProto proto, string source, string? baseDirectory)
    {
        var registry = PermissiveRegistry.For(proto);
        var model = new OnnxImporter(registry).Import(proto, source, baseDirectory);
        var g = model.Graph;

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstDomain = new Dictionary<string, (string Domain, string Op)>(StringComparer.Ordinal);
        int nodes = 0, subgraphs = 0;
        var parameters = new TensorAccumulator();
        WalkProto(proto.Graph, (n) =>
        {
            nodes++;
            var key = Qualified(n.Domain, n.OpType);
            counts[key] = counts.GetValueOrDefault(key) + 1;
            firstDomain.TryAdd(key, (n.Domain, n.OpType));
        }, sg => subgraphs++, parameters);

        var flops = new Dictionary<string, (double Flops, int Unknown)>(StringComparer.Ordinal);
        int known = 0, unknownShape = 0, noRule = 0;
        double total = 0;
        var constants = new TensorAccumulator();
        foreach (var n in g.AllNodes())
        {
            var e = FlopEstimator.Estimate(n);
            var key = n.Schema.QualifiedName;
            var (f, u) = flops.GetValueOrDefault(key);
            switch (e.Status)
            {
                case FlopStatus.Known: known++; total += e.Flops; f += e.Flops; break;
                case FlopStatus.UnknownShape: unknownShape++; u++; break;
                default: noRule++; u++; break;
            }
            flops[key] = (f, u);
            if (n.OpType == "Constant" && n.Domain.Length == 0)
            {
                foreach (var (_, value) in n.Attributes.Explicit)
                {
                    if (value is Tensor t) constants.Add(t);
                }
            }
        }

        var ops = counts.Keys.Union(flops.Keys, StringComparer.Ordinal)
            .Select(key =>
            {
                var schema = FindSchema(registry, key, firstDomain);
                var (f, u) = flops.GetValueOrDefault(key);
                bool supported = schema is not null && !PermissiveRegistry.IsPlaceholder(schema);
                bool hasRule = schema is not null && schema.Domain.Length == 0 && FlopEstimator.Rules.ContainsKey(schema.Name);
                return new OpEntry(key, counts.GetValueOrDefault(key), supported, hasRule, f, u);
            })
            .OrderByDescending(o => o.Count).ThenBy(o => o.Op, StringComparer.Ordinal)
            .ToList();

        var unsupported = ops.Where(o => !o.Supported && o.Count > 0)
            .Select(o => $"{o.Op}@{model.Opsets.GetValueOrDefault(OpRegistry.NormalizeDomain(firstDomain[o.Op].Domain), 0)}")
            .ToList();

        return new ModelReport
        {
            Path = source,
            IrVersion = proto.IrVersion,
            Producer = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
            GraphName = proto.Graph.Name,
            Opsets = proto.OpsetImport.Select(o => new OpsetEntry(o.Domain.Length == 0 ? "ai.onnx" : o.Domain, o.Version)).ToList(),
            Inputs = g.Inputs.Where(v => !g.IsInitializer(v)).Select(Describe).ToList(),
            Outputs = g.Outputs.Select(Describe).ToList(),
            Nodes = nodes,
            Subgraphs = subgraphs,
            Ops = ops,
            Parameters = parameters.Stats,
            ConstantNodes = constants.Stats,
            Flops = new FlopSummary(total, known, unknownShape, noRule, "a multiply-add is 2 FLOPs; elementwise ops 1 per output element; subgraph bodies counted once"),
            UnsupportedOps = unsupported,
        };
    }

    private static string Qualified(string domain, string op)
    {
        var d = OpRegistry.NormalizeDomain(domain);
        return d.Length == 0 ? op : d + "::" + op;
    }

    private static OpSchema? FindSchema(OpRegistry r, string key, Dictionary<string, (string Domain, string Op)> fromFile)
    {
        if (fromFile.TryGetValue(key, out var k)) return r.TryGet(k.Domain, k.Op, out var s) ? s : null;
        int sep = key.IndexOf("::", StringComparison.Ordinal);
        var (domain, op) = sep < 0 ? ("", key) : (key[..sep], key[(sep + 2)..]);
        return r.TryGet(domain, op, out var s2) ? s2 : null;
    }

    private static void WalkProto(GraphProto g, Action<NodeProto> onNode, Action<GraphProto> onSubgraph, TensorAccumulator parameters)
    {
        foreach (var t in g.Initializer) parameters.Add(t);
        foreach (var s in g.SparseInitializer)
        {
            if (s.Values is not null) parameters.Add(s.Values);
        }
        foreach (var n in g.Node)
        {
            onNode(n);
            foreach (var a in n.Attribute)
            {
                var subs = a.G is not null ? a.Graphs.Prepend(a.G) : a.Graphs;
                foreach (var sg in subs)
                {
                    onSubgraph(sg);
                    WalkProto(sg, onNode, onSubgraph, parameters);
                }
            }
        }
    }

    private static ValueEntry Describe(Value v)
    {
        var dims = v.Type.Dims?.Select(d => d.IsKnown ? (object?)d.Value : d.Symbol).ToList();
        return new ValueEntry(v.Name, DataTypes.ShortName(v.Type.Elem), v.Type.ShapeText, dims);
    }

    /// <summary>Counts tensors, elements and bytes; proto tensors are counted from their dims without reading data.</summary>
    private sealed class TensorAccumulator
    {
        private int _tensors;
        private long _elements;
        private long _bytes;

        public TensorStats Stats => new(_tensors, _elements, _bytes);

        public void Add(TensorProto t)
        {
            long n = 1;
            foreach (var d in t.Dims) n = checked(n * d);
            _tensors++;
            _elements += n;
            var type = (DataType)t.DataType;
            _bytes += type == DataType.String ? t.StringData.Sum(s => (long)s.Length) : n * DataTypes.Size(type);
        }

        public void Add(Tensor t)
        {
            _tensors++;
            _elements += t.Length;
            _bytes += t.Data is string[] s ? s.Sum(x => (long)System.Text.Encoding.UTF8.GetByteCount(x)) : (long)t.Length * DataTypes.Size(t.Type);
        }
    }
}
