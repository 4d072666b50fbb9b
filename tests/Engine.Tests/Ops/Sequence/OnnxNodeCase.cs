using System.Text;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops;

/// <summary>
/// Reads one single-node ONNX backend test (model.onnx + test_data_set_0) with a minimal protobuf
/// decoder, enough to run an op's kernel directly on the official inputs before the importer exists.
/// </summary>
internal sealed class OnnxNodeCase
{
    public string OpType = "";
    public List<string> NodeInputs = new();
    public List<string> NodeOutputs = new();
    public List<string> GraphInputs = new();
    public List<string> GraphOutputs = new();
    public List<(string Name, object Value)> Attributes = new();
    public List<Tensor> Inputs = new();
    public List<Tensor> Outputs = new();

    public static string? Root()
    {
        foreach (var p in new[] { "/work/shared/onnx/node", Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/onnx/node") })
        {
            if (Directory.Exists(p)) return Path.GetFullPath(p);
        }
        return null;
    }

    public static OnnxNodeCase Load(string dir)
    {
        var c = new OnnxNodeCase();
        var model = File.ReadAllBytes(Path.Combine(dir, "model.onnx"));
        foreach (var (f, _, v) in Fields(model))
        {
            if (f == 7) c.ReadGraph((byte[])v);
        }
        var data = Path.Combine(dir, "test_data_set_0");
        for (int i = 0; File.Exists(Path.Combine(data, $"input_{i}.pb")); i++) c.Inputs.Add(ReadTensor(File.ReadAllBytes(Path.Combine(data, $"input_{i}.pb"))));
        for (int i = 0; File.Exists(Path.Combine(data, $"output_{i}.pb")); i++) c.Outputs.Add(ReadTensor(File.ReadAllBytes(Path.Combine(data, $"output_{i}.pb"))));
        return c;
    }

    /// <summary>Runs the op's kernel; returns a description of every mismatch (empty when all match).</summary>
    public List<string> Run(OpRegistry registry)
    {
        var schema = registry.Get(OpType);
        var attrs = new AttributeMap(schema.Defaults) { Owner = OpType };
        foreach (var (n, v) in Attributes) attrs.Set(n, v);
        var byName = new Dictionary<string, Tensor>();
        for (int i = 0; i < GraphInputs.Count && i < Inputs.Count; i++) byName[GraphInputs[i]] = Inputs[i];
        var args = NodeInputs.Select(n => n.Length == 0 ? null : byName[n]).ToArray();
        var ctx = new KernelContext(attrs, NodeOutputs.Count, "node");
        var got = schema.Kernel!(ctx, args);
        var problems = new List<string>();
        for (int i = 0; i < GraphOutputs.Count; i++)
        {
            int slot = NodeOutputs.IndexOf(GraphOutputs[i]);
            var want = Outputs[i];
            var have = slot < got.Length ? got[slot] : null;
            if (have is null) { problems.Add($"output {GraphOutputs[i]} missing"); continue; }
            if (have.Type != want.Type || !have.Shape.SequenceEqual(want.Shape))
            {
                problems.Add($"output {GraphOutputs[i]}: got {have}, want {want}");
                continue;
            }
            var a = have.ToDoubleArray();
            var b = want.ToDoubleArray();
            int bad = 0;
            string first = "";
            for (int j = 0; j < a.Length; j++)
            {
                bool ok = double.IsNaN(b[j]) ? double.IsNaN(a[j]) : Math.Abs(a[j] - b[j]) <= 1e-7 + 1e-3 * Math.Abs(b[j]) || a[j] == b[j];
                if (!ok && bad++ == 0) first = $"[{j}] got {a[j]} want {b[j]}";
            }
            if (bad > 0) problems.Add($"output {GraphOutputs[i]}: {bad}/{a.Length} differ, first {first}");
        }
        return problems;
    }

    private void ReadGraph(byte[] g)
    {
        foreach (var (f, _, v) in Fields(g))
        {
            if (f == 1) ReadNode((byte[])v);
            else if (f == 11) GraphInputs.Add(NameOf((byte[])v));
            else if (f == 12) GraphOutputs.Add(NameOf((byte[])v));
        }
    }

    private static string NameOf(byte[] valueInfo)
    {
        foreach (var (f, _, v) in Fields(valueInfo))
        {
            if (f == 1) return Encoding.UTF8.GetString((byte[])v);
        }
        return "";
    }

    private void ReadNode(byte[] n)
    {
        foreach (var (f, _, v) in Fields(n))
        {
            switch (f)
            {
                case 1: NodeInputs.Add(Encoding.UTF8.GetString((byte[])v)); break;
                case 2: NodeOutputs.Add(Encoding.UTF8.GetString((byte[])v)); break;
                case 4: OpType = Encoding.UTF8.GetString((byte[])v); break;
                case 5: Attributes.Add(ReadAttribute((byte[])v)); break;
            }
        }
    }

    private static (string, object) ReadAttribute(byte[] a)
    {
        string name = "";
        long type = 0;
        float f = 0;
        long i = 0;
        byte[] s = [];
        Tensor? t = null;
        var floats = new List<float>();
        var ints = new List<long>();
        var strings = new List<string>();
        foreach (var (fn, wt, v) in Fields(a))
        {
            switch (fn)
            {
                case 1: name = Encoding.UTF8.GetString((byte[])v); break;
                case 2: f = BitConverter.Int32BitsToSingle((int)(long)v); break;
                case 3: i = (long)v; break;
                case 4: s = (byte[])v; break;
                case 5: t = ReadTensor((byte[])v); break;
                case 7:
                    if (wt == 2) { var bytes = (byte[])v; for (int k = 0; k < bytes.Length; k += 4) floats.Add(BitConverter.ToSingle(bytes, k)); }
                    else floats.Add(BitConverter.Int32BitsToSingle((int)(long)v));
                    break;
                case 8:
                    if (wt == 2) ints.AddRange(Varints((byte[])v));
                    else ints.Add((long)v);
                    break;
                case 9: strings.Add(Encoding.UTF8.GetString((byte[])v)); break;
                case 20: type = (long)v; break;
            }
        }
        object value = type switch
        {
            1 => f,
            2 => i,
            3 => Encoding.UTF8.GetString(s),
            4 => t!,
            6 => floats.ToArray(),
            7 => ints.ToArray(),
            8 => strings.ToArray(),
            _ => throw new InvalidDataException($"attribute {name} of type {type} is not supported by the test reader"),
        };
        return (name, value);
    }

    public static Tensor ReadTensor(byte[] buf)
    {
        var dims = new List<long>();
        int dataType = 0;
        byte[]? raw = null;
        var floats = new List<float>();
        var i32 = new List<long>();
        var i64 = new List<long>();
        var doubles = new List<double>();
        foreach (var (f, wt, v) in Fields(buf))
        {
            switch (f)
            {
                case 1: if (wt == 2) dims.AddRange(Varints((byte[])v)); else dims.Add((long)v); break;
                case 2: dataType = (int)(long)v; break;
                case 4:
                    if (wt == 2) { var b = (byte[])v; for (int k = 0; k < b.Length; k += 4) floats.Add(BitConverter.ToSingle(b, k)); }
                    else floats.Add(BitConverter.Int32BitsToSingle((int)(long)v));
                    break;
                case 5: if (wt == 2) i32.AddRange(Varints((byte[])v)); else i32.Add((long)v); break;
                case 7: if (wt == 2) i64.AddRange(Varints((byte[])v)); else i64.Add((long)v); break;
                case 9: raw = (byte[])v; break;
                case 10:
                    if (wt == 2) { var b = (byte[])v; for (int k = 0; k < b.Length; k += 8) doubles.Add(BitConverter.ToDouble(b, k)); }
                    else doubles.Add(BitConverter.Int64BitsToDouble((long)v));
                    break;
            }
        }
        var type = (DataType)dataType;
        var shape = dims.Select(d => (int)d).ToArray();
        if (raw is not null) return Tensor.FromRawBytes(type, shape, raw);
        return type switch
        {
            DataType.Float => new Tensor(type, shape, floats.ToArray()),
            DataType.Double => new Tensor(type, shape, doubles.ToArray()),
            DataType.Int64 => new Tensor(type, shape, i64.ToArray()),
            DataType.Int32 => new Tensor(type, shape, i32.Select(x => (int)x).ToArray()),
            DataType.Bool => new Tensor(type, shape, i32.Select(x => x != 0).ToArray()),
            DataType.Float16 => new Tensor(type, shape, i32.Select(x => BitConverter.UInt16BitsToHalf((ushort)x)).ToArray()),
            _ => throw new InvalidDataException($"tensor type {type} without raw_data is not supported by the test reader"),
        };
    }

    private static IEnumerable<long> Varints(byte[] b)
    {
        int p = 0;
        while (p < b.Length) yield return ReadVarint(b, ref p);
    }

    private static long ReadVarint(byte[] b, ref int p)
    {
        ulong r = 0;
        int shift = 0;
        while (true)
        {
            byte x = b[p++];
            r |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return (long)r;
            shift += 7;
        }
    }

    /// <summary>(field, wire type, value): varint/fixed as long, length-delimited as byte[].</summary>
    private static List<(int, int, object)> Fields(byte[] b)
    {
        var r = new List<(int, int, object)>();
        int p = 0;
        while (p < b.Length)
        {
            long key = ReadVarint(b, ref p);
            int field = (int)(key >> 3), wt = (int)(key & 7);
            switch (wt)
            {
                case 0: r.Add((field, wt, ReadVarint(b, ref p))); break;
                case 1: r.Add((field, wt, BitConverter.ToInt64(b, p))); p += 8; break;
                case 5: r.Add((field, wt, (long)BitConverter.ToInt32(b, p))); p += 4; break;
                case 2:
                {
                    int len = (int)ReadVarint(b, ref p);
                    r.Add((field, wt, b.AsSpan(p, len).ToArray()));
                    p += len;
                    break;
                }
                default: throw new InvalidDataException($"wire type {wt}");
            }
        }
        return r;
    }
}
