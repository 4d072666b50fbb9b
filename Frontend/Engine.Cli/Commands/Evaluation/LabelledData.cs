using Engine.Runtime;
using Engine.Training;

namespace Engine.Cli.Commands.Evaluation;

/// <summary>
/// Registered datasets as the commands see them: the folder they live in, and the same train/test split
/// <c>engine train</c> uses (the official test split, else a seeded 20% with the given seed), so a model
/// trained there is evaluated on data it never saw.
/// </summary>
public static class LabelledData
{
    public static (Dataset Train, Dataset Test) Load(string name, string? dataDir, int seed = 0)
    {
        var parts = DatasetRegistry.LoadParts(name, Root(dataDir));
        if (parts.Test is { } test) return (parts.Train, test);
        var (held, train) = parts.Train.Split(0.2, new Rng(unchecked((ulong)seed)));
        return (train, held);
    }

    /// <summary>The datasets folder: given, else $ENGINE_DATASETS, else the repo's data/, else ../shared/datasets.</summary>
    public static string Root(string? given)
    {
        if (given is not null) return given;
        if (Environment.GetEnvironmentVariable("ENGINE_DATASETS") is { Length: > 0 } env) return env;
        // The repo carries digits in data/, so a fresh clone works without ../shared.
        if (Engine.Builder.Data.Datasets.FindDataDir() is { } carried) return carried;
        foreach (var candidate in new[] { "../shared/datasets", "shared/datasets" })
        {
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new EngineException("no datasets folder: pass --data-dir or set ENGINE_DATASETS");
    }
}
