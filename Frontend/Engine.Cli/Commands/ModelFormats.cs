using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;

namespace Engine.Cli.Commands;

public enum ModelFormat
{
    Onnx,
    IrText,
}

/// <summary>Model file formats by extension, and reading/writing each.</summary>
public static class ModelFormats
{
    public static ModelFormat FromExtension(string path, string role) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".onnx" => ModelFormat.Onnx,
        ".ir" or ".txt" => ModelFormat.IrText,
        var e => throw new EngineException($"{path}: cannot tell the {role} format from extension '{e}' (use .onnx, .ir or .txt)"),
    };

    public static Model Read(string path, ModelFormat format) => format switch
    {
        ModelFormat.Onnx => new OnnxImporter().Load(path),
        _ => throw new EngineException($"{path}: reading IR text needs the IR text parser, which this build does not include yet"),
    };

    public static void Write(Model model, string path, ModelFormat format)
    {
        switch (format)
        {
            case ModelFormat.Onnx:
                OnnxExporter.Save(model, path);
                break;
            default:
                throw new EngineException($"{path}: writing IR text needs the IR text printer, which this build does not include yet");
        }
    }

    /// <summary>True when both paths name the same file (after resolving symbolic links).</summary>
    public static bool SameFile(string a, string b) =>
        string.Equals(Resolve(a), Resolve(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true);
            if (target is not null) return Path.GetFullPath(target.FullName);
            // A link in a parent folder: resolve the folder and keep the name.
            var dir = Path.GetDirectoryName(full);
            if (dir is not null && new DirectoryInfo(dir).ResolveLinkTarget(returnFinalTarget: true) is { } d)
                return Path.Combine(d.FullName, Path.GetFileName(full));
        }
        catch (IOException)
        {
        }
        return full;
    }
}
