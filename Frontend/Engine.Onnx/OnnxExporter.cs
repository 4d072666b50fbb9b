using Engine.Graph;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Google.Protobuf;
using IrGraph = Engine.Graph.Graph;

namespace Engine.Onnx;

/// <summary>
/// Writes an IR graph as ONNX. Our canonical op forms are the latest ONNX ones, so the opset of
/// each domain is the highest canonical version among the ops used; value names are made unique.
/// </summary>
public static class OnnxExporter
{
    public static ModelProto Export(Model model) => Export(model.Graph, model.ProducerName.Length > 0 ? model.DocString : "");

    public static ModelProto Export(IrGraph graph, string docString = "")
    {
        var names = new NameTable();
        var opsets = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var gp = ExportGraph(graph, names, opsets);
        if (!opsets.ContainsKey("")) opsets[""] = 13;
        var model = new ModelProto
        {
            IrVersion = opsets[""] <= 22 ? 10 : 11,
            ProducerName = "engine",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            DocString = docString,
            Graph = gp,
        };
        foreach (var kv in opsets) model.OpsetImport.Add(new OperatorSetIdProto { Domain = kv.Key, Version = kv.Value });
        return model;
    }

    public static void Save(IrGraph graph, string path) => SafeFile.WriteAllBytes(path, Export(graph).ToByteArray());

    public static void Save(Model model, string path) => SafeFile.WriteAllBytes(path, Export(model).ToByteArray());

    private static GraphProto ExportGraph(IrGraph g, NameTable names, SortedDictionary<string, int> opsets)
    {
        var gp = new GraphProto { Name = g.Name };
        foreach (var v in g.Inputs)
        {
            gp.Input.Add(new ValueInfoProto { Name = names.Of(v), Type = OnnxTypes.FromTensorType(v.Type) });
        }
        foreach (var v in g.InitializerValues)
        {
            gp.Initializer.Add(TensorProtoConverter.FromTensor(g.Initializers[v], names.Of(v)));
        }
        foreach (var n in g.Nodes)
        {
            var np = new NodeProto { Name = n.Name, OpType = n.OpType, Domain = n.Domain };
            foreach (var v in n.Inputs) np.Input.Add(v is null ? "" : names.Of(v));
            foreach (var v in n.Outputs) np.Output.Add(v is null ? "" : names.Of(v));
            foreach (var (key, value) in n.Attributes.Explicit) np.Attribute.Add(ExportAttribute(key, value, names, opsets));
            gp.Node.Add(np);
            opsets[n.Domain] = Math.Max(opsets.GetValueOrDefault(n.Domain, 1), n.Schema.Version);
            foreach (var v in n.Outputs)
            {
                if (v is not null && (v.Type.Elem != DataType.Undefined) && !g.Outputs.Contains(v))
                    gp.ValueInfo.Add(new ValueInfoProto { Name = names.Of(v), Type = OnnxTypes.FromTensorType(v.Type) });
            }
        }
        foreach (var v in g.Outputs)
        {
            gp.Output.Add(new ValueInfoProto { Name = names.Of(v), Type = OnnxTypes.FromTensorType(v.Type) });
        }
        return gp;
    }

    private static AttributeProto ExportAttribute(string name, object value, NameTable names, SortedDictionary<string, int> opsets)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            case long[] l: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(l); break;
            case float[] f: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(f); break;
            case string[] s: a.Type = AttributeProto.Types.AttributeType.Strings; a.Strings.AddRange(s.Select(ByteString.CopyFromUtf8)); break;
            case Tensor t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = TensorProtoConverter.FromTensor(t, ""); break;
            case Tensor[] ts: a.Type = AttributeProto.Types.AttributeType.Tensors; a.Tensors.AddRange(ts.Select(t => TensorProtoConverter.FromTensor(t, ""))); break;
            case IrGraph g: a.Type = AttributeProto.Types.AttributeType.Graph; a.G = ExportGraph(g, names, opsets); break;
            case IrGraph[] gs: a.Type = AttributeProto.Types.AttributeType.Graphs; a.Graphs.AddRange(gs.Select(g => ExportGraph(g, names, opsets))); break;
            case TensorType tt: a.Type = AttributeProto.Types.AttributeType.TypeProto; a.Tp = OnnxTypes.FromTensorType(tt); break;
            default: throw new EngineException($"attribute '{name}' of kind {value.GetType().Name} cannot be exported");
        }
        return a;
    }

    /// <summary>Gives every value one unique ONNX name, keeping the IR name when it is free.</summary>
    private sealed class NameTable
    {
        private readonly Dictionary<Value, string> _names = new();
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string Of(Value v)
        {
            if (_names.TryGetValue(v, out var n)) return n;
            var baseName = v.Name.Length > 0 ? v.Name : "v";
            n = baseName;
            for (int i = 1; !_used.Add(n); i++) n = $"{baseName}_{i}";
            _names[v] = n;
            return n;
        }
    }
}
