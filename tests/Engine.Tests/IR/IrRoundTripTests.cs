using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.IR;

using Graph = Engine.Graph.Graph;

public class IrRoundTripTests
{
    private static OpSchema Op(string name) => TestOps.Registry.Get(name);

    private static Node AddNode(Graph g, string op, string name, Value?[] inputs, params string[] outputs)
    {
        var n = new Node(Op(op), name);
        foreach (var v in inputs) n.AddInput(v);
        foreach (var o in outputs)
        {
            if (o == "_") n.AddAbsentOutput();
            else n.AddOutput(new Value(o, TensorType.Unknown()));
        }
        return g.AddNode(n);
    }

    [Fact]
    public void BriefExampleParsesPrintsAndRoundTrips()
    {
        const string text = """
            graph main(%x: f32[N,3,224,224], %w2: f32[2,2]) -> (%y) {
              init %w: f32[2,2] = [1, 2, 3, 4]
              %t = Relu(%x)
              %y = Add(%t, %w)
            }
            """;
        var g = IrAssert.Parse(text);
        Assert.Equal("main", g.Name);
        Assert.Equal(2, g.Inputs.Count);
        Assert.Equal(new TensorType(DataType.Float, [Dim.Sym("N"), 3, 224, 224]), g.Inputs[0].Type);
        var w = Assert.Single(g.InitializerValues);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, g.InitializerData(w)!.As<float>());
        Assert.Equal(2, g.Nodes.Count);
        Assert.Equal("Relu", g.Nodes[0].OpType);
        Assert.Same(g.Inputs[0], g.Nodes[0].Inputs[0]);
        Assert.Same(g.Nodes[0].Outputs[0], g.Nodes[1].Inputs[0]);
        Assert.Same(w, g.Nodes[1].Inputs[1]);
        Assert.Same(g.Nodes[1].Outputs[0], g.Outputs[0]);
        Assert.Equal("t", g.Nodes[0].Name); // a node is named after its first output unless @name says otherwise
        Assert.Equal(text + "\n", IrPrinter.Print(g));
        IrAssert.RoundTrip(g);
    }

    [Fact]
    public void OmittedTypesAreInferredOnRequest()
    {
        const string text = """
            graph main(%x: f32[N,3], %b: f32[3]) -> (%y) {
              %t = Relu(%x)
              %y = Add(%t, %b)
            }
            """;
        var plain = IrAssert.Parse(text);
        Assert.Equal(TensorType.Unknown(), plain.Outputs[0].Type);
        var typed = IrParser.Parse(text, TestOps.Registry, inferTypes: true);
        Assert.Equal(new TensorType(DataType.Float, [Dim.Sym("N"), 3]), typed.Outputs[0].Type);
        Assert.Contains("%y = Add(%t, %b) : f32[N,3]", IrPrinter.Print(typed));
        IrAssert.RoundTrip(typed);
    }

    [Fact]
    public void EveryAttributeKindRoundTrips()
    {
        var g = new Graph("attrs");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 2));
        var sub = new Graph("body") { Parent = g };
        var sx = sub.AddInput("sx", TensorType.Of(DataType.Float, 2));
        var inner = AddNode(sub, "Add", "inner_add", [sx, x], "s");
        sub.Outputs.Add(inner.Outputs[0]!);
        var sub2 = new Graph("second") { Parent = g };
        sub2.Outputs.Add(x);

        var n = AddNode(g, "Attrs", "everything", [x], "y");
        n.Attributes.Set("i", long.MinValue);
        n.Attributes.Set("f", 0.1f);
        n.Attributes.Set("s", "quote \" backslash \\ newline \n tab \t nul \0 bell \a é 中 🙂 \u2028 */");
        n.Attributes.Set("ints", new long[] { 1, -2, long.MaxValue });
        n.Attributes.Set("floats", new[] { 1f, -0f, float.Epsilon, float.MaxValue, float.NegativeInfinity, float.NaN, BitConverter.UInt32BitsToSingle(0x7FC00001), 1e-7f });
        n.Attributes.Set("strings", new[] { "", "a,b", "]", "\"" });
        n.Attributes.Set("t", Tensor.FromArray(new long[] { 7, 8, 9 }, 3));
        n.Attributes.Set("g", sub);
        n.Attributes.Set("ts", new[] { Tensor.Scalar(2.5f), Tensor.FromArray(new[] { "u", "v" }, 2), Tensor.FromArray(new bool[0], 0) });
        n.Attributes.Set("gs", new[] { sub2, new Graph("empty") { Parent = g } });
        n.Attributes.Set("type", new TensorType(DataType.BFloat16, [Dim.Sym("N"), 2]));
        g.Outputs.Add(n.Outputs[0]!);

        var back = IrAssert.RoundTrip(g);
        var bn = back.Nodes[0];
        Assert.Equal(long.MinValue, bn.Attributes.GetInt("i"));
        Assert.Equal(0.1f, bn.Attributes.GetFloat("f"));
        var floats = bn.Attributes.GetFloats("floats");
        Assert.True(float.IsNegative(floats[1]) && floats[1] == 0);
        Assert.Equal(0x7FC00001u, BitConverter.SingleToUInt32Bits(floats[6]));
        var body = (Graph)bn.Attributes.Get("g")!;
        Assert.Same(back, body.Parent);
        Assert.Same(back.Inputs[0], body.Nodes[0].Inputs[1]); // the capture resolves to the outer value
        Assert.Same(back.Inputs[0], ((Graph[])bn.Attributes.Get("gs")!)[0].Outputs[0]);
        Assert.Contains("    type = type bf16[N,2]\n", IrPrinter.Print(back));
    }

    [Fact]
    public void EmptyListsKeepTheirKind()
    {
        // [] reads back as the schema's declared kind; other kinds are spelled (floats[]).
        var g = new Graph("empties");
        var n1 = AddNode(g, "Attrs", "declared", [], "a");
        n1.Attributes.Set("ints", Array.Empty<long>());
        n1.Attributes.Set("floats", Array.Empty<float>());
        n1.Attributes.Set("strings", Array.Empty<string>());
        n1.Attributes.Set("ts", Array.Empty<Tensor>());
        n1.Attributes.Set("gs", Array.Empty<Graph>());
        var n2 = AddNode(g, "Attrs", "undeclared", [], "b");
        n2.Attributes.Set("ints", Array.Empty<float>()); // wrong kind on purpose: still prints exactly
        n2.Attributes.Set("f", 3L);
        g.Outputs.Add(n1.Outputs[0]!);
        g.Outputs.Add(n2.Outputs[0]!);
        var text = IrPrinter.Print(g);
        Assert.Contains("ints = [], floats = [], strings = [], ts = [], gs = []", text);
        Assert.Contains("ints = floats[], f = 3}", text);
        var back = IrAssert.RoundTrip(g);
        Assert.IsType<float[]>(back.Nodes[1].Attributes.Get("ints"));
        Assert.IsType<long>(back.Nodes[1].Attributes.Get("f"));
    }

    [Fact]
    public void TensorsOfEveryElementTypeRoundTrip()
    {
        var g = new Graph("tensors");
        g.AddInitializer("f32", Tensor.FromArray(new[] { 0.1f, -0f, float.NaN, float.PositiveInfinity, 3.4028235e38f, 1.4e-45f }, 2, 3));
        g.AddInitializer("f64", Tensor.FromArray(new[] { 0.1, double.MinValue, double.Epsilon, double.NaN }, 4));
        g.AddInitializer("f16", Tensor.FromArray(new[] { (Half)0.1f, Half.MaxValue, Half.Epsilon, Half.NegativeInfinity, Half.NaN, (Half)(-0f) }, 6));
        g.AddInitializer("bf16", Tensor.BFloat16([BFloat16Bits.FromFloat(0.1f), BFloat16Bits.FromFloat(-3e38f), 0x0001, 0x7FC0, 0x8000], 5));
        g.AddInitializer("i8", Tensor.FromArray(new sbyte[] { sbyte.MinValue, sbyte.MaxValue }, 2));
        g.AddInitializer("u8", Tensor.FromArray(new byte[] { 0, 255 }, 2));
        g.AddInitializer("i16", Tensor.FromArray(new short[] { short.MinValue, short.MaxValue }, 2));
        g.AddInitializer("u16", Tensor.FromArray(new ushort[] { 0, ushort.MaxValue }, 2));
        g.AddInitializer("i32", Tensor.FromArray(new[] { int.MinValue, int.MaxValue }, 2));
        g.AddInitializer("u32", Tensor.FromArray(new[] { 0u, uint.MaxValue }, 2));
        g.AddInitializer("i64", Tensor.FromArray(new[] { long.MinValue, long.MaxValue }, 1, 2));
        g.AddInitializer("u64", Tensor.FromArray(new[] { 0ul, ulong.MaxValue }, 2));
        g.AddInitializer("flags", Tensor.FromArray(new[] { true, false, true }, 3));
        g.AddInitializer("words", Tensor.FromArray(new[] { "", "two words", "\"quoted\"\n", "日本語 🙂" }, 2, 2));
        g.AddInitializer("scalar", Tensor.Scalar(42L));
        g.AddInitializer("empty", Tensor.FromArray(new float[0], 0, 3));
        g.AddInitializer("nan_payload", Tensor.FromArray(new[] { BitConverter.UInt32BitsToSingle(0x7FC00001) }, 1));
        var big = new float[3 * 7 * 7];
        for (int i = 0; i < big.Length; i++) big[i] = MathF.Sin(i) * 1e3f;
        g.AddInitializer("big", Tensor.FromArray(big, 3, 7, 7));
        g.AddInitializer("big_strings", Tensor.FromArray(Enumerable.Range(0, 100).Select(i => $"s{i}").ToArray(), 100));
        foreach (var v in g.InitializerValues) g.Outputs.Add(v);

        var text = IrPrinter.Print(g);
        Assert.Contains("init %f32: f32[2,3] = [0.1, -0, nan, inf, 3.4028235E+38, 1E-45]", text);
        Assert.Contains("init %flags: bool[3] = [true, false, true]", text);
        Assert.Contains("init %scalar: i64[] = [42]", text);
        Assert.Contains("init %empty: f32[0,3] = []", text);
        Assert.Contains("init %big: f32[3,7,7] = 0x", text); // large tensors print as raw bytes
        Assert.Contains("init %nan_payload: f32[1] = 0x0100c07f", text); // a decimal cannot carry a NaN payload
        IrAssert.RoundTrip(g);
    }

    [Fact]
    public void HostileNamesRoundTrip()
    {
        string[] names =
        [
            "with space", "quote\"inside", "back\\slash", "new\nline", "*/ comment end", "/* start", "# hash",
            "", "_", "%", "@", ",", "ünïcödé", "🙂", "\ud800 lone surrogate", "\u200b zero width", "1", "nan", "graph",
            "init", "f32", "/conv1/Conv_output_0", "onnx::Add_12", "a.b.c",
        ];
        var g = new Graph("main graph \"quoted\"");
        var x = g.AddInput(names[0], new TensorType(DataType.Float, [Dim.Sym("batch size"), Dim.Sym("N"), Dim.Sym("f32"), Dim.Sym("\"s\"")]));
        Value prev = x;
        for (int i = 1; i < names.Length; i++)
        {
            var n = new Node(Op("Relu"), "node " + names[i]);
            n.AddInput(prev);
            prev = n.AddOutput(new Value(names[i], TensorType.Unknown()));
            g.AddNode(n);
        }
        var d = new Node(TestOps.Registry.Get("ai.onnx.ml", "TreeEnsemble"), "");
        d.AddInput(prev);
        d.AddOutput(new Value("out", TensorType.Unknown()));
        d.Attributes.Set("weird attr = name", "v");
        d.Attributes.Set("nodes_modes", new[] { "BRANCH_LEQ", "LEAF" });
        g.AddNode(d);
        g.Outputs.Add(d.Outputs[0]!);
        var text = IrPrinter.Print(g);
        Assert.Contains("%out = ai.onnx.ml::TreeEnsemble(%a.b.c) {\"weird attr = name\" = \"v\", nodes_modes = [\"BRANCH_LEQ\", \"LEAF\"]} @\"\"", text);
        Assert.DoesNotContain("\n\n", text.TrimEnd('\n'));
        var back = IrAssert.RoundTrip(g);
        Assert.Equal(names, new[] { back.Inputs[0].Name }.Concat(back.Nodes.Take(names.Length - 1).Select(n => n.Outputs[0]!.Name)));
    }

    [Fact]
    public void SymbolicAndUnknownShapesRoundTrip()
    {
        var g = new Graph("shapes");
        var a = g.AddInput("a", new TensorType(DataType.Float, [Dim.Sym("N"), Dim.Unknown, 3]));
        var b = g.AddInput("b", TensorType.Unknown(DataType.Int64));
        var c = g.AddInput("c", new TensorType(DataType.Undefined, [2, Dim.Sym("M")]));
        var d = g.AddInput("d", TensorType.Unknown());
        var e = g.AddInput("e", TensorType.Of(DataType.Bool));
        var n = AddNode(g, "Concat", "cat", [a, b, c, d, e], "y");
        n.Attributes.Set("axis", -1L);
        n.Outputs[0]!.Type = new TensorType(DataType.Float, [Dim.Sym("N"), Dim.Unknown]);
        g.Outputs.Add(n.Outputs[0]!);
        var text = IrPrinter.Print(g);
        Assert.Contains("graph shapes(%a: f32[N,?,3], %b: i64[*], %c: ?[2,M], %d, %e: bool[]) -> (%y) {", text);
        Assert.Contains("%y = Concat(%a, %b, %c, %d, %e) {axis = -1} : f32[N,?] @cat", text);
        IrAssert.RoundTrip(g);
    }

    [Fact]
    public void AbsentOptionalValuesMultipleOutputsAndOutputlessNodes()
    {
        var g = new Graph("opt");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 4));
        var n1 = AddNode(g, "Opt", "o1", [x, null, x], "y", "_", "w");
        n1.Outputs[0]!.Type = TensorType.Of(DataType.Float, 4);
        var n2 = AddNode(g, "Opt", "o2", [n1.Outputs[0], null], "_", "z");
        var n3 = AddNode(g, "Split2", "split", [n1.Outputs[2]], "p", "q");
        AddNode(g, "Attrs", "sink", []);
        g.Outputs.Add(n2.Outputs[1]!);
        g.Outputs.Add(n3.Outputs[1]!);
        g.Outputs.Add(n3.Outputs[1]!);
        var text = IrPrinter.Print(g);
        Assert.Contains("%y, _, %w = Opt(%x, _, %x) : f32[4], ?[*] @o1", text);
        Assert.Contains("_, %z = Opt(%y, _) @o2", text);
        Assert.Contains("%p, %q = Split2(%w) @split", text);
        Assert.Contains("  Attrs() @sink", text);
        var back = IrAssert.RoundTrip(g);
        Assert.Null(back.Nodes[0].Inputs[1]);
        Assert.Equal(2, back.Nodes[1].Inputs.Count);
        Assert.Null(back.Nodes[1].Outputs[0]);
        Assert.Empty(back.Nodes[3].Outputs);
        Assert.Same(back.Outputs[1], back.Outputs[2]);
    }

    [Fact]
    public void SubgraphsCaptureOuterValuesAndNest()
    {
        const string text = """
            graph main(%cond: bool[], %x: f32[2]) -> (%r) {
              init %k: f32[2] = [10, 20]
              %a = Relu(%x)
              %r = If(%cond) {
                then_branch = graph then(%unused: f32[2]) -> (%t) {
                  %t = Add(%a, %k)
                },
                else_branch = graph else() -> (%e) {
                  %e = If(%cond) {
                    then_branch = graph deeper() -> (%a) {
                    },
                    else_branch = graph deeper2() -> (%d) {
                      %d = Add(%x, %a) : f32[2]
                    }
                  } : f32[2]
                }
              } : f32[2] @if_node
            }
            """;
        var g = IrAssert.Parse(text);
        Assert.Equal(text + "\n", IrPrinter.Print(g));
        var ifNode = g.Nodes[1];
        Assert.Equal("if_node", ifNode.Name);
        var then = (Graph)ifNode.Attributes.Get("then_branch")!;
        Assert.Same(g.Nodes[0].Outputs[0], then.Nodes[0].Inputs[0]);
        Assert.Same(g.InitializerValues[0], then.Nodes[0].Inputs[1]);
        var deeper = (Graph)((Graph)ifNode.Attributes.Get("else_branch")!).Nodes[0].Attributes.Get("then_branch")!;
        Assert.Same(g.Nodes[0].Outputs[0], deeper.Outputs[0]);
        Assert.Empty(Verifier.Verify(g));
        IrAssert.RoundTrip(g);
    }

    [Fact]
    public void DuplicateAndShadowingNamesGetUniqueSpellings()
    {
        // Values are identities; names may repeat (also between a graph and its subgraph).
        var g = new Graph("dups");
        var x = g.AddInput("v", TensorType.Of(DataType.Float, 2));
        var n1 = AddNode(g, "Relu", "n", [x], "v");
        var n2 = AddNode(g, "Relu", "n", [n1.Outputs[0]], "v");
        var sub = new Graph("body") { Parent = g };
        var inner = AddNode(sub, "Add", "n", [n2.Outputs[0], x], "v");
        sub.Outputs.Add(inner.Outputs[0]!);
        var iff = AddNode(g, "If", "n", [x], "v");
        iff.Attributes.Set("then_branch", sub);
        var other = new Graph("body") { Parent = g };
        other.Outputs.Add(x);
        iff.Attributes.Set("else_branch", other);
        g.Outputs.Add(iff.Outputs[0]!);
        var text = IrPrinter.Print(g);
        Assert.Contains("%v.1 = Relu(%v) @n", text);
        Assert.Contains("%v.4 = Add(%v.2, %v)", text);
        IrAssert.RoundTrip(g, compareNames: false);
    }

    [Fact]
    public void InputWithDefaultValueAndRetypedInitializer()
    {
        var g = new Graph("defaults");
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 2));
        var w = g.AddInput("w", new TensorType(DataType.Float, [Dim.Sym("K")]));
        g.SetInitializer(w, Tensor.FromArray(new[] { 1f, 2f }, 2));
        w.Type = new TensorType(DataType.Float, [Dim.Sym("K")]);
        var b = g.AddInitializer("b", Tensor.FromArray(new[] { 5f, 6f }, 2));
        b.Type = TensorType.Unknown(DataType.Float); // a value may say less than its data
        var n = AddNode(g, "Add", "sum", [x, w], "y");
        g.Outputs.Add(n.Outputs[0]!);
        g.Outputs.Add(b);
        var text = IrPrinter.Print(g);
        Assert.Contains("graph defaults(%x: f32[2], %w: f32[K]) -> (%y, %b) {", text);
        Assert.Contains("init %w = f32[2] [1, 2]", text);
        Assert.Contains("init %b: f32[*] = f32[2] [5, 6]", text);
        var back = IrAssert.RoundTrip(g);
        Assert.True(back.IsInitializer(back.Inputs[1]));
        Assert.Equal(2, back.InitializerValues.Count);
    }

    [Fact]
    public void UntypedDataTakesTheDeclaredType()
    {
        var g = IrAssert.Parse("""
            graph g(%x: i32[3] ) -> (%x, %h, %s) {
              init %x = [1, -2, 3]  # default for an input: typed by the header
              init %h: f16[2] = [0.1, 65504]
              init %s: string[] = ["only"]
              init %m: i64[2,2] = [[1, 2], [3, 4]]  # nested rows are read row-major
            }
            """);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, g.InitializerData(g.InitializerValues[3])!.As<long>());
        Assert.Equal(new[] { 1, -2, 3 }, g.InitializerData(g.Inputs[0])!.As<int>());
        Assert.Equal(new[] { (Half)0.1, Half.MaxValue }, g.InitializerData(g.InitializerValues[1])!.As<Half>());
        Assert.Equal("only", g.InitializerData(g.InitializerValues[2])!.As<string>()[0]);
    }

    [Fact]
    public void ParsedGraphsRunOnTheReferenceExecutor()
    {
        // The default registry's If and Identity; the branch reads the outer %k and %x directly.
        var g = IrParser.Parse("""
            graph main(%c: bool[], %x: f32[2]) -> (%r) {
              init %k: f32[2] = [10, 20]
              %r = If(%c) {
                then_branch = graph t() -> (%k) {
                },
                else_branch = graph e() -> (%o) {
                  %o = Identity(%x)
                }
              }
            }
            """, OpRegistry.Default, inferTypes: true);
        Assert.Empty(Verifier.Verify(g));
        var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
        var run = new ReferenceExecutor(g);
        Assert.Equal(new[] { 10f, 20f }, run.Run(new Dictionary<string, Tensor> { ["c"] = Tensor.Scalar(true), ["x"] = x })["r"].As<float>());
        Assert.Equal(new[] { 1f, 2f }, run.Run(new Dictionary<string, Tensor> { ["c"] = Tensor.Scalar(false), ["x"] = x })["r"].As<float>());
    }

    [Fact]
    public void DumpsCanElideLargeTensors()
    {
        var g = new Graph("dump");
        var w = g.AddInitializer("w", Tensor.FromArray(Enumerable.Range(0, 1000).Select(i => (float)i).ToArray(), 10, 100));
        var small = g.AddInitializer("b", Tensor.FromArray(new[] { 1f, 2f }, 2));
        var n = AddNode(g, "Attrs", "a", []);
        n.Attributes.Set("t", Tensor.FromArray(new long[100], 100));
        g.Outputs.Add(w);
        g.Outputs.Add(small);
        var text = IrPrinter.Print(g, elideTensorsAbove: 16);
        Assert.Matches(@"init %w: f32\[10,100\] = elided<1000 elements, fnv1a 0x[0-9a-f]{16}>\n", text);
        Assert.Contains("init %b: f32[2] = [1, 2]", text);
        Assert.Matches(@"t = i64\[100\] elided<100 elements, fnv1a 0x[0-9a-f]{16}>", text);
        var changed = g.InitializerData(w)!.Clone();
        changed.As<float>()[999] = -1;
        g.SetInitializer(w, changed);
        Assert.NotEqual(text, IrPrinter.Print(g, elideTensorsAbove: 16)); // the hash shows the change
        var e = Assert.Throws<EngineException>(() => IrAssert.Parse(text));
        Assert.Contains("elided when printing", e.Message);
    }

    [Fact]
    public void PrintNodeShowsOneStatement()
    {
        var g = new Graph();
        var x = g.AddInput("x", TensorType.Of(DataType.Float, 2));
        var n = AddNode(g, "Cast", "c", [x], "y");
        n.Attributes.Set("to", (long)DataType.Int64);
        Assert.Equal("%y = Cast(%x) {to = 7} @c", IrPrinter.PrintNode(n));
    }
}
