using Engine.Passes.Compression;
using Engine.Runtime;
using Engine.Runtime.IO;
using Xunit;
using static Engine.Tests.Passes.Quantization.QuantizationKit;

namespace Engine.Tests.Passes.Compression;

/// <summary>Magnitude pruning, k-means weight sharing and Huffman-coded weights on a trained CNN and on hand cases.</summary>
public class DeepCompressionTests
{
    [Theory]
    [InlineData(PruneScope.Global)]
    [InlineData(PruneScope.PerLayer)]
    public void PruningZeroesTheSmallestWeights(PruneScope scope)
    {
        var g = Import();
        var before = PrunableWeights.Find(g).ToDictionary(e => e.Weight.Name, e => e.Data.As<float>().ToArray());
        var (layers, masks) = MagnitudePruning.Prune(g, 0.6, scope);
        Assert.Equal(4, layers.Count);
        long total = layers.Sum(l => l.Elements), zeros = layers.Sum(l => l.Zeros);
        Assert.InRange((double)zeros / total, 0.59, 0.61);
        if (scope == PruneScope.PerLayer) Assert.All(layers, l => Assert.InRange(l.Sparsity, 0.59, 0.61));
        foreach (var e in PrunableWeights.Find(g))
        {
            var w = e.Data.As<float>();
            var orig = before[e.Weight.Name];
            var mask = masks[e.Weight.Name];
            float keptMin = orig.Where((_, i) => mask[i]).Select(Math.Abs).DefaultIfEmpty(0).Min();
            for (int i = 0; i < w.Length; i++)
            {
                Assert.Equal(mask[i] ? orig[i] : 0f, w[i]);
                // Nothing pruned is larger than what a layer kept (per layer) — the magnitude criterion.
                if (!mask[i] && scope == PruneScope.PerLayer) Assert.True(Math.Abs(orig[i]) <= keptMin);
            }
        }
    }

    [Fact]
    public void BadSparsityIsAOneLineError()
    {
        var e = Assert.Throws<EngineException>(() => MagnitudePruning.Prune(Import(), 1.0));
        Assert.Contains("sparsity must be in [0, 1)", e.Message);
    }

    [Fact]
    public void KMeansSharesWeightsAndKeepsZeros()
    {
        float[] w = [0f, 1f, 1.1f, 0f, 5f, 5.2f, -3f, -3.1f];
        var (codebook, idx) = WeightClustering.KMeans(w, 3, 20);
        Assert.Equal([-1, -1], new[] { idx[0], idx[3] });
        Assert.Equal(idx[1], idx[2]);
        Assert.Equal(idx[4], idx[5]);
        Assert.Equal(idx[6], idx[7]);
        Assert.Equal(1.05f, codebook[idx[1]], 4);
        Assert.Equal(5.1f, codebook[idx[4]], 4);
        Assert.Equal(-3.05f, codebook[idx[6]], 4);
    }

    [Fact]
    public void PruneClusterHuffmanShrinksTheWeightsAndDecodesExactly()
    {
        var g = Import();
        var result = DeepCompression.Run(g, 0.7, convBits: 6, fcBits: 4);
        var total = result.Total;
        Assert.True(total.Pruned < total.Dense && total.Clustered < total.Pruned && total.Huffman < total.Clustered,
            $"stage sizes {total.Dense} → {total.Pruned} → {total.Clustered} → {total.Huffman}");
        Assert.True(total.Dense >= 8 * total.Huffman, $"only {(double)total.Dense / total.Huffman:0.0}× smaller");
        foreach (var e in PrunableWeights.Find(result.Graph))
        {
            var decoded = HuffmanWeights.Decode(result.Blobs[e.Weight.Name]);
            Assert.Equal(e.Data.As<float>(), decoded);
            // At most 2^bits distinct non-zero values per layer.
            Assert.True(decoded.Where(v => v != 0).Distinct().Count() <= (e.IsConv ? 64 : 16));
        }
        // Weight sharing alone (no pruning: that needs retraining) keeps the CNN's accuracy on digits.
        double fp32 = Accuracy(ArgMax(Logits(Import())));
        double shared = Accuracy(ArgMax(Logits(DeepCompression.Run(Import(), 0.0, convBits: 6, fcBits: 4).Graph)));
        Assert.True(shared > fp32 - 0.03, $"accuracy {fp32} → {shared}");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.95)]
    [InlineData(1.0)]
    public void HuffmanRoundTripsLongZeroRunsAndAnySparsity(double zeroShare)
    {
        var rng = new Random(4);
        var codebook = Enumerable.Range(0, 32).Select(i => i * 0.25f - 4).ToArray();
        // A 1,000-zero run at the start, then random gaps: runs longer than one run symbol and a trailing run.
        var idx = Enumerable.Range(0, 20_000).Select(i => i < 1000 || rng.NextDouble() < zeroShare ? -1 : rng.Next(32)).ToArray();
        var decoded = HuffmanWeights.Decode(HuffmanWeights.Encode(codebook, idx));
        Assert.Equal(idx.Select(i => i < 0 ? 0f : codebook[i]), decoded);
    }

    [Fact]
    public void HuffmanBlobsRejectCorruption()
    {
        var blob = HuffmanWeights.Encode([0.5f, -1f], [0, -1, -1, 1, 0, -1, -1, -1]);
        Assert.Equal([0.5f, 0f, 0f, -1f, 0.5f, 0f, 0f, 0f], HuffmanWeights.Decode(blob));
        Assert.Contains("truncated", Assert.Throws<EngineException>(() => HuffmanWeights.Decode(blob.AsSpan(0, blob.Length - 1))).Message
            + Assert.Throws<EngineException>(() => HuffmanWeights.Decode(blob.AsSpan(0, 10))).Message);
        var bad = (byte[])blob.Clone();
        bad[0] = (byte)'X';
        Assert.Contains("bad magic", Assert.Throws<EngineException>(() => HuffmanWeights.Decode(bad)).Message);
        Assert.Throws<EngineException>(() => HuffmanWeights.Encode([1f], [2]));
    }
}
