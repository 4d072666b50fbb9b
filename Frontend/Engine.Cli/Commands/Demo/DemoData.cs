using Engine.Builder.Data;
using Engine.Runtime;
using Engine.Training;

namespace Engine.Cli.Commands.Demo;

/// <summary>
/// The demo's data: Fashion-MNIST's official 60,000/10,000 split when the Debian package is installed,
/// else the carried digits set (8×8) upscaled ×3 and zero-padded to LeNet's 28×28 with a seeded 80/20 split.
/// </summary>
public sealed record DemoData(Dataset Train, Dataset Test, string Description, string[] ClassNames)
{
    public static DemoData Load(bool quick)
    {
        DemoData data;
        if (Datasets.FashionMnistAvailable())
        {
            var (train, test) = Datasets.FashionMnist();
            data = new DemoData(train, test, "Fashion-MNIST (official split)", Datasets.FashionMnistClasses);
        }
        else
        {
            Console.WriteLine($"Fashion-MNIST is not installed in {Datasets.FashionMnistDir} (scripts/setup-deps installs it): using the carried digits, upscaled to 28×28");
            var digits = Upscale(Datasets.Digits());
            var (test, train) = digits.Split(0.2, new Rng(0));
            data = new DemoData(train, test, "digits upscaled to 28×28 (seeded 80/20 split)", Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }
        return quick ? data.Slice(2_048, 512) : data;
    }

    /// <summary>The first <paramref name="train"/> and <paramref name="test"/> samples (the --quick run).</summary>
    private DemoData Slice(int train, int test) => this with
    {
        Train = Train.Subset(Enumerable.Range(0, Math.Min(train, Train.Count)).ToArray(), Train.Name),
        Test = Test.Subset(Enumerable.Range(0, Math.Min(test, Test.Count)).ToArray(), Test.Name),
        Description = Description + $", first {Math.Min(train, Train.Count)}/{Math.Min(test, Test.Count)} samples (--quick)",
    };

    /// <summary>8×8 digits → [1, 28, 28]: each pixel repeated 3×3 (24×24), then a 2-pixel zero border.</summary>
    public static Dataset Upscale(Dataset digits)
    {
        const int side = 28, scale = 3, pad = 2;
        var dst = new float[digits.Count * side * side];
        for (int n = 0; n < digits.Count; n++)
        {
            for (int y = 0; y < 8 * scale; y++)
            {
                for (int x = 0; x < 8 * scale; x++)
                    dst[(n * side + y + pad) * side + x + pad] = digits.Features[n * 64 + y / scale * 8 + x / scale];
            }
        }
        return new Dataset("digits-28", dst, [1, side, side], digits.Labels, digits.Classes);
    }
}
