using Engine.Builder.Data;
using Engine.Training;

namespace Engine.Builder.Zoo;

/// <summary>Adds the zoo's classifiers and Fashion-MNIST to the names <c>engine train</c> knows.</summary>
public static class ZooRegistration
{
    private static int _done;

    /// <summary>A zoo classifier as the training loop's model definition, sized by the data.</summary>
    public static BuilderModelDefinition Definition(string name)
    {
        var e = ModelZoo.Get(name);
        return new BuilderModelDefinition(e.Name, (shape, classes) => e.Create(new ZooOptions { InputShape = shape, Classes = classes }));
    }

    public static void RegisterAll()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        foreach (var entry in ModelZoo.All.Where(e => e.Task == ZooTask.Classification))
        {
            var e = entry;
            ModelRegistry.Register(e.Name, e.Description, () => Definition(e.Name));
        }
        DatasetRegistry.Register("fashion-mnist", $"Fashion-MNIST, 60,000 + 10,000 28×28 grey images, 10 classes; from {Datasets.FashionMnistDir}",
            _ =>
            {
                var (train, test) = Datasets.FashionMnist();
                return new DatasetParts(train, test);
            });
    }
}
