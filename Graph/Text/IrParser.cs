using System.Globalization;
using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Reads the text form written by <see cref="IrPrinter"/> (or by hand) back into a graph.
/// Parsing is two-phase: the text becomes a small syntax tree, then each graph's definitions are
/// created before its nodes are wired, so a node may name a value defined later (the verifier,
/// not the parser, rejects such orders) and a subgraph may read any value of an enclosing graph.
/// Errors are one-line <see cref="EngineException"/>s starting "IR text LINE:COLUMN:".
/// <code>
/// graph  := 'graph' NAME '(' [input {',' input}] ')' '->' '(' [%v {',' %v}] ')' '{' {init | node} '}'
/// input  := %v [':' type]                                  (type omitted = unknown)
/// init   := 'init' %v [':' type] '=' [type] data           (naming a graph input gives it a default value)
/// node   := [opt {',' opt} '='] [DOMAIN '::'] OP '(' [opt {',' opt}] ')'
///           ['{' [NAME '=' value {',' NAME '=' value}] '}'] [':' type {',' type}] ['@' NAME]
/// opt    := %v | '_'                                       ('_' = absent optional input/output)
/// type   := ELEM '[' ('*' | [dim {',' dim}]) ']'           (ELEM: f32 f64 f16 bf16 i8…u64 bool string, '?' = unknown)
/// dim    := 224 | N | "quoted symbol" | '?'
/// data   := '[' [e {',' e}] ']' | 0xHEX                    (row-major elements, nested rows allowed; or raw little-endian bytes)
/// value  := 3 | 1.0 | 1e-5 | nan | inf | -inf | nan(0xBITS) | "string" | type data (a tensor) | 'type' type
///         | graph | '[' list ']' | KIND '[' list ']'       (KIND: ints floats strings tensors graphs; an
///                                                           unspelled empty list takes the schema's declared kind)
/// %v     := %name | %"escaped name"                         (bare names: letters, digits, _ . /)
/// </code>
/// Floats are told from ints by a '.', an exponent, or a nan/inf word. Output types may be omitted
/// (types then unknown; pass <c>inferTypes</c> to run type propagation); '@name' defaults to the
/// first output's name. '#' starts a comment.
/// </summary>
public static class IrParser
{
    /// <param name="text">One graph in the IR text form.</param>
    /// <param name="registry">Where op names are looked up.</param>
    /// <param name="inferTypes">Run <see cref="TypePropagation"/> afterwards to fill in omitted types.</param>
    public static Graph Parse(string text, OpRegistry registry, bool inferTypes = false)
    {
        var p = new SyntaxReader(IrLexer.Tokenize(text), registry);
        var ast = p.ReadGraph();
        p.ExpectEnd();
        var g = new GraphBuilder().Build(ast, null, null);
        if (inferTypes) TypePropagation.Run(g);
        return g;
    }

    // ---- syntax tree -------------------------------------------------------------------------

    private sealed record Ref(string Name, Token At);

    private sealed record InputSyntax(Ref Name, TensorType? Type);

    private sealed record InitSyntax(Ref Name, TensorType? Declared, Tensor? Data, DataSyntax? Pending);

    /// <summary>Initializer data whose type comes from the declaration or the graph input it defaults.</summary>
    private sealed record DataSyntax(List<Token>? Elements, Token? Hex, Token At);

    private sealed record NodeSyntax(List<Ref?> Outputs, OpSchema Schema, Token At, List<Ref?> Inputs,
        List<(string Name, Token At, object Value)> Attributes, List<TensorType>? Types, string? Name);

    private sealed record GraphSyntax(string Name, Token At, List<InputSyntax> Inputs, List<Ref> Outputs,
        List<InitSyntax> Inits, List<NodeSyntax> Nodes);

    // ---- phase 1: tokens to syntax tree ------------------------------------------------------

    private sealed class SyntaxReader
    {
        /// <summary>Subgraphs nest this deep at most, so hostile text cannot overflow the stack.</summary>
        private const int MaxGraphDepth = 64;

        private readonly List<Token> _t;
        private readonly OpRegistry _registry;
        private int _i;
        private int _depth;

        public SyntaxReader(List<Token> tokens, OpRegistry registry)
        {
            _t = tokens;
            _registry = registry;
        }

        private Token Peek(int k = 0) => _t[Math.Min(_i + k, _t.Count - 1)];

        private Token Take() => _t[Math.Min(_i++, _t.Count - 1)];

        private bool IsPunct(string p, int k = 0) => Peek(k) is { Kind: TokenKind.Punct } t && t.Text == p;

        private bool IsWord(string w, int k = 0) => Peek(k) is { Kind: TokenKind.Ident } t && t.Text == w;

        private bool TryPunct(string p)
        {
            if (!IsPunct(p)) return false;
            _i++;
            return true;
        }

        private Token Expect(string p, string what = "")
        {
            if (!IsPunct(p)) throw Fail(Peek(), $"expected '{p}'{what} but found {Peek().Describe()}");
            return Take();
        }

        public static EngineException Fail(Token at, string message) => IrLexer.Error(at.Line, at.Column, message);

        public void ExpectEnd()
        {
            if (Peek().Kind != TokenKind.End) throw Fail(Peek(), $"expected end of input after the graph but found {Peek().Describe()}");
        }

        /// <summary>A bare identifier or a quoted string.</summary>
        private string ReadName(string what)
        {
            var t = Peek();
            if (t.Kind is TokenKind.Ident or TokenKind.String)
            {
                _i++;
                return t.Text;
            }
            throw Fail(t, $"expected {what} but found {t.Describe()}");
        }

        private Ref ReadValueName()
        {
            var t = Peek();
            if (t.Kind != TokenKind.ValueName) throw Fail(t, $"expected a value name (%name) but found {t.Describe()}");
            _i++;
            return new Ref(t.Text, t);
        }

        /// <summary>%name, or _ for an absent optional value.</summary>
        private Ref? ReadOptionalValue()
        {
            if (IsWord("_"))
            {
                _i++;
                return null;
            }
            return ReadValueName();
        }

        public GraphSyntax ReadGraph()
        {
            var at = Peek();
            if (!IsWord("graph")) throw Fail(at, $"expected 'graph' but found {at.Describe()}");
            if (++_depth > MaxGraphDepth) throw Fail(at, $"subgraphs nest more than {MaxGraphDepth} deep");
            _i++;
            string name = ReadName("a graph name");
            Expect("(", " to open the graph's inputs");
            var inputs = new List<InputSyntax>();
            if (!IsPunct(")"))
            {
                do
                {
                    var r = ReadValueName();
                    TensorType? type = null;
                    if (TryPunct(":")) type = ReadType();
                    inputs.Add(new InputSyntax(r, type));
                }
                while (TryPunct(","));
            }
            Expect(")", " after the graph's inputs");
            Expect("->", " before the graph's outputs");
            Expect("(", " to open the graph's outputs");
            var outputs = new List<Ref>();
            if (!IsPunct(")"))
            {
                do outputs.Add(ReadValueName());
                while (TryPunct(","));
            }
            Expect(")", " after the graph's outputs");
            Expect("{", " to open the graph body");
            var inits = new List<InitSyntax>();
            var nodes = new List<NodeSyntax>();
            while (!IsPunct("}"))
            {
                if (Peek().Kind == TokenKind.End) throw Fail(Peek(), $"graph {IrSyntax.Display(name)} is not closed with '}}'");
                if (IsWord("init") && Peek(1).Kind == TokenKind.ValueName) inits.Add(ReadInit());
                else nodes.Add(ReadNode());
            }
            Expect("}");
            _depth--;
            return new GraphSyntax(name, at, inputs, outputs, inits, nodes);
        }

        private InitSyntax ReadInit()
        {
            _i++; // init
            var r = ReadValueName();
            TensorType? declared = null;
            if (TryPunct(":")) declared = ReadType();
            Expect("=", " before the initializer's data");
            var at = Peek();
            if (at.Kind == TokenKind.Ident && IsDataTypeWord(at.Text) && IsPunct("[", 1))
                return new InitSyntax(r, declared, ReadTensorLiteral(), null);
            RejectElided(at);
            // Data without its own type: shaped by the declaration, resolved when building.
            if (at.Kind == TokenKind.Hex) return new InitSyntax(r, declared, null, new DataSyntax(null, Take(), at));
            return new InitSyntax(r, declared, null, new DataSyntax(ReadElementTokens(), null, at));
        }

        private static bool IsDataTypeWord(string s) => IrSyntax.TryParseDataType(s, out var t) && t != DataType.Undefined;

        /// <summary>elem[dims] where elem is f32, i64, …, '?' and dims are ints, symbols, '?' or '*' (unknown rank).</summary>
        public TensorType ReadType()
        {
            var at = Peek();
            DataType elem;
            if (TryPunct("?"))
            {
                elem = DataType.Undefined;
            }
            else if (at.Kind == TokenKind.Ident && IrSyntax.TryParseDataType(at.Text, out elem))
            {
                _i++;
            }
            else
            {
                throw Fail(at, $"expected an element type (f32, i64, bool, …) but found {at.Describe()}");
            }
            Expect("[", " to open the shape");
            if (TryPunct("*"))
            {
                Expect("]", " after '*' (unknown rank)");
                return new TensorType(elem, null);
            }
            var dims = new List<Dim>();
            if (!IsPunct("]"))
            {
                do dims.Add(ReadDim());
                while (TryPunct(","));
            }
            Expect("]", " to close the shape");
            return new TensorType(elem, dims.ToArray());
        }

        private Dim ReadDim()
        {
            var t = Take();
            switch (t.Kind)
            {
                case TokenKind.Number when !t.IsFloatForm && !t.Text.StartsWith('-'):
                    if (!long.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
                        throw Fail(t, $"dimension {t.Text} is too large");
                    return Dim.Of(v);
                case TokenKind.Ident:
                case TokenKind.String:
                    return Dim.Sym(t.Text);
                case TokenKind.Punct when t.Text == "?":
                    return Dim.Unknown;
                default:
                    throw Fail(t, $"expected a dimension (a size, a symbol or '?') but found {t.Describe()}");
            }
        }

        private NodeSyntax ReadNode()
        {
            var outputs = new List<Ref?>();
            var first = Peek();
            if (first.Kind == TokenKind.ValueName || (IsWord("_") && (IsPunct(",", 1) || IsPunct("=", 1))))
            {
                do outputs.Add(ReadOptionalValue());
                while (TryPunct(","));
                Expect("=", " after the node's outputs");
            }
            var at = Peek();
            if (at.Kind is not (TokenKind.Ident or TokenKind.String))
                throw Fail(at, $"expected an op name but found {at.Describe()}");
            string op = ReadName("an op name");
            string domain = "";
            if (TryPunct("::"))
            {
                domain = op;
                op = ReadName("an op name after '::'");
            }
            if (!_registry.TryGet(domain, op, out var schema))
                throw Fail(at, $"unknown op {(domain.Length > 0 ? domain + "::" : "")}{op}");
            Expect("(", $" after op name {op}");
            var inputs = new List<Ref?>();
            if (!IsPunct(")"))
            {
                do inputs.Add(ReadOptionalValue());
                while (TryPunct(","));
            }
            Expect(")", " after the node's inputs");
            var attrs = new List<(string, Token, object)>();
            if (TryPunct("{"))
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                if (!IsPunct("}"))
                {
                    do
                    {
                        var nameTok = Peek();
                        string name = ReadName("an attribute name");
                        if (!seen.Add(name)) throw Fail(nameTok, $"attribute {IrSyntax.Display(name)} is given twice");
                        Expect("=", $" after attribute name {IrSyntax.Display(name)}");
                        schema.Attributes.TryGetValue(name, out var spec);
                        attrs.Add((name, nameTok, ReadAttributeValue(spec?.Type)));
                    }
                    while (TryPunct(","));
                }
                Expect("}", " to close the attributes");
            }
            List<TensorType>? types = null;
            if (TryPunct(":"))
            {
                types = new List<TensorType>();
                do types.Add(ReadType());
                while (TryPunct(","));
                int present = outputs.Count(o => o is not null);
                if (types.Count != present)
                    throw Fail(at, $"node {op} lists {types.Count} output types for {present} outputs");
            }
            string? nodeName = null;
            if (Peek().Kind == TokenKind.NodeName) nodeName = Take().Text;
            return new NodeSyntax(outputs, schema, at, inputs, attrs, types, nodeName);
        }

        private object ReadAttributeValue(AttrType? declared)
        {
            var t = Peek();
            switch (t.Kind)
            {
                case TokenKind.Number:
                    _i++;
                    return t.IsFloatForm ? ParseFloat(t) : (object)ParseInt(t);
                case TokenKind.String:
                    _i++;
                    return t.Text;
                case TokenKind.Ident when t.Text is "nan" or "inf":
                    return ReadFloatWord();
                case TokenKind.Ident when t.Text == "graph":
                    return ReadGraph();
                case TokenKind.Ident when t.Text == "type" && (IsPunct("?", 1) || (Peek(1).Kind == TokenKind.Ident && IrSyntax.TryParseDataType(Peek(1).Text, out _))):
                    _i++;
                    return ReadType();
                case TokenKind.Ident when IsDataTypeWord(t.Text) && IsPunct("[", 1):
                    return ReadTensorLiteral();
                case TokenKind.Ident when t.Text is "ints" or "floats" or "strings" or "tensors" or "graphs" && IsPunct("[", 1):
                    _i++;
                    return ReadList(Enum.Parse<AttrType>(t.Text, ignoreCase: true));
                case TokenKind.Punct when t.Text == "[":
                    return ReadList(null, declared);
                default:
                    throw Fail(t, $"expected an attribute value but found {t.Describe()}");
            }
        }

        /// <summary>nan, nan(0xBITS) or inf.</summary>
        private float ReadFloatWord()
        {
            var t = Take();
            if (t.Text == "inf") return float.PositiveInfinity;
            if (!TryPunct("(")) return float.NaN;
            var bits = Take();
            if (bits.Kind != TokenKind.Hex || !uint.TryParse(bits.Text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint u))
                throw Fail(bits, "expected 32-bit NaN payload bits like nan(0x7FC00001)");
            Expect(")");
            float f = BitConverter.UInt32BitsToSingle(u);
            if (!float.IsNaN(f)) throw Fail(bits, $"0x{u:X8} is not a NaN bit pattern");
            return f;
        }

        private static float ParseFloat(Token t)
        {
            if (t.Text == "-inf") return float.NegativeInfinity;
            return float.Parse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        private static long ParseInt(Token t) =>
            long.TryParse(t.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v
                : throw Fail(t, $"integer {t.Text} does not fit in 64 bits");

        /// <summary>
        /// A bracketed list of ints, floats, strings, tensors or graphs. The kind is
        /// <paramref name="kind"/> when spelled (floats[…]), else read from the elements; an empty
        /// unspelled list takes the schema's declared kind, or ints.
        /// </summary>
        private object ReadList(AttrType? kind, AttrType? declared = null)
        {
            var open = Expect("[");
            if (kind is null)
            {
                var first = Peek();
                kind = first switch
                {
                    { Kind: TokenKind.Punct, Text: "]" } => declared is AttrType.Floats or AttrType.Strings or AttrType.Tensors or AttrType.Graphs ? declared : AttrType.Ints,
                    { Kind: TokenKind.String } => AttrType.Strings,
                    { Kind: TokenKind.Ident, Text: "graph" } => AttrType.Graphs,
                    { Kind: TokenKind.Ident, Text: "nan" or "inf" } => AttrType.Floats,
                    { Kind: TokenKind.Ident } when IsDataTypeWord(first.Text) => AttrType.Tensors,
                    { Kind: TokenKind.Number } => ListHasFloat() ? AttrType.Floats : AttrType.Ints,
                    _ => throw Fail(first, $"expected a list element but found {first.Describe()}"),
                };
            }
            var items = new List<object>();
            if (!IsPunct("]"))
            {
                do
                {
                    var t = Peek();
                    object item = kind switch
                    {
                        AttrType.Ints => t.Kind == TokenKind.Number && !t.IsFloatForm ? ParseInt(Take())
                            : throw Fail(t, $"expected an integer but found {t.Describe()}"),
                        AttrType.Floats => t.Kind == TokenKind.Number ? ParseFloat(Take())
                            : t.Kind == TokenKind.Ident && t.Text is "nan" or "inf" ? ReadFloatWord()
                            : throw Fail(t, $"expected a float but found {t.Describe()}"),
                        AttrType.Strings => t.Kind == TokenKind.String ? Take().Text
                            : throw Fail(t, $"expected a string but found {t.Describe()}"),
                        AttrType.Tensors => t.Kind == TokenKind.Ident && IsDataTypeWord(t.Text) ? ReadTensorLiteral()
                            : throw Fail(t, $"expected a tensor (like f32[2] [1, 2]) but found {t.Describe()}"),
                        AttrType.Graphs => IsWord("graph") ? ReadGraph()
                            : throw Fail(t, $"expected a graph but found {t.Describe()}"),
                        _ => throw Fail(open, $"lists of {kind} are not attribute values"),
                    };
                    items.Add(item);
                }
                while (TryPunct(","));
            }
            Expect("]", " to close the list");
            return kind switch
            {
                AttrType.Ints => items.Select(x => (long)x).ToArray(),
                AttrType.Floats => items.Cast<float>().ToArray(),
                AttrType.Strings => items.Cast<string>().ToArray(),
                AttrType.Tensors => items.Cast<Tensor>().ToArray(),
                _ => items.Cast<GraphSyntax>().ToArray(),
            };
        }

        /// <summary>Looks ahead through a number list for any float-form element.</summary>
        private bool ListHasFloat()
        {
            for (int k = 0; ; k++)
            {
                var t = Peek(k);
                if (t.Kind == TokenKind.Number && t.IsFloatForm) return true;
                if (t.Kind == TokenKind.Ident && t.Text is "nan" or "inf") return true;
                if (t.Kind is TokenKind.End || (t.Kind == TokenKind.Punct && t.Text == "]")) return false;
            }
        }

        /// <summary>elem[dims] followed by [elements] or 0xHEX.</summary>
        private Tensor ReadTensorLiteral()
        {
            var at = Peek();
            var type = ReadType();
            if (!type.IsStatic || type.Elem == DataType.Undefined || !DataTypes.IsSupported(type.Elem))
                throw Fail(at, $"a tensor literal needs a supported element type and constant dims, not {IrPrinter.TypeText(type)}");
            var data = Peek();
            RejectElided(data);
            if (data.Kind == TokenKind.Hex)
            {
                _i++;
                return BuildHex(type, data);
            }
            return BuildTensor(type, ReadElementTokens(), data);
        }

        private static void RejectElided(Token t)
        {
            if (t.Kind == TokenKind.Ident && t.Text == "elided")
                throw Fail(t, "this tensor's data was elided when printing (a dump); print without elision to get parseable text");
        }

        /// <summary>
        /// Raw element tokens of "[e, e, …]", typed later. Nested brackets ([[1, 2], [3, 4]]) are
        /// accepted for hand-written text and read row-major; the printer always writes flat lists.
        /// </summary>
        private List<Token> ReadElementTokens()
        {
            var elems = new List<Token>();
            ReadElementList(elems, 0);
            return elems;
        }

        private void ReadElementList(List<Token> elems, int depth)
        {
            var open = Expect("[", depth == 0 ? " to open tensor data (or 0x… bytes)" : "");
            if (depth > 32) throw Fail(open, "tensor data nests more than 32 brackets deep");
            if (!IsPunct("]"))
            {
                do
                {
                    if (IsPunct("["))
                    {
                        ReadElementList(elems, depth + 1);
                        continue;
                    }
                    var t = Take();
                    if (t.Kind is not (TokenKind.Number or TokenKind.String or TokenKind.Ident))
                        throw Fail(t, $"expected a tensor element but found {t.Describe()}");
                    elems.Add(t);
                }
                while (TryPunct(","));
            }
            Expect("]", " to close tensor data");
        }
    }

    private static int[] StaticShape(TensorType type, Token at)
    {
        try
        {
            return type.StaticShape();
        }
        catch (Exception e) when (e is EngineException or OverflowException)
        {
            throw SyntaxReader.Fail(at, $"tensor shape {type.ShapeText} is not a constant shape that fits in memory");
        }
    }

    private static Tensor BuildHex(TensorType type, Token hex)
    {
        var shape = StaticShape(type, hex);
        try
        {
            return TensorText.FromHex(type.Elem, shape, hex.Text[2..], m => SyntaxReader.Fail(hex, m));
        }
        catch (EngineException e) when (!e.Message.StartsWith("IR text", StringComparison.Ordinal))
        {
            throw SyntaxReader.Fail(hex, e.Message);
        }
    }

    private static Tensor BuildTensor(TensorType type, List<Token> elements, Token at)
    {
        var shape = StaticShape(type, at);
        Tensor t;
        try
        {
            long n = Tensor.ElementCount(shape);
            if (n != elements.Count)
                throw SyntaxReader.Fail(at, $"{IrPrinter.TypeText(type)} needs {n} elements but {elements.Count} are given");
            t = Tensor.Zeros(type.Elem, shape);
        }
        catch (EngineException e) when (!e.Message.StartsWith("IR text", StringComparison.Ordinal))
        {
            throw SyntaxReader.Fail(at, e.Message);
        }
        for (int i = 0; i < elements.Count; i++)
        {
            var e = elements[i];
            if (TensorText.SetElement(t.Data, type.Elem, i, e.Kind, e.Text) is { } error) throw SyntaxReader.Fail(e, error);
        }
        return t;
    }

    // ---- phase 2: syntax tree to graph -------------------------------------------------------

    private sealed class GraphBuilder
    {
        internal sealed class Scope
        {
            public Scope(Scope? parent) => Parent = parent;

            public Scope? Parent { get; }

            public Dictionary<string, Value> Values { get; } = new(StringComparer.Ordinal);

            public Value? Lookup(string name)
            {
                for (var s = this; s is not null; s = s.Parent)
                {
                    if (s.Values.TryGetValue(name, out var v)) return v;
                }
                return null;
            }
        }

        internal Graph Build(GraphSyntax ast, Graph? parent, Scope? outer)
        {
            var g = new Graph(ast.Name) { Parent = parent };
            var scope = new Scope(outer);
            foreach (var input in ast.Inputs)
            {
                var v = g.AddInput(input.Name.Name, input.Type ?? TensorType.Unknown());
                Define(scope, input.Name, v);
            }
            foreach (var init in ast.Inits) BuildInitializer(g, scope, init);
            var outputs = new List<List<Value?>>();
            foreach (var n in ast.Nodes)
            {
                var vals = new List<Value?>();
                int k = 0;
                foreach (var o in n.Outputs)
                {
                    if (o is null)
                    {
                        vals.Add(null);
                        continue;
                    }
                    var v = new Value(o.Name, n.Types?[k++] ?? TensorType.Unknown());
                    Define(scope, o, v);
                    vals.Add(v);
                }
                outputs.Add(vals);
            }
            for (int i = 0; i < ast.Nodes.Count; i++)
            {
                var n = ast.Nodes[i];
                string name = n.Name ?? n.Outputs.FirstOrDefault(o => o is not null)?.Name ?? "";
                var node = new Node(n.Schema, name);
                foreach (var r in n.Inputs) node.AddInput(r is null ? null : Resolve(scope, r));
                foreach (var v in outputs[i])
                {
                    if (v is null) node.AddAbsentOutput();
                    else node.AddOutput(v);
                }
                foreach (var (attr, _, value) in n.Attributes)
                {
                    node.Attributes.Set(attr, value switch
                    {
                        GraphSyntax sub => Build(sub, g, scope),
                        GraphSyntax[] subs => subs.Select(s => Build(s, g, scope)).ToArray(),
                        _ => value,
                    });
                }
                g.AddNode(node);
            }
            foreach (var r in ast.Outputs) g.Outputs.Add(Resolve(scope, r));
            return g;
        }

        private static void BuildInitializer(Graph g, Scope scope, InitSyntax init)
        {
            // An initializer named like an input of the same graph is that input's default value.
            Value? input = scope.Values.TryGetValue(init.Name.Name, out var existing) && g.Inputs.Contains(existing) && !g.IsInitializer(existing)
                ? existing : null;
            var declared = init.Declared ?? input?.Type;
            Tensor data;
            if (init.Data is { } explicitData)
            {
                data = explicitData;
            }
            else
            {
                var pending = init.Pending!;
                if (declared is null)
                    throw SyntaxReader.Fail(pending.At, $"initializer %{IrSyntax.SigilName(init.Name.Name)} needs a type (init %w: f32[2] = …) or a typed literal");
                if (!declared.IsStatic || declared.Elem == DataType.Undefined || !DataTypes.IsSupported(declared.Elem))
                    throw SyntaxReader.Fail(pending.At, $"initializer %{IrSyntax.SigilName(init.Name.Name)} has type {IrPrinter.TypeText(declared)}; untyped data needs a supported element type and constant dims");
                data = pending.Hex is { } hex ? BuildHex(declared, hex) : BuildTensor(declared, pending.Elements!, pending.At);
            }
            var v = input ?? new Value(init.Name.Name, declared ?? TensorType.Of(data));
            if (input is null) Define(scope, init.Name, v);
            g.SetInitializer(v, data);
            if (declared is not null) v.Type = declared; // SetInitializer typed it from the data
        }

        private static void Define(Scope scope, Ref r, Value v)
        {
            if (!scope.Values.TryAdd(r.Name, v))
                throw SyntaxReader.Fail(r.At, $"value %{IrSyntax.SigilName(r.Name)} is defined twice in this graph");
        }

        private static Value Resolve(Scope scope, Ref r) => scope.Lookup(r.Name)
            ?? throw SyntaxReader.Fail(r.At, $"undefined value %{IrSyntax.SigilName(r.Name)}");
    }
}
