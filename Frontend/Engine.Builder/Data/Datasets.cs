using Engine.Runtime;
using Engine.Training;

namespace Engine.Builder.Data;

/// <summary>
/// Datasets known by name beyond the training library's: Fashion-MNIST from the Debian package
/// dataset-fashion-mnist (scripts/setup-deps installs it), and the digits set the repo carries in data/.
/// </summary>
public static class Datasets
{
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";

    /// <summary>Fashion-MNIST class names, index = label.</summary>
    public static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static bool FashionMnistAvailable(string dir = FashionMnistDir) =>
        File.Exists(Path.Combine(dir, "train-images-idx3-ubyte.gz")) && File.Exists(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));

    /// <summary>Fashion-MNIST's official 60,000/10,000 split as [1, 28, 28] images in [0, 1].</summary>
    public static (Dataset Train, Dataset Test) FashionMnist(string dir = FashionMnistDir)
    {
        if (!FashionMnistAvailable(dir))
            throw new EngineException($"Fashion-MNIST not found in {dir}: install it with 'apt-get install dataset-fashion-mnist' (scripts/setup-deps does)");
        return (IdxReader.ReadImages(Path.Combine(dir, "train-images-idx3-ubyte.gz"), Path.Combine(dir, "train-labels-idx1-ubyte.gz"), 10, "fashion-mnist"),
                IdxReader.ReadImages(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"), 10, "fashion-mnist/test"));
    }

    /// <summary>The repo's data folder (holding digits/digits.csv.gz), searched from the working directory and the executable upwards.</summary>
    public static string? FindDataDir()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var p = Path.Combine(d.FullName, "data");
                if (File.Exists(Path.Combine(p, "digits", "digits.csv.gz"))) return p;
            }
        }
        return null;
    }

    /// <summary>The carried digits (1,797 samples, 64 features in [0, 1]).</summary>
    public static Dataset Digits() =>
        DatasetRegistry.LoadDigits(FindDataDir() ?? throw new EngineException("dataset 'digits': data/digits/digits.csv.gz not found above the working directory"));
}
