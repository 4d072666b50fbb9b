using System.Globalization;
using System.IO.Compression;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Datasets `engine train --dataset NAME` knows, by name. Small on purpose: the model-builder issue
/// adds more (Fashion-MNIST) with one <see cref="Register"/> call each.
/// </summary>
public static class DatasetRegistry
{
    private static readonly Dictionary<string, (string Description, Func<string, Dataset> Load)> Entries = new(StringComparer.Ordinal)
    {
        ["digits"] = ("UCI handwritten digits, 1,797 8×8 images (pixels 0–16 scaled to 0–1), 10 classes; reads DIR/digits/digits.csv.gz", LoadDigits),
    };

    public static IEnumerable<string> Names => Entries.Keys.Order(StringComparer.Ordinal);

    public static string Describe(string name) => Entries[name].Description;

    public static void Register(string name, string description, Func<string, Dataset> load) => Entries[name] = (description, load);

    /// <summary>Loads <paramref name="name"/> from the datasets folder <paramref name="root"/>.</summary>
    public static Dataset Load(string name, string root) =>
        Entries.TryGetValue(name, out var e) ? e.Load(root)
            : throw new EngineException($"unknown dataset '{name}' (known: {string.Join(", ", Names)})");

    /// <summary>The digits CSV: 64 pixel values then the label on each row.</summary>
    public static Dataset LoadDigits(string root)
    {
        var path = Path.Combine(root, "digits", "digits.csv.gz");
        if (!File.Exists(path)) throw new EngineException($"dataset 'digits': {path} not found (pass --data-dir)");
        var features = new List<float>();
        var labels = new List<long>();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        int lineNo = 0;
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != 65) throw new EngineException($"dataset 'digits': {path} line {lineNo} has {cells.Length} fields, expected 65");
            for (int i = 0; i < 64; i++) features.Add(Cell(cells[i], path, lineNo) / 16f);
            labels.Add((long)Cell(cells[64], path, lineNo));
        }
        return new Dataset("digits", features.ToArray(), [64], labels.ToArray(), 10);
    }

    private static float Cell(string s, string path, int line) =>
        float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
            ? v : throw new EngineException($"dataset 'digits': {path} line {line}: '{s}' is not a number");
}
