using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Datasets `engine train --dataset NAME` knows, by name. Small on purpose: the model-builder issue
/// adds more (Fashion-MNIST) with one <see cref="Register"/> call each.
/// </summary>
public static class DatasetRegistry
{
    private static readonly Dictionary<string, (string Description, Func<string, DatasetParts> Load)> Entries = new(StringComparer.Ordinal)
    {
        ["digits"] = ("UCI handwritten digits, 1,797 8×8 images (pixels 0–16 scaled to 0–1), 10 classes; reads DIR/digits/digits.csv.gz",
            root => new DatasetParts(LoadDigits(root), null)),
    };

    public static IEnumerable<string> Names => Entries.Keys.Order(StringComparer.Ordinal);

    public static string Describe(string name) => Entries[name].Description;

    public static void Register(string name, string description, Func<string, Dataset> load) =>
        Entries[name] = (description, root => new DatasetParts(load(root), null));

    /// <summary>Registers a dataset that comes with an official test split.</summary>
    public static void Register(string name, string description, Func<string, DatasetParts> load) => Entries[name] = (description, load);

    /// <summary>Loads the training part of <paramref name="name"/> (all of it when there is no official test split) from <paramref name="root"/>.</summary>
    public static Dataset Load(string name, string root) => LoadParts(name, root).Train;

    /// <summary>Loads <paramref name="name"/> from the datasets folder <paramref name="root"/> with its official test split when it has one.</summary>
    public static DatasetParts LoadParts(string name, string root) =>
        Entries.TryGetValue(name, out var e) ? e.Load(root)
            : throw new EngineException($"unknown dataset '{name}' (known: {string.Join(", ", Names)})");

    /// <summary>The digits CSV: 64 pixel values (0–16, scaled to 0–1) then the label on each row.</summary>
    public static Dataset LoadDigits(string root)
    {
        var path = Path.Combine(root, "digits", "digits.csv.gz");
        if (!File.Exists(path)) throw new EngineException($"dataset 'digits': {path} not found (pass --data-dir)");
        var raw = CsvReader.Read(path, "digits", classes: 10);
        if (raw.SampleSize != 64) throw new EngineException($"dataset 'digits': {path} has {raw.SampleSize} features per row, expected 64");
        return new Dataset("digits", raw.Features.Select(v => v / 16f).ToArray(), [64], raw.Labels, 10);
    }
}
