using System.IO.Compression;
using Engine.Builder.Data;
using Engine.Runtime;
using Engine.Training;
using Xunit;

namespace Engine.Tests.Builder;

public class DataTests
{
    [Fact]
    public void Carried_digits_load_with_ten_classes()
    {
        var d = Datasets.Digits();
        Assert.Equal(1797, d.Count);
        Assert.Equal([64], d.SampleShape);
        Assert.All(d.ClassCounts(), c => Assert.InRange(c, 170, 190));
        Assert.InRange(d.Features.Max(), 0.99f, 1f);
    }

    [Fact]
    public void Split_is_seeded_disjoint_and_complete()
    {
        var d = Datasets.Digits();
        var (a, b) = d.Split(0.8, new Rng(5));
        var (a2, _) = d.Split(0.8, new Rng(5));
        var (a3, _) = d.Split(0.8, new Rng(6));
        Assert.Equal(1438, a.Count);
        Assert.Equal(359, b.Count);
        Assert.Equal(a.Labels, a2.Labels);
        Assert.NotEqual(a.Features, a3.Features);
        Assert.Equal(d.Features.Sum(), a.Features.Sum() + b.Features.Sum(), 1);
    }

    [Fact]
    public void Batches_cover_every_sample_once_per_epoch()
    {
        var d = Datasets.Digits().Take(103);
        var batches = d.Batches(16, new Rng(1)).ToList();
        Assert.Equal(7, batches.Count);
        Assert.Equal([7, 64], batches[^1].X.Shape);
        Assert.Equal(d.Labels.Order(), batches.SelectMany(b => b.Y.As<long>()).Order());
        Assert.Equal(6, d.Batches(16, new Rng(1), dropLast: true).Count());
    }

    [Fact]
    public void Normalizer_uses_training_statistics_only()
    {
        var train = new Dataset("train", [1, 10, 3, 10, 5, 10], [2], [0, 1, 0], 2);
        var test = new Dataset("test", [3, 7], [2], [1], 2);
        var n = Normalizer.Fit(train, perChannel: false);
        Assert.Equal([3f, 10f], n.Mean);
        Assert.Equal(1f, n.Std[1]); // constant feature keeps scale 1
        var t = n.Apply(test);
        Assert.Equal(0f, t.Features[0], 5);
        Assert.Equal(-3f, t.Features[1], 5);
    }

    [Fact]
    public void Idx_reader_reads_gzip_and_rejects_truncation()
    {
        string dir = Directory.CreateTempSubdirectory("idx").FullName;
        try
        {
            string images = Path.Combine(dir, "img.gz"), labels = Path.Combine(dir, "lab.gz");
            WriteGz(images, [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 0]);
            WriteGz(labels, [0, 0, 8, 1, 0, 0, 0, 2, 7, 3]);
            var d = IdxReader.ReadImages(images, labels, 10, "tiny");
            Assert.Equal([1, 2, 3], d.SampleShape);
            Assert.Equal([7L, 3L], d.Labels);
            Assert.Equal(0.2f, d.Features[1], 5);
            WriteGz(images, [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2]);
            var e = Assert.Throws<EngineException>(() => IdxReader.ReadImages(images, labels, 10, "tiny"));
            Assert.Contains("truncated", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Csv_reader_names_line_and_column_of_bad_cells()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "1,2,0\n3,x,1\n");
            var e = Assert.Throws<EngineException>(() => CsvReader.Read(path, "bad"));
            Assert.Contains("line 2 column 2", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Augmentations_keep_shape_and_flip_mirrors()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 1, 1, 2, 3);
        var f = Augmentation.RandomHorizontalFlip(x, new Random(0), p: 1);
        Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4 }, f.As<float>());
        var c = Augmentation.RandomCrop(x, 1, new Random(3));
        Assert.Equal(x.Shape, c.Shape);
        Assert.Equal(x.As<float>(), Augmentation.RandomCrop(x, 0, new Random(3)).As<float>());
    }

    /// <summary>The real Fashion-MNIST files from Debian (the setup script installs them for CI).</summary>
    [Fact]
    public void Fashion_mnist_from_debian_has_the_official_split()
    {
        Assert.True(Datasets.FashionMnistAvailable(), "run ./setup (apt-get install dataset-fashion-mnist)");
        var (train, test) = Datasets.FashionMnist();
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([1, 28, 28], train.SampleShape);
        Assert.All(test.ClassCounts(), c => Assert.Equal(1000, c));
    }

    private static void WriteGz(string path, byte[] data)
    {
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        gz.Write(data);
    }
}
