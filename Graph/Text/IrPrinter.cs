using System.Text;
using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Prints a graph in the IR text form that <see cref="IrParser"/> reads back:
/// <code>
/// graph main(%x: f32[N,3,224,224]) -> (%y) {
///   init %w: f32[2,2] = [1, 2, 3, 4]
///   %t = Relu(%x)
///   %y = Add(%t, %w) : f32[N,3,224,224]
/// }
/// </code>
/// Nodes are SSA statements <c>%a, _, %c = domain::Op(%x, _, %y) {attr = value} : types @node_name</c>
/// where <c>_</c> marks an absent optional input or output, the type list covers the present
/// outputs (omitted when all are unknown), and <c>@name</c> is omitted when the node is named
/// after its first output. Value names are made unique per scope (a duplicate gets a ".N"
/// suffix) because the text refers to values by name while the IR refers to them by identity.
/// </summary>
public static class IrPrinter
{
    public static string Print(Graph g) => Print(g, elideTensorsAbove: null);

    /// <summary>
    /// Like <see cref="Print(Graph)"/>, but tensors with more than <paramref name="elideTensorsAbove"/>
    /// elements print as <c>elided&lt;N elements, fnv1a 0x…&gt;</c> instead of their data: readable,
    /// diffable pass dumps of big models. Such text cannot be parsed back (the parser says so).
    /// </summary>
    public static string Print(Graph g, int? elideTensorsAbove)
    {
        var p = new Printer { ElideAbove = elideTensorsAbove };
        p.AssignNames(g, new Scope(null));
        p.PrintGraph(g, 0);
        p.Sb.Append('\n');
        return p.Sb.ToString();
    }

    /// <summary>A single node as one statement (for error messages and pass logs); names are the values' own.</summary>
    public static string PrintNode(Node n)
    {
        var p = new Printer { UseOwnNames = true };
        p.PrintNode(n, 0);
        return p.Sb.ToString().TrimEnd('\n');
    }

    /// <summary>The names a graph scope already uses, so nested graphs do not shadow them.</summary>
    private sealed class Scope
    {
        public Scope(Scope? parent) => Parent = parent;

        public Scope? Parent { get; }

        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

        public bool Taken(string name)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.Names.Contains(name)) return true;
            }
            return false;
        }
    }

    private sealed class Printer
    {
        public StringBuilder Sb { get; } = new();

        public bool UseOwnNames { get; init; }

        public int? ElideAbove { get; init; }

        private void AppendData(Tensor t)
        {
            if (ElideAbove is { } max && t.Length > max) TensorText.AppendElided(Sb, t);
            else TensorText.AppendData(Sb, t);
        }

        private readonly Dictionary<Value, string> _names = new();

        /// <summary>
        /// Gives every value defined in <paramref name="g"/> a printed name unique in its scope chain;
        /// all of a graph's definitions are named before its subgraphs, matching how the parser
        /// resolves names (innermost graph that defines the name, anywhere in that graph).
        /// </summary>
        public void AssignNames(Graph g, Scope outer)
        {
            var scope = new Scope(outer);
            foreach (var v in g.Inputs) Define(v, scope);
            foreach (var v in g.InitializerValues) Define(v, scope);
            foreach (var n in g.Nodes)
            {
                foreach (var o in n.Outputs) if (o is not null) Define(o, scope);
            }
            foreach (var n in g.Nodes)
            {
                foreach (var sub in SubgraphsOf(n)) AssignNames(sub, scope);
            }
        }

        private void Define(Value v, Scope scope)
        {
            if (_names.ContainsKey(v)) return; // defined twice (invalid SSA): print the same name twice
            string name = v.Name;
            if (scope.Taken(name))
            {
                int k = 1;
                while (scope.Taken($"{v.Name}.{k}")) k++;
                name = $"{v.Name}.{k}";
            }
            scope.Names.Add(name);
            _names[v] = name;
        }

        private string NameOf(Value v)
        {
            if (UseOwnNames) return v.Name;
            // A value defined nowhere (a broken graph) still prints, so dumps of bad graphs are readable.
            if (!_names.TryGetValue(v, out var s)) _names[v] = s = v.Name;
            return s;
        }

        private string Ref(Value? v) => v is null ? "_" : "%" + IrSyntax.SigilName(NameOf(v));

        private void Indent(int depth) => Sb.Append(' ', depth * 2);

        public void PrintGraph(Graph g, int depth)
        {
            Sb.Append("graph ").Append(IrSyntax.Name(g.Name)).Append('(');
            for (int i = 0; i < g.Inputs.Count; i++)
            {
                if (i > 0) Sb.Append(", ");
                Sb.Append(Ref(g.Inputs[i]));
                if (!IsUnknown(g.Inputs[i].Type)) Sb.Append(": ").Append(TypeText(g.Inputs[i].Type));
            }
            Sb.Append(") -> (").Append(string.Join(", ", g.Outputs.Select(Ref))).Append(") {\n");
            var inputs = new HashSet<Value>(g.Inputs);
            foreach (var v in g.InitializerValues) PrintInitializer(g, v, inputs.Contains(v), depth + 1);
            foreach (var n in g.Nodes) PrintNode(n, depth + 1);
            Indent(depth);
            Sb.Append('}');
        }

        private void PrintInitializer(Graph g, Value v, bool isInput, int depth)
        {
            var data = g.InitializerData(v)!;
            Indent(depth);
            Sb.Append("init ").Append(Ref(v));
            // An input with a default value has its type in the graph header already.
            if (!isInput) Sb.Append(": ").Append(TypeText(v.Type));
            Sb.Append(" = ");
            if (!TensorType.Of(data).Equals(v.Type)) Sb.Append(TensorText.TypeText(data)).Append(' ');
            AppendData(data);
            Sb.Append('\n');
        }

        public void PrintNode(Node n, int depth)
        {
            Indent(depth);
            if (n.Outputs.Count > 0) Sb.Append(string.Join(", ", n.Outputs.Select(Ref))).Append(" = ");
            if (n.Domain.Length > 0) Sb.Append(IrSyntax.Ident(n.Domain)).Append("::");
            Sb.Append(IrSyntax.Ident(n.OpType)).Append('(').Append(string.Join(", ", n.Inputs.Select(Ref))).Append(')');
            PrintAttributes(n, depth);
            var present = n.Outputs.OfType<Value>().ToList();
            if (present.Any(v => !IsUnknown(v.Type)))
                Sb.Append(" : ").Append(string.Join(", ", present.Select(v => TypeText(v.Type))));
            string defaultName = present.Count > 0 ? NameOf(present[0]) : "";
            if (n.Name != defaultName) Sb.Append(" @").Append(IrSyntax.SigilName(n.Name));
            Sb.Append('\n');
        }

        private void PrintAttributes(Node n, int depth)
        {
            var attrs = n.Attributes.Explicit.ToList();
            if (attrs.Count == 0) return;
            bool multiline = attrs.Any(kv => kv.Value is Graph or Graph[] { Length: > 0 });
            Sb.Append(multiline ? " {\n" : " {");
            for (int i = 0; i < attrs.Count; i++)
            {
                var (name, value) = (attrs[i].Key, attrs[i].Value);
                if (multiline) Indent(depth + 1);
                else if (i > 0) Sb.Append(", ");
                Sb.Append(IrSyntax.Name(name)).Append(" = ");
                n.Schema.Attributes.TryGetValue(name, out var spec);
                PrintAttributeValue(value, spec?.Type, depth + 1);
                if (multiline) Sb.Append(i + 1 < attrs.Count ? ",\n" : "\n");
            }
            if (multiline) Indent(depth);
            Sb.Append('}');
        }

        private void PrintAttributeValue(object value, AttrType? declared, int depth)
        {
            switch (value)
            {
                case long l:
                    Sb.Append(l);
                    break;
                case float f:
                    Sb.Append(IrSyntax.Float(f, markFloat: true));
                    break;
                case string s:
                    IrSyntax.AppendQuoted(Sb, s);
                    break;
                case long[] a:
                    List(AttrType.Ints, declared, a.Length, i => Sb.Append(a[i]));
                    break;
                case float[] a:
                    List(AttrType.Floats, declared, a.Length, i => Sb.Append(IrSyntax.Float(a[i], markFloat: true)));
                    break;
                case string[] a:
                    List(AttrType.Strings, declared, a.Length, i => IrSyntax.AppendQuoted(Sb, a[i]));
                    break;
                case Tensor t:
                    Sb.Append(TensorText.TypeText(t)).Append(' ');
                    AppendData(t);
                    break;
                case Tensor[] a:
                    List(AttrType.Tensors, declared, a.Length, i => PrintAttributeValue(a[i], null, depth));
                    break;
                case TensorType tt:
                    // ONNX TYPE_PROTO attributes (Optional's 'type') hold a type, not data.
                    Sb.Append("type ").Append(TypeText(tt));
                    break;
                case Graph g:
                    PrintGraph(g, depth);
                    break;
                case Graph[] a:
                    if (a.Length == 0)
                    {
                        List(AttrType.Graphs, declared, 0, _ => { });
                        break;
                    }
                    Sb.Append("[\n");
                    for (int i = 0; i < a.Length; i++)
                    {
                        Indent(depth + 1);
                        PrintGraph(a[i], depth + 1);
                        Sb.Append(i + 1 < a.Length ? ",\n" : "\n");
                    }
                    Indent(depth);
                    Sb.Append(']');
                    break;
                default:
                    throw new EngineException($"cannot print an attribute value of type {value.GetType().Name}");
            }
        }

        /// <summary>
        /// A bracketed list. An empty list is spelled with its kind (floats[]) unless the schema
        /// declares that kind, since "[]" alone would read back as the declared kind or ints.
        /// </summary>
        private void List(AttrType kind, AttrType? declared, int count, Action<int> element)
        {
            if (count == 0 && (declared ?? AttrType.Ints) != kind) Sb.Append(kind.ToString().ToLowerInvariant());
            Sb.Append('[');
            for (int i = 0; i < count; i++)
            {
                if (i > 0) Sb.Append(", ");
                element(i);
            }
            Sb.Append(']');
        }
    }

    private static IEnumerable<Graph> SubgraphsOf(Node n)
    {
        foreach (var kv in n.Attributes.Explicit)
        {
            if (kv.Value is Graph g) yield return g;
            else if (kv.Value is Graph[] gs) foreach (var x in gs) yield return x;
        }
    }

    private static bool IsUnknown(TensorType t) => t.Elem == DataType.Undefined && t.Dims is null;

    /// <summary>"f32[N,3,?]"; symbols that are not plain identifiers are quoted.</summary>
    public static string TypeText(TensorType t)
    {
        var sb = new StringBuilder(IrSyntax.DataTypeName(t.Elem));
        if (t.Dims is null) return sb.Append("[*]").ToString();
        sb.Append('[');
        for (int i = 0; i < t.Dims.Length; i++)
        {
            if (i > 0) sb.Append(',');
            var d = t.Dims[i];
            sb.Append(d.IsKnown ? d.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : d.Symbol is { } s ? IrSyntax.Ident(s) : "?");
        }
        return sb.Append(']').ToString();
    }
}
