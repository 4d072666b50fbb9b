using System.Text.Json;
using Engine.Cli;
using Engine.Onnx;
using Google.Protobuf;
using static Engine.Tests.Frontend.OnnxBuilder;
using DataType = Engine.Runtime.DataType;

namespace Engine.Tests.Frontend;

/// <summary>Console redirection is process-wide: CLI tests never run in parallel with each other.</summary>
[CollectionDefinition("Console", DisableParallelization = true)]
public class ConsoleCollection
{
}

/// <summary>`engine` commands through Program.Main: exit codes, one-line errors, outputs.</summary>
[Collection("Console")]
public class CliTests
{
    private sealed record Result(int Code, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static Result Engine(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            int code = Program.Main(args);
            return new Result(code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private static void AssertBadInput(Result r, string mustMention)
    {
        Assert.Equal(ExitCodes.BadInput, r.Code);
        var line = Assert.Single(r.ErrLines);
        Assert.StartsWith("engine: ", line);
        Assert.Contains(mustMention, line);
    }

    [Fact]
    public void RunWithMissingModelExits2()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("in"));
        var missing = dir.File("nope.onnx");
        AssertBadInput(Engine("run", missing, "--input-dir", dir.File("in"), "--output-dir", dir.File("out")), missing);
    }

    [Fact]
    public void RunWithCorruptModelExits2()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("in"));
        var bytes = IdentityModel().ToByteArray();
        var corrupt = dir.Write("corrupt.onnx", bytes[..(bytes.Length / 2)]);
        AssertBadInput(Engine("run", corrupt, "--input-dir", dir.File("in"), "--output-dir", dir.File("out")), corrupt);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void RunWithMissingInputDirExits2()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", IdentityModel());
        AssertBadInput(Engine("run", model, "--input-dir", dir.File("absent"), "--output-dir", dir.File("out")), dir.File("absent"));
    }

    [Fact]
    public void RunWithCorruptOrWrongInputExits2()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", IdentityModel());
        var corrupt = dir.Write("in/input_0.pb", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        AssertBadInput(Engine("run", model, "--input-dir", dir.File("in"), "--output-dir", dir.File("out")), corrupt);

        TensorProtoConverter.WriteFile(corrupt, Runtime.Tensor.FromArray(new long[6], 2, 3), "x");
        AssertBadInput(Engine("run", model, "--input-dir", dir.File("in"), "--output-dir", dir.File("out")), "expects f32 but got i64");

        File.Delete(corrupt);
        AssertBadInput(Engine("run", model, "--input-dir", dir.File("in"), "--output-dir", dir.File("out")), "'x' was not given");
    }

    [Fact]
    public void RunWritesOutputs()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", IdentityModel());
        TensorProtoConverter.WriteFile(dir.File("in/input_0.pb"), Runtime.Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3), "x");
        var r = Engine("run", model, "--input-dir", dir.File("in"), "--output-dir", dir.File("out"));
        Assert.Equal(ExitCodes.Ok, r.Code);
        Assert.Equal("", r.Err);
        var (name, t) = TensorProtoConverter.ReadFile(dir.File("out/output_0.pb"));
        Assert.Equal("y", name);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.As<float>());
    }

    [Fact]
    public void BadOptionsExit2WithOneLine()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", IdentityModel());
        AssertBadInput(Engine("inspect", model, "--format", "xml"), "xml");
        AssertBadInput(Engine("run", model), "--input-dir");
        AssertBadInput(Engine("convert", model), "--output");
        AssertBadInput(Engine("frobnicate"), "frobnicate");
        AssertBadInput(Engine("run", model, "--input-dir", dir.Path, "--output-dir", dir.File("o"), "--threads", "0"), "--threads");
        AssertBadInput(Engine("conformance", dir.Path, "--filter", "("), "--filter");
        AssertBadInput(Engine("conformance", dir.File("absent")), "absent");
    }

    [Fact]
    public void EveryCommandHasHelp()
    {
        foreach (var (command, mentions) in new[]
                 {
                     ("run", "--input-dir"), ("inspect", "--format"), ("convert", "--output"), ("conformance", "--filter"),
                 })
        {
            var r = Engine(command, "--help");
            Assert.Equal(ExitCodes.Ok, r.Code);
            Assert.Contains(mentions, r.Out);
            Assert.Contains("Usage:", r.Out);
        }
        var root = Engine("--help");
        Assert.Equal(ExitCodes.Ok, root.Code);
        foreach (var c in new[] { "run", "inspect", "convert", "conformance" }) Assert.Contains(c, root.Out);
    }

    [Fact]
    public void InspectPrintsTextAndJson()
    {
        using var dir = new TempDir();
        var model = dir.Write("cnn.onnx", InspectTests.CnnModel());
        var text = Engine("inspect", model);
        Assert.Equal(ExitCodes.Ok, text.Code);
        Assert.Contains("[batch,4]", text.Out);
        Assert.Contains("com.example::Magic@1", text.Out);
        Assert.Contains("lower bound", text.Out);

        var json = Engine("inspect", model, "--format", "json");
        Assert.Equal(ExitCodes.Ok, json.Code);
        using var doc = JsonDocument.Parse(json.Out);
        var root = doc.RootElement;
        Assert.Equal(15080, root.GetProperty("flops").GetProperty("total").GetDouble());
        var s = root.GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "s");
        Assert.Equal("batch", s.GetProperty("dims")[0].GetString());
        Assert.Equal(4, s.GetProperty("dims")[1].GetInt64());
        Assert.Equal(112, root.GetProperty("parameters").GetProperty("elements").GetInt64());
    }

    [Fact]
    public void InspectOfCorruptOrMissingModelExits2()
    {
        using var dir = new TempDir();
        var corrupt = dir.Write("c.onnx", [0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]);
        AssertBadInput(Engine("inspect", corrupt), corrupt);
        AssertBadInput(Engine("inspect", dir.File("missing.onnx")), "missing.onnx");
        AssertBadInput(Engine("inspect", dir.Path), "folder");
    }

    [Fact]
    public void ConvertReexportsOnnx()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", IdentityModel());
        var r = Engine("convert", model, "-o", dir.File("out/m2.onnx"));
        Assert.Equal(ExitCodes.Ok, r.Code);
        var back = new OnnxImporter().Load(dir.File("out/m2.onnx"));
        Assert.Equal("Identity", Assert.Single(back.Graph.Nodes).OpType);
        Assert.Equal("f32[2,3]", back.Graph.Inputs[0].Type.ToString());
    }

    [Fact]
    public void ConvertNeverOverwritesItsInput()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", IdentityModel());
        var before = File.ReadAllBytes(model);
        AssertBadInput(Engine("convert", model, "-o", model), "input");
        AssertBadInput(Engine("convert", model, "-o", Path.Combine(dir.Path, ".", "m.onnx")), "input");
        File.CreateSymbolicLink(dir.File("link.onnx"), model);
        AssertBadInput(Engine("convert", dir.File("link.onnx"), "-o", model), "input");
        AssertBadInput(Engine("convert", model, "-o", dir.File("link.onnx")), "input");
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Fact]
    public void ConvertRejectsBadPathsAndFormats()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", IdentityModel());
        AssertBadInput(Engine("convert", model, "-o", dir.File("m.bin")), ".bin");
        AssertBadInput(Engine("convert", dir.File("absent.onnx"), "-o", dir.File("x.onnx")), "absent.onnx");
        Directory.CreateDirectory(dir.File("d.onnx"));
        AssertBadInput(Engine("convert", model, "-o", dir.File("d.onnx")), "folder");
        var corrupt = dir.Write("c.onnx", [0x3A, 0xFF]);
        AssertBadInput(Engine("convert", corrupt, "-o", dir.File("x.onnx")), corrupt);
        Assert.False(File.Exists(dir.File("x.onnx")));
    }

    /// <summary>A model with initializers, a Constant and a symbolic dim, for the text round trip.</summary>
    private static Onnx.Proto.ModelProto TextModel() => Model(MakeGraph("text",
        [Value("x", DataType.Float, "N", 2)],
        [Value("y", DataType.Float, "N", 2), Value("c", DataType.Int64, 3)],
        [Node("Identity", ["x"], ["y"], "copy"), Node("Constant", [], ["c"], "ints", Attr("value_ints", 4L, -5L, 6L))],
        [Floats("w", [0.5f, -1.25f, float.NaN], 3)]));

    [Fact]
    public void ConvertRoundTripsThroughIrText()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", TextModel());
        var toText = Engine("convert", model, "-o", dir.File("m.ir"));
        Assert.Equal(ExitCodes.Ok, toText.Code);
        var text = File.ReadAllText(dir.File("m.ir"));
        Assert.Contains("Identity(", text);
        Assert.Contains("[N,2]", text);
        Assert.Equal(ExitCodes.Ok, Engine("convert", dir.File("m.ir"), "-o", dir.File("back.onnx")).Code);
        Assert.Equal(ExitCodes.Ok, Engine("convert", dir.File("m.ir"), "-o", dir.File("again.txt")).Code);
        Assert.Equal(text, File.ReadAllText(dir.File("again.txt")));
        var original = new OnnxImporter().Load(model);
        var back = new OnnxImporter().Load(dir.File("back.onnx"));
        ExportRoundTripTests.AssertSameGraph(original.Graph, back.Graph);
    }

    [Fact]
    public void ConvertedRealModelComputesTheSame()
    {
        using var dir = new TempDir();
        var mnist = SharedData.Path("models", "mnist");
        Assert.Equal(ExitCodes.Ok, Engine("convert", Path.Combine(mnist, "model.onnx"), "-o", dir.File("mnist.ir")).Code);
        Assert.Equal(ExitCodes.Ok, Engine("convert", dir.File("mnist.ir"), "-o", dir.File("mnist.onnx")).Code);
        var set = Path.Combine(mnist, "test_data_set_0");
        Assert.Equal(ExitCodes.Ok, Engine("run", Path.Combine(mnist, "model.onnx"), "--input-dir", set, "--output-dir", dir.File("a")).Code);
        Assert.Equal(ExitCodes.Ok, Engine("run", dir.File("mnist.onnx"), "--input-dir", set, "--output-dir", dir.File("b")).Code);
        Assert.Equal(File.ReadAllBytes(dir.File("a/output_0.pb")), File.ReadAllBytes(dir.File("b/output_0.pb")));
    }

    [Fact]
    public void BadIrTextExits2NamingTheFile()
    {
        using var dir = new TempDir();
        var garbage = dir.Write("garbage.ir", "graph g(%x: f32[2]) -> (%y) { %y = Identity(%x\n"u8.ToArray());
        AssertBadInput(Engine("convert", garbage, "-o", dir.File("o.onnx")), garbage);
        var undefined = dir.Write("undefined.ir", "graph g(%x: f32[2]) -> (%y) {\n  %y = Identity(%nowhere)\n}\n"u8.ToArray());
        AssertBadInput(Engine("convert", undefined, "-o", dir.File("o.onnx")), undefined);
        var unknownOp = dir.Write("unknown.ir", "graph g(%x: f32[2]) -> (%y) {\n  %y = Frobnicate(%x)\n}\n"u8.ToArray());
        AssertBadInput(Engine("convert", unknownOp, "-o", dir.File("o.onnx")), "Frobnicate");
        var binary = dir.Write("binary.txt", IdentityModel().ToByteArray());
        AssertBadInput(Engine("convert", binary, "-o", dir.File("o.onnx")), binary);
        Assert.False(File.Exists(dir.File("o.onnx")));
    }

    [Fact]
    public void OptimizeSharesConvertsFormatsAndOverwriteGuard()
    {
        using var dir = new TempDir();
        var model = dir.Write("m.onnx", TextModel());
        var r = Engine("optimize", model, "-o", dir.File("opt.ir"));
        Assert.Equal(ExitCodes.Ok, r.Code);
        Assert.Contains("graph", File.ReadAllText(dir.File("opt.ir")));
        Assert.Equal(ExitCodes.Ok, Engine("optimize", dir.File("opt.ir"), "-o", dir.File("opt.onnx")).Code);
        Assert.Single(new OnnxImporter().Load(dir.File("opt.onnx")).Graph.Outputs, v => v.Name == "y");
        AssertBadInput(Engine("optimize", model, "-o", dir.File("opt.bin")), ".bin");
        File.CreateSymbolicLink(dir.File("alias.onnx"), model);
        AssertBadInput(Engine("optimize", model, "-o", dir.File("alias.onnx")), "overwrite");
        AssertBadInput(Engine("optimize", dir.File("missing.onnx")), "missing.onnx");
    }

    [Fact]
    public void InspectReadsIrTextToo()
    {
        using var dir = new TempDir();
        var model = dir.Write("cnn.onnx", InspectTests.CnnModel());
        var fromOnnx = JsonDocument.Parse(Engine("inspect", model, "-f", "json").Out).RootElement;
        // The placeholder op cannot be written as IR text; use MNIST, whose ops all exist.
        var mnist = SharedData.Path("models", "mnist", "model.onnx");
        Assert.Equal(ExitCodes.Ok, Engine("convert", mnist, "-o", dir.File("mnist.ir")).Code);
        var a = JsonDocument.Parse(Engine("inspect", mnist, "-f", "json").Out).RootElement;
        var b = JsonDocument.Parse(Engine("inspect", dir.File("mnist.ir"), "-f", "json").Out).RootElement;
        Assert.Equal(a.GetProperty("flops").GetProperty("total").GetDouble(), b.GetProperty("flops").GetProperty("total").GetDouble());
        Assert.Equal(a.GetProperty("parameters").GetProperty("elements").GetInt64(), b.GetProperty("parameters").GetProperty("elements").GetInt64());
        Assert.Equal(a.GetProperty("nodes").GetInt32(), b.GetProperty("nodes").GetInt32());
        Assert.Equal(15080, fromOnnx.GetProperty("flops").GetProperty("total").GetDouble());
        AssertBadInput(Engine("inspect", dir.Write("bad.ir", "graph ("u8.ToArray())), "bad.ir");
    }
}
