using Engine.Builder.Data;
using Engine.Training;

namespace Engine.Builder.Zoo;

/// <summary>Adds the zoo's classifiers and Fashion-MNIST to the names <c>engine train</c> knows.</summary>
public static class ZooRegistration
{
    private static int _done;

    public static void RegisterAll()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        foreach (var entry in ModelZoo.All.Where(e => e.Task == ZooTask.Classification))
        {
            var e = entry;
            ModelRegistry.Register(e.Name, e.Description,
                () => new BuilderModelDefinition(e.Name, (shape, classes) => e.Create(new ZooOptions { InputShape = shape, Classes = classes })));
        }
        DatasetRegistry.Register("fashion-mnist", $"Fashion-MNIST, 60,000 + 10,000 28×28 grey images, 10 classes; from {Datasets.FashionMnistDir}",
            _ => Datasets.FashionMnist().Train);
    }
}
