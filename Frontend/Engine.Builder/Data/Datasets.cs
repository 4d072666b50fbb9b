using Engine.Runtime;

namespace Engine.Builder.Data;

/// <summary>
/// The datasets the CLI and the demo know by name. Fashion-MNIST comes from the Debian package
/// dataset-fashion-mnist (installed by ./engine's setup); digits ships with the repo (data/digits).
/// </summary>
public static class Datasets
{
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";

    public static IReadOnlyList<string> Names { get; } = ["digits", "fashion-mnist", "iris"];

    /// <summary>Fashion-MNIST class names, index = label.</summary>
    public static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static bool FashionMnistAvailable(string dir = FashionMnistDir) =>
        File.Exists(Path.Combine(dir, "train-images-idx3-ubyte.gz")) && File.Exists(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));

    /// <summary>Fashion-MNIST's official 60,000/10,000 split as [1, 28, 28] images in [0, 1].</summary>
    public static (LabeledData Train, LabeledData Test) FashionMnist(string dir = FashionMnistDir)
    {
        if (!FashionMnistAvailable(dir))
            throw new EngineException($"Fashion-MNIST not found in {dir}: install it with 'apt-get install dataset-fashion-mnist'");
        return (IdxReader.ReadImages(Path.Combine(dir, "train-images-idx3-ubyte.gz"), Path.Combine(dir, "train-labels-idx1-ubyte.gz"), 10, "fashion-mnist/train"),
                IdxReader.ReadImages(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"), 10, "fashion-mnist/test"));
    }

    /// <summary>UCI digits: 1,797 8×8 images (pixels 0–16), as flat 64-feature rows scaled to [0, 1].</summary>
    public static LabeledData Digits(string path)
    {
        var d = CsvReader.Read(path, "digits", classes: 10);
        var x = d.Features.Select(v => v / 16f).ToArray();
        return new LabeledData(x, d.SampleShape, d.Labels, 10, "digits");
    }

    /// <summary>The same digits as [1, 8, 8] images, for convolutional models.</summary>
    public static LabeledData AsImages(LabeledData flat, int channels, int height, int width) =>
        new(flat.Features, [channels, height, width], flat.Labels, flat.Classes, flat.Name);

    /// <summary>Finds the carried digits file from the working directory or the executable's location upwards.</summary>
    public static string? FindDigits()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var p = Path.Combine(d.FullName, "data", "digits", "digits.csv.gz");
                if (File.Exists(p)) return p;
            }
        }
        return null;
    }
}
