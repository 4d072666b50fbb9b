namespace Engine.Runtime.Kernels;

/// <summary>
/// TfIdfVectorizer: counts the n-grams of a pool (given as consecutive runs of 1-grams, 2-grams, …)
/// in each row, with items of an n-gram allowed to be up to max_skip_count apart, then weights the
/// counts (TF, IDF or TFIDF). The pool is kept as a trie keyed by token.
/// </summary>
public static class TfIdfVectorizerKernels
{
    private sealed class TrieNode
    {
        /// <summary>1-based n-gram id; 0 when this prefix is not itself a pooled n-gram.</summary>
        public int Id;

        public Dictionary<object, TrieNode>? Children;
    }

    public static Tensor?[] TfIdfVectorizer(KernelContext ctx, Tensor?[] inputs)
    {
        var x = (inputs.Length > 0 ? inputs[0] : null) ?? throw ctx.Fail("input 'X' is required");
        var a = ctx.Attributes;
        long minGram = a.GetInt("min_gram_length"), maxGram = a.GetInt("max_gram_length"), maxSkip = a.GetInt("max_skip_count");
        string mode = a.GetString("mode");
        var counts = a.GetInts("ngram_counts");
        var indexes = a.GetInts("ngram_indexes");
        var weights = a.GetFloatsOrNull("weights");
        object[] pool = a.GetIntsOrNull("pool_int64s") is { } pi ? pi.Cast<object>().ToArray()
            : a.GetStringsOrNull("pool_strings") is { } ps ? ps.Cast<object>().ToArray()
            : throw ctx.Fail("one of pool_int64s or pool_strings is required");
        if (mode is not ("TF" or "IDF" or "TFIDF")) throw ctx.Fail($"mode must be TF, IDF or TFIDF, got '{mode}'");
        if (minGram < 1 || maxGram < minGram) throw ctx.Fail($"gram lengths must satisfy 1 <= min ({minGram}) <= max ({maxGram})");
        if (maxSkip < 0) throw ctx.Fail($"max_skip_count must be non-negative, got {maxSkip}");
        if (indexes.Length == 0) throw ctx.Fail("ngram_indexes is empty");
        if (indexes.Any(i => i < 0 || i >= Tensor.MaxElements)) throw ctx.Fail("ngram_indexes holds an out-of-range value");
        int outSize = (int)indexes.Max() + 1;
        if (weights is not null && weights.Length != 0 && weights.Length < outSize)
            throw ctx.Fail($"weights has {weights.Length} values but the output has {outSize}");

        var root = BuildTrie(ctx, pool, counts, minGram, maxGram);

        int rows, cols;
        int[] outShape;
        if (x.Rank <= 1) { rows = 1; cols = x.Length; outShape = [outSize]; }
        else if (x.Rank == 2) { rows = x.Shape[0]; cols = x.Shape[1]; outShape = [rows, outSize]; }
        else throw ctx.Fail($"X must be [C] or [N, C], got {Tensor.ShapeString(x.Shape)}");
        if ((long)rows * outSize > Tensor.MaxElements) throw ctx.Fail("output is too large");
        object[] tokens = x.Type switch
        {
            DataType.String => x.As<string>().Cast<object>().ToArray(),
            DataType.Int32 or DataType.Int64 => x.ToInt64Array().Cast<object>().ToArray(),
            _ => throw ctx.Fail($"X must be string, int32 or int64, got {x.Type}"),
        };

        var freq = new long[rows * outSize];
        if (root.Children is { Count: > 0 })
        {
            for (int r = 0; r < rows; r++)
            {
                int begin = r * cols, end = begin + cols;
                long startSize = minGram;
                for (long skip = 1; skip <= maxSkip + 1; skip++)
                {
                    for (int start = begin; start < end; start++)
                    {
                        if (start + skip * (startSize - 1) >= end) break;
                        var node = root;
                        long size = 1;
                        long item = start;
                        while (node.Children is { Count: > 0 } ch && size <= maxGram && item < end)
                        {
                            if (!ch.TryGetValue(tokens[item], out var next)) break;
                            if (size >= startSize && next.Id != 0)
                            {
                                int id = next.Id - 1;
                                if (id >= indexes.Length) throw ctx.Fail($"n-gram {next.Id} has no entry in ngram_indexes");
                                freq[r * outSize + indexes[id]]++;
                            }
                            node = next;
                            size++;
                            item += skip;
                        }
                    }
                    // Unigrams do not depend on the skip distance: count them in the first pass only.
                    if (startSize == 1)
                    {
                        startSize++;
                        if (startSize > maxGram) break;
                    }
                }
            }
        }

        var y = new float[freq.Length];
        bool hasW = weights is { Length: > 0 };
        for (int i = 0; i < y.Length; i++)
        {
            long f = freq[i];
            float w = hasW ? weights![i % outSize] : 1f;
            y[i] = mode switch
            {
                "TF" => f,
                "IDF" => f > 0 ? w : 0,
                _ => w * f,
            };
        }
        return [new Tensor(DataType.Float, outShape, y)];
    }

    private static TrieNode BuildTrie(KernelContext ctx, object[] pool, long[] counts, long minGram, long maxGram)
    {
        var root = new TrieNode { Children = new() };
        int id = 1;
        for (int g = 0; g < counts.Length; g++)
        {
            int gramSize = g + 1;
            long start = counts[g];
            long end = g + 1 < counts.Length ? counts[g + 1] : pool.Length;
            if (start < 0 || end > pool.Length || start > end) throw ctx.Fail("ngram_counts does not fit the pool");
            long items = end - start;
            if (items == 0) continue;
            if (items % gramSize != 0) throw ctx.Fail($"the {gramSize}-gram section of the pool has {items} items, not a multiple of {gramSize}");
            long grams = items / gramSize;
            if (gramSize < minGram || gramSize > maxGram)
            {
                id += (int)grams;
                continue;
            }
            for (long k = 0; k < grams; k++)
            {
                var node = root;
                for (int t = 0; t < gramSize; t++)
                {
                    var key = pool[start + k * gramSize + t];
                    node.Children ??= new();
                    if (!node.Children.TryGetValue(key, out var child))
                    {
                        child = new TrieNode();
                        node.Children[key] = child;
                    }
                    node = child;
                }
                node.Id = id++;
            }
        }
        return root;
    }
}
