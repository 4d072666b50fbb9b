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

    /// <summary>Largest IR text file read (the text of big initializers is long, but not this long).</summary>
    public const long MaxTextBytes = 1L << 30;

    public static Model Read(string path, ModelFormat format) => format switch
    {
        ModelFormat.Onnx => new OnnxImporter().Load(path),
        _ => ReadIrText(path),
    };

    public static void Write(Model model, string path, ModelFormat format)
    {
        switch (format)
        {
            case ModelFormat.Onnx:
                OnnxExporter.Save(model, path);
                break;
            default:
                SafeFile.WriteAllText(path, IrPrinter.Print(model.Graph));
                break;
        }
    }

    /// <summary>Parses IR text, orders and types it, and checks every IR invariant, naming the file in any error.</summary>
    public static Model ReadIrText(string path)
    {
        if (Directory.Exists(path)) throw new EngineException($"{path}: is a folder, not a model file");
        if (!File.Exists(path)) throw new EngineException($"{path}: file not found");
        if (new FileInfo(path).Length > MaxTextBytes) throw new EngineException($"{path}: over the {MaxTextBytes}-byte limit for IR text");
        try
        {
            var g = IrParser.Parse(File.ReadAllText(path), OpRegistry.Default);
            g.TopologicalSort();
            TypePropagation.Run(g);
            Verifier.VerifyOrThrow(g);
            return new Model(g) { Source = path };
        }
        catch (EngineException e)
        {
            throw new EngineException($"{path}: {e.Message.Split('\n')[0]}", e);
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
