using Engine.Runtime;

namespace Engine.Tests.Ops;

public class DetectionOpsTests
{
    private static readonly float[] Boxes =
    [
        0, 0, 1, 1,
        0, 0.1f, 1, 1.1f,
        0, -0.1f, 1, 0.9f,
        0, 10, 1, 11,
        0, 10.1f, 1, 11.1f,
        0, 100, 1, 101,
    ];

    private static readonly float[] Scores = [0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f];

    private static Tensor Nms(float[] boxes, float[] scores, long max, float iou, float? scoreThr, long center = 0, int classes = 1)
    {
        int n = boxes.Length / 4;
        return ReduceFamilyRunner.Run1("NonMaxSuppression",
            [Tensor.FromArray(boxes, 1, n, 4), Tensor.FromArray(scores, 1, classes, n), Tensor.FromArray(new[] { max }, 1),
             Tensor.FromArray(new[] { iou }, 1), scoreThr is { } s ? Tensor.FromArray(new[] { s }, 1) : null],
            ("center_point_box", center));
    }

    [Fact]
    public void SuppressesOverlapsByDescendingScore()
    {
        var y = Nms(Boxes, Scores, 3, 0.5f, 0f);
        Assert.Equal(new[] { 3, 3 }, y.Shape);
        Assert.Equal(new long[] { 0, 0, 3, 0, 0, 0, 0, 0, 5 }, y.As<long>());
    }

    [Fact]
    public void ScoreThresholdAndMaxOutputLimitSelection()
    {
        Assert.Equal(new long[] { 0, 0, 3, 0, 0, 0 }, Nms(Boxes, Scores, 3, 0.5f, 0.4f).As<long>());
        Assert.Equal(new long[] { 0, 0, 3, 0, 0, 0 }, Nms(Boxes, Scores, 2, 0.5f, null).As<long>());
        Assert.Equal(new[] { 0, 3 }, Nms(Boxes, Scores, 0, 0.5f, null).Shape);
    }

    [Fact]
    public void CenterFormatAndFlippedCornersGiveTheSameBoxes()
    {
        var center = Boxes.Chunk(4).SelectMany(b => new[] { (b[1] + b[3]) / 2, (b[0] + b[2]) / 2, b[3] - b[1], b[2] - b[0] }).ToArray();
        Assert.Equal(new long[] { 0, 0, 3, 0, 0, 0, 0, 0, 5 }, Nms(center, Scores, 3, 0.5f, 0f, center: 1).As<long>());
        var flipped = Boxes.Chunk(4).SelectMany(b => new[] { b[2], b[3], b[0], b[1] }).ToArray();
        Assert.Equal(new long[] { 0, 0, 3, 0, 0, 0, 0, 0, 5 }, Nms(flipped, Scores, 3, 0.5f, 0f).As<long>());
    }

    [Fact]
    public void TfIdfCountsUnigramsAndSkipBigrams()
    {
        var x = Tensor.FromArray(new[] { 1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8 }, 12);
        (string, object)[] attrs =
        [
            ("max_gram_length", 2L), ("min_gram_length", 1L), ("max_skip_count", 0L), ("mode", "TF"),
            ("ngram_counts", new long[] { 0, 4 }), ("ngram_indexes", new long[] { 0, 1, 2, 3, 4, 5, 6 }),
            ("pool_int64s", new long[] { 2, 3, 5, 4, 5, 6, 7, 8, 6, 7 }),
        ];
        var y = ReduceFamilyRunner.Run1("TfIdfVectorizer", [x], attrs);
        Assert.Equal(new[] { 7 }, y.Shape);
        // unigrams 2,3,5,4 → 0,3,1,0; bigrams (5,6),(7,8),(6,7) each occur once contiguously
        Assert.Equal(new float[] { 0, 3, 1, 0, 1, 1, 1 }, y.As<float>());
        attrs[2] = ("max_skip_count", 5L);
        var skip = ReduceFamilyRunner.Run1("TfIdfVectorizer", [x], attrs);
        // with skips, (7,8) also matches 7·_·_·_·_·8 and 7·_·_·8
        Assert.Equal(new float[] { 0, 3, 1, 0, 1, 3, 1 }, skip.As<float>());
    }

    [Fact]
    public void TfIdfWeightsAndStringTokens()
    {
        var x = Tensor.FromArray(new[] { "a", "b", "a", "c", "b", "a" }, 2, 3);
        (string, object)[] attrs =
        [
            ("max_gram_length", 1L), ("min_gram_length", 1L), ("max_skip_count", 0L), ("mode", "TFIDF"),
            ("ngram_counts", new long[] { 0 }), ("ngram_indexes", new long[] { 1, 0 }),
            ("pool_strings", new[] { "a", "b" }), ("weights", new[] { 10f, 100f }),
        ];
        var y = ReduceFamilyRunner.Run1("TfIdfVectorizer", [x], attrs);
        Assert.Equal(new[] { 2, 2 }, y.Shape);
        // index 0 ← "b" (weight 10), index 1 ← "a" (weight 100)
        Assert.Equal(new float[] { 10, 200, 10, 100 }, y.As<float>());
        attrs[3] = ("mode", "IDF");
        Assert.Equal(new float[] { 10, 100, 10, 100 }, ReduceFamilyRunner.Run1("TfIdfVectorizer", [x], attrs).As<float>());
    }
}
