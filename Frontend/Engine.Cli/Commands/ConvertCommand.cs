using System.CommandLine;
using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;

namespace Engine.Cli.Commands;

/// <summary>
/// engine convert MODEL -o FILE: converts between ONNX (.onnx) and our IR text (.ir, .txt), the
/// format chosen by each file's extension; ONNX → ONNX re-exports through our IR (canonical opset
/// forms). The output is written atomically and may never be the input file.
/// </summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "model to read: .onnx, or IR text (.ir, .txt)" };
        var output = new Option<string>("--output", "-o")
        {
            Description = "file to write; its extension picks the format: .onnx, or .ir/.txt for IR text",
            Required = true,
        };
        var cmd = new Command("convert",
            "Convert a model between ONNX (.onnx) and IR text (.ir, .txt), by file extension. "
            + "ONNX to ONNX re-exports through the engine's IR (every op in its latest opset form). Never replaces the input.")
        {
            model, output,
        };
        cmd.SetAction(p => Guard.Run(() => Execute(p.GetValue(model)!, p.GetValue(output)!)));
        return cmd;
    }

    private static int Execute(string input, string output)
    {
        var from = ModelFormats.FromExtension(input, "input");
        var to = ModelFormats.FromExtension(output, "output");
        if (Directory.Exists(output)) throw new EngineException($"{output}: is a folder; give a file name to write");
        if (!File.Exists(input)) throw new EngineException(Directory.Exists(input) ? $"{input}: is a folder, not a model file" : $"{input}: file not found");
        if (ModelFormats.SameFile(input, output)) throw new EngineException($"{output}: is the input file; choose another output so the input is kept");
        var model = ModelFormats.Read(input, from);
        ModelFormats.Write(model, output, to);
        Console.WriteLine($"wrote {output} ({(to == ModelFormat.Onnx ? "ONNX" : "IR text")}, {Units.Plural(model.Graph.AllNodes().Count(), "node")})");
        return ExitCodes.Ok;
    }
}
