using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Structural equality of graphs up to renaming: same inputs (in order), outputs, initializer
/// data, nodes (op, attributes, wiring, output types) and subgraphs. Values and nodes are paired
/// by walking back from the outputs, so two graphs whose nodes are listed in different
/// topological orders (or whose initializers are in another order) are still equal; nodes no
/// output depends on are paired in list order. Attributes compare by effective value (an
/// explicit default equals an omitted one); floats compare bit for bit.
/// </summary>
public static class GraphComparer
{
    /// <param name="compareNames">Also require equal graph, value and node names.</param>
    /// <param name="compareTypes">Require equal value types (off: e.g. a hand-written expectation without types).</param>
    public static bool StructurallyEqual(Graph a, Graph b, out string difference, bool compareNames = false, bool compareTypes = true)
    {
        try
        {
            new Matcher(a, b, null, compareNames, compareTypes).Run();
            difference = "";
            return true;
        }
        catch (DifferenceFound d)
        {
            difference = d.Message;
            return false;
        }
    }

    public static bool StructurallyEqual(Graph a, Graph b, bool compareNames = false, bool compareTypes = true) =>
        StructurallyEqual(a, b, out _, compareNames, compareTypes);

    /// <summary>Bitwise equality of two tensors (type, shape, elements; NaN payloads and -0 matter).</summary>
    public static bool TensorsEqual(Tensor x, Tensor y)
    {
        if (x.Type != y.Type || !x.Shape.AsSpan().SequenceEqual(y.Shape)) return false;
        if (x.Data is string[] sx) return sx.AsSpan().SequenceEqual((string[])y.Data);
        return x.ToRawBytes().AsSpan().SequenceEqual(y.ToRawBytes());
    }

    private sealed class DifferenceFound(string message) : Exception(message);

    private enum Kind
    {
        Input,
        Initializer,
        NodeOutput,
        Outer,
    }

    private sealed class Matcher
    {
        private readonly Graph _a;
        private readonly Graph _b;
        private readonly Matcher? _parent;
        private readonly bool _names;
        private readonly bool _types;
        private readonly Dictionary<Value, Value> _ab = new();
        private readonly Dictionary<Value, Value> _ba = new();
        private readonly Dictionary<Node, Node> _nab = new();
        private readonly Dictionary<Node, Node> _nba = new();
        private readonly Dictionary<Value, Kind> _kindA;
        private readonly Dictionary<Value, Kind> _kindB;
        private readonly Queue<(Value A, Value B, string Where)> _work = new();

        public Matcher(Graph a, Graph b, Matcher? parent, bool names, bool types)
        {
            _a = a;
            _b = b;
            _parent = parent;
            _names = names;
            _types = types;
            _kindA = Kinds(a);
            _kindB = Kinds(b);
        }

        private static Dictionary<Value, Kind> Kinds(Graph g)
        {
            var k = new Dictionary<Value, Kind>();
            foreach (var n in g.Nodes) foreach (var o in n.Outputs) if (o is not null) k[o] = Kind.NodeOutput;
            foreach (var v in g.InitializerValues) k[v] = Kind.Initializer;
            foreach (var v in g.Inputs) k[v] = Kind.Input;
            return k;
        }

        private string Where => _parent is null ? $"graph {IrSyntax.Display(_a.Name)}" : $"{_parent.Where} > subgraph {IrSyntax.Display(_a.Name)}";

        private DifferenceFound Diff(string message) => new($"{Where}: {message}");

        private static string Describe(Node n) => $"node {IrSyntax.Display(n.Name)} ({n.Schema.QualifiedName})";

        private static string Describe(Value v) => "%" + IrSyntax.SigilName(v.Name);

        public void Run()
        {
            if (_names && _a.Name != _b.Name) throw Diff($"graph name {IrSyntax.Display(_a.Name)} vs {IrSyntax.Display(_b.Name)}");
            if (_a.Inputs.Count != _b.Inputs.Count) throw Diff($"{_a.Inputs.Count} inputs vs {_b.Inputs.Count}");
            if (_a.Outputs.Count != _b.Outputs.Count) throw Diff($"{_a.Outputs.Count} outputs vs {_b.Outputs.Count}");
            for (int i = 0; i < _a.Inputs.Count; i++)
            {
                var (x, y) = (_a.Inputs[i], _b.Inputs[i]);
                string where = $"input {i} ({Describe(x)} vs {Describe(y)})";
                Map(x, y, where);
                CompareInitializer(x, y, where);
            }
            for (int i = 0; i < _a.Outputs.Count; i++) _work.Enqueue((_a.Outputs[i], _b.Outputs[i], $"output {i}"));
            Drain();

            if (_a.Nodes.Count != _b.Nodes.Count) throw Diff($"{_a.Nodes.Count} nodes vs {_b.Nodes.Count}");
            var restA = _a.Nodes.Where(n => !_nab.ContainsKey(n)).ToList();
            var restB = _b.Nodes.Where(n => !_nba.ContainsKey(n)).ToList();
            for (int i = 0; i < restA.Count && i < restB.Count; i++)
            {
                if (_nab.ContainsKey(restA[i]) || _nba.ContainsKey(restB[i])) continue;
                MatchNodes(restA[i], restB[i], "node not read by any output");
                Drain();
            }
            if (_nab.Count != _a.Nodes.Count || _nba.Count != _b.Nodes.Count)
                throw Diff("the nodes no output depends on do not pair up");

            var initA = _a.InitializerValues.Where(v => !_ab.ContainsKey(v)).ToList();
            var initB = _b.InitializerValues.Where(v => !_ba.ContainsKey(v)).ToList();
            if (initA.Count != initB.Count || _a.InitializerValues.Count != _b.InitializerValues.Count)
                throw Diff($"{_a.InitializerValues.Count} initializers vs {_b.InitializerValues.Count}");
            for (int i = 0; i < initA.Count; i++) Enqueue(initA[i], initB[i], "unread initializer");
            Drain();
        }

        /// <summary>Pairs two values read at corresponding places; outer-scope values go to the enclosing matcher.</summary>
        private void Enqueue(Value x, Value y, string where) => _work.Enqueue((x, y, where));

        private void Drain()
        {
            while (_work.TryDequeue(out var item)) Pair(item.A, item.B, item.Where);
        }

        private void Pair(Value x, Value y, string where)
        {
            var kx = _kindA.GetValueOrDefault(x, Kind.Outer);
            var ky = _kindB.GetValueOrDefault(y, Kind.Outer);
            if (kx != ky)
                throw Diff($"{where}: {Describe(x)} is {Text(kx)} but {Describe(y)} is {Text(ky)}");
            switch (kx)
            {
                case Kind.Outer:
                    if (_parent is not null) _parent.Enqueue(x, y, $"{where} (captured by subgraph {IrSyntax.Display(_a.Name)})");
                    else Map(x, y, where); // defined nowhere in either graph: only require consistency
                    return;
                case Kind.Input:
                    Map(x, y, where); // inputs were paired first: this only checks consistency
                    return;
                case Kind.Initializer:
                    if (_ab.ContainsKey(x) || _ba.ContainsKey(y))
                    {
                        Map(x, y, where);
                        return;
                    }
                    Map(x, y, where);
                    CompareInitializer(x, y, where);
                    return;
                default:
                    var (px, py) = (x.Producer!, y.Producer!);
                    if (x.ProducerOutput != y.ProducerOutput)
                        throw Diff($"{where}: {Describe(x)} is output {x.ProducerOutput} of {Describe(px)} but {Describe(y)} is output {y.ProducerOutput} of {Describe(py)}");
                    MatchNodes(px, py, where);
                    Map(x, y, where);
                    return;
            }
        }

        private static string Text(Kind k) => k switch
        {
            Kind.Input => "a graph input",
            Kind.Initializer => "an initializer",
            Kind.NodeOutput => "a node output",
            _ => "defined outside the graph",
        };

        private void Map(Value x, Value y, string where)
        {
            bool hasX = _ab.TryGetValue(x, out var mx);
            bool hasY = _ba.TryGetValue(y, out var my);
            if (hasX && ReferenceEquals(mx, y)) return;
            if (hasX) throw Diff($"{where}: {Describe(x)} corresponds to both {Describe(mx!)} and {Describe(y)}");
            if (hasY) throw Diff($"{where}: {Describe(y)} corresponds to both {Describe(my!)} and {Describe(x)}");
            _ab[x] = y;
            _ba[y] = x;
            if (_types && !x.Type.Equals(y.Type)) throw Diff($"{where}: {Describe(x)} has type {IrPrinter.TypeText(x.Type)} but {Describe(y)} has {IrPrinter.TypeText(y.Type)}");
            if (_names && x.Name != y.Name) throw Diff($"{where}: value name {Describe(x)} vs {Describe(y)}");
        }

        private void CompareInitializer(Value x, Value y, string where)
        {
            var (dx, dy) = (_a.InitializerData(x), _b.InitializerData(y));
            if ((dx is null) != (dy is null))
                throw Diff($"{where}: {Describe(dx is null ? y : x)} has initializer data and the other does not");
            if (dx is not null && !TensorsEqual(dx, dy!))
                throw Diff($"{where}: initializer {Describe(x)} holds {TensorText.TypeText(dx)} data that differs from {Describe(y)}'s {TensorText.TypeText(dy!)}");
        }

        private void MatchNodes(Node x, Node y, string where)
        {
            if (_nab.TryGetValue(x, out var m))
            {
                if (!ReferenceEquals(m, y)) throw Diff($"{where}: {Describe(x)} corresponds to both {Describe(m)} and {Describe(y)}");
                return;
            }
            if (_nba.TryGetValue(y, out var mb)) throw Diff($"{where}: {Describe(y)} corresponds to both {Describe(mb)} and {Describe(x)}");
            _nab[x] = y;
            _nba[y] = x;
            string at = $"{Describe(x)} vs {Describe(y)}";
            if (x.Schema.QualifiedName != y.Schema.QualifiedName) throw Diff($"{where}: {at}: different ops");
            if (_names && x.Name != y.Name) throw Diff($"{where}: {at}: different node names");
            if (x.Inputs.Count != y.Inputs.Count) throw Diff($"{at}: {x.Inputs.Count} inputs vs {y.Inputs.Count}");
            if (x.Outputs.Count != y.Outputs.Count) throw Diff($"{at}: {x.Outputs.Count} outputs vs {y.Outputs.Count}");
            for (int i = 0; i < x.Outputs.Count; i++)
            {
                var (ox, oy) = (x.Outputs[i], y.Outputs[i]);
                if ((ox is null) != (oy is null)) throw Diff($"{at}: output {i} is absent in one of them");
                if (ox is not null) Map(ox, oy!, $"{at}: output {i}");
            }
            CompareAttributes(x, y, at);
            for (int i = 0; i < x.Inputs.Count; i++)
            {
                var (ix, iy) = (x.Inputs[i], y.Inputs[i]);
                if ((ix is null) != (iy is null)) throw Diff($"{at}: input {i} is absent in one of them");
                if (ix is not null) Enqueue(ix, iy!, $"input {i} of {at}");
            }
        }

        private void CompareAttributes(Node x, Node y, string at)
        {
            var names = x.Attributes.Explicit.Select(kv => kv.Key).Union(y.Attributes.Explicit.Select(kv => kv.Key));
            foreach (var name in names)
            {
                var (vx, vy) = (x.Attributes.Get(name), y.Attributes.Get(name));
                if (vx is null || vy is null)
                {
                    if (vx is null && vy is null) continue;
                    throw Diff($"{at}: attribute {IrSyntax.Display(name)} is set on only one of them");
                }
                if (!AttributeEqual(vx, vy, $"{at}: attribute {IrSyntax.Display(name)}"))
                    throw Diff($"{at}: attribute {IrSyntax.Display(name)} differs ({Short(vx)} vs {Short(vy)})");
            }
        }

        private static string Short(object v) => v switch
        {
            float f => IrSyntax.Float(f, true),
            long[] a => "[" + string.Join(", ", a.Take(8)) + (a.Length > 8 ? ", …" : "") + "]",
            float[] a => "[" + string.Join(", ", a.Take(8).Select(f => IrSyntax.Float(f, true))) + (a.Length > 8 ? ", …" : "") + "]",
            string s => IrSyntax.Quote(s.Length > 40 ? s[..40] + "…" : s),
            string[] a => "[" + string.Join(", ", a.Take(4).Select(IrSyntax.Quote)) + (a.Length > 4 ? ", …" : "") + "]",
            Tensor t => "tensor " + TensorText.TypeText(t),
            _ => v.ToString() ?? v.GetType().Name,
        };

        private bool AttributeEqual(object vx, object vy, string where)
        {
            switch (vx, vy)
            {
                case (long a, long b): return a == b;
                case (float a, float b): return BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b);
                case (string a, string b): return string.Equals(a, b, StringComparison.Ordinal);
                case (long[] a, long[] b): return a.AsSpan().SequenceEqual(b);
                case (float[] a, float[] b):
                    return a.Length == b.Length && a.Select(BitConverter.SingleToUInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToUInt32Bits));
                case (string[] a, string[] b): return a.AsSpan().SequenceEqual(b);
                case (Tensor a, Tensor b): return TensorsEqual(a, b);
                case (TensorType a, TensorType b): return a.Equals(b);
                case (Tensor[] a, Tensor[] b): return a.Length == b.Length && a.Zip(b).All(p => TensorsEqual(p.First, p.Second));
                case (Graph a, Graph b):
                    new Matcher(a, b, this, _names, _types).Run();
                    return true;
                case (Graph[] a, Graph[] b):
                    if (a.Length != b.Length) return false;
                    for (int i = 0; i < a.Length; i++) new Matcher(a[i], b[i], this, _names, _types).Run();
                    return true;
                default:
                    return false;
            }
        }
    }
}
