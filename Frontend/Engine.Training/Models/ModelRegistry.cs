using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Architectures `engine train --model NAME` knows. The training library defines none itself: the
/// builder's zoo (Engine.Builder.Zoo.ZooRegistration.RegisterAll, called by the CLI and the bench at
/// startup) registers every classifier, so each architecture is written once.
/// </summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, (string Description, Func<IModelDefinition> Create)> Entries = new(StringComparer.Ordinal);

    public static IEnumerable<string> Names => Entries.Keys.Order(StringComparer.Ordinal);

    public static string Describe(string name) => Entries[name].Description;

    public static void Register(string name, string description, Func<IModelDefinition> create) => Entries[name] = (description, create);

    public static IModelDefinition Create(string name) =>
        Entries.TryGetValue(name, out var e) ? e.Create()
            : throw new EngineException($"unknown model '{name}' (known: {string.Join(", ", Names)})");
}
