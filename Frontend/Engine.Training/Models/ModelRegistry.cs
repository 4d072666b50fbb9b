using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Architectures `engine train --model NAME` knows. Small on purpose: the model-builder issue adds
/// the zoo's models with one <see cref="Register"/> call each.
/// </summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, (string Description, Func<IModelDefinition> Create)> Entries = new(StringComparer.Ordinal)
    {
        ["mlp"] = ("2-layer perceptron: Gemm(→128) + ReLU + Gemm(→classes)", () => new Mlp(128)),
        ["lenet5"] = ("LeNet-5 for 1×28×28 images: conv5(6)+ReLU+maxpool, conv5(16)+ReLU+maxpool, 120, 84, classes", () => new LeNet5()),
    };

    public static IEnumerable<string> Names => Entries.Keys.Order(StringComparer.Ordinal);

    public static string Describe(string name) => Entries[name].Description;

    public static void Register(string name, string description, Func<IModelDefinition> create) => Entries[name] = (description, create);

    public static IModelDefinition Create(string name) =>
        Entries.TryGetValue(name, out var e) ? e.Create()
            : throw new EngineException($"unknown model '{name}' (known: {string.Join(", ", Names)})");
}
