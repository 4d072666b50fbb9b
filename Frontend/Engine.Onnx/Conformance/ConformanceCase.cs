namespace Engine.Onnx.Conformance;

/// <summary>
/// One conformance test: a model plus data sets. Two layouts are understood: ONNX's backend test
/// folders (model.onnx + test_data_set_N/{input,output}_N.pb) and the "light" model files
/// (NAME.onnx beside NAME_output_0.pb, input = arange(n)/n in the model's input shape).
/// </summary>
public sealed record ConformanceCase(string Name, string ModelPath, IReadOnlyList<string> DataSets, bool GeneratedInput)
{
    /// <summary>Finds every test under the given paths (a test folder, a folder of tests, or a light folder).</summary>
    public static List<ConformanceCase> Discover(IEnumerable<string> paths)
    {
        var cases = new List<ConformanceCase>();
        foreach (var p in paths)
        {
            if (!Directory.Exists(p)) throw new Runtime.EngineException($"{p}: not a directory");
            if (File.Exists(Path.Combine(p, "model.onnx"))) cases.Add(FromFolder(p));
            foreach (var d in Directory.GetDirectories(p).Order(StringComparer.Ordinal))
            {
                if (File.Exists(Path.Combine(d, "model.onnx"))) cases.Add(FromFolder(d));
            }
            foreach (var f in Directory.GetFiles(p, "*.onnx").Order(StringComparer.Ordinal))
            {
                var stem = Path.GetFileNameWithoutExtension(f);
                var expected = Path.Combine(p, stem + "_output_0.pb");
                if (File.Exists(expected)) cases.Add(new ConformanceCase(stem, f, [expected], true));
            }
        }
        return cases;
    }

    private static ConformanceCase FromFolder(string dir)
    {
        var sets = Directory.GetDirectories(dir, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        return new ConformanceCase(Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')), Path.Combine(dir, "model.onnx"), sets, false);
    }
}
