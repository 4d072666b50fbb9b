using System.Buffers.Binary;

namespace Engine.Runtime.IO;

/// <summary>
/// Huffman-coded storage of one weight-shared layer (Deep Compression's last stage). The weights become a stream
/// of symbols over one alphabet: c (0 ≤ c &lt; k) for a weight equal to centroid c, and k + r − 1 for a run of r
/// pruned zeros (1 ≤ r ≤ 256; longer runs take several symbols) — the role Han et al.'s relative indices play.
/// The stream is coded with a canonical Huffman code, so frequent centroids and typical gaps cost few bits.
/// Layout (little-endian): <c>"ENGH" u32 version | u32 elements | u16 k | k × f32 codebook | u16 n | n × (u16 symbol,
/// u8 code length) for the symbols that occur | u64 payload bits | payload</c>. The decoder checks every count against the bytes present, so a
/// truncated or corrupted blob gives a one-line error instead of garbage.
/// </summary>
public static class HuffmanWeights
{
    private static ReadOnlySpan<byte> Magic => "ENGH"u8;
    private const uint Version = 2;
    private const int MaxCodeLength = 24;
    private const int MaxRun = 256;
    private const int MaxCentroids = 4096;

    /// <param name="indices">Per weight: the centroid index, or −1 for a pruned zero.</param>
    public static byte[] Encode(float[] codebook, int[] indices)
    {
        if (codebook.Length > MaxCentroids) throw new EngineException($"huffman: {codebook.Length} centroids exceed the format's limit of {MaxCentroids}");
        int k = codebook.Length;
        var stream = new List<int>(indices.Length);
        int run = 0;
        foreach (int i in indices)
        {
            if (i < -1 || i >= k) throw new EngineException($"huffman: index {i} outside the {k}-entry codebook");
            if (i == -1)
            {
                if (++run == MaxRun)
                {
                    stream.Add(k + MaxRun - 1);
                    run = 0;
                }
                continue;
            }
            if (run > 0) stream.Add(k + run - 1);
            run = 0;
            stream.Add(i);
        }
        if (run > 0) stream.Add(k + run - 1);
        var freq = new long[k + MaxRun];
        foreach (int sym in stream) freq[sym]++;
        var lengths = CodeLengths(freq);
        var codes = Canonical(lengths);
        using var ms = new MemoryStream();
        ms.Write(Magic);
        Write(ms, Version);
        Write(ms, (uint)indices.Length);
        Span<byte> b2 = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b2, (ushort)codebook.Length);
        ms.Write(b2);
        Span<byte> b4 = stackalloc byte[4];
        foreach (float c in codebook)
        {
            BinaryPrimitives.WriteSingleLittleEndian(b4, c);
            ms.Write(b4);
        }
        var used = Enumerable.Range(0, lengths.Length).Where(sym => lengths[sym] > 0).ToList();
        BinaryPrimitives.WriteUInt16LittleEndian(b2, (ushort)used.Count);
        ms.Write(b2);
        foreach (int sym in used)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b2, (ushort)sym);
            ms.Write(b2);
            ms.WriteByte((byte)lengths[sym]);
        }
        long bits = 0;
        foreach (int sym in stream) bits += lengths[sym];
        Span<byte> b8 = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b8, (ulong)bits);
        ms.Write(b8);
        var payload = new byte[(bits + 7) / 8];
        long pos = 0;
        foreach (int sym in stream)
        {
            uint code = codes[sym];
            int len = lengths[sym];
            for (int bit = len - 1; bit >= 0; bit--, pos++)
            {
                if (((code >> bit) & 1) != 0) payload[pos >> 3] |= (byte)(0x80 >> (int)(pos & 7));
            }
        }
        ms.Write(payload);
        return ms.ToArray();
    }

    /// <summary>The weights: pruned positions 0, others their centroid.</summary>
    public static float[] Decode(ReadOnlySpan<byte> data, string what = "weights")
    {
        var r = new Reader(data, what);
        if (!r.Take(4).SequenceEqual(Magic)) throw new EngineException($"{what}: not a Huffman weight blob (bad magic)");
        uint version = r.U32();
        if (version != Version) throw new EngineException($"{what}: Huffman weight blob version {version} is not supported");
        uint elements = r.U32();
        int k = r.U16();
        if (k > MaxCentroids) throw new EngineException($"{what}: {k} centroids exceed the format's limit of {MaxCentroids}");
        var codebook = new float[k];
        for (int c = 0; c < k; c++) codebook[c] = BinaryPrimitives.ReadSingleLittleEndian(r.Take(4));
        var lengths = new int[k + MaxRun];
        int usedCount = r.U16();
        for (int u = 0; u < usedCount; u++)
        {
            int sym = r.U16();
            int len = r.Take(1)[0];
            if (sym >= lengths.Length) throw new EngineException($"{what}: symbol {sym} outside the alphabet of {lengths.Length}");
            if (len is 0 or > MaxCodeLength) throw new EngineException($"{what}: code length {len} of symbol {sym} is not in 1..{MaxCodeLength}");
            lengths[sym] = len;
        }
        ulong bits = BinaryPrimitives.ReadUInt64LittleEndian(r.Take(8));
        if (bits > (ulong)r.Remaining * 8) throw new EngineException($"{what}: the payload claims {bits} bits but {r.Remaining} bytes remain");
        if (elements > 0 && lengths.All(l => l == 0)) throw new EngineException($"{what}: {elements} weights but no codes");
        var payload = r.Take((int)((bits + 7) / 8));
        var codes = Canonical(lengths);
        // Decoding table: (length, code) → symbol.
        var table = new Dictionary<(int, uint), int>();
        for (int s = 0; s < lengths.Length; s++)
        {
            if (lengths[s] > 0) table[(lengths[s], codes[s])] = s;
        }
        var result = new float[elements];
        long pos = 0;
        for (long i = 0; i < elements;)
        {
            uint code = 0;
            int len = 0;
            while (true)
            {
                if ((ulong)pos >= bits) throw new EngineException($"{what}: the Huffman payload ends after {i} of {elements} weights");
                code = (code << 1) | (uint)((payload[(int)(pos >> 3)] >> (7 - (int)(pos & 7))) & 1);
                pos++;
                len++;
                if (table.TryGetValue((len, code), out int s))
                {
                    if (s < k)
                    {
                        result[i++] = codebook[s];
                    }
                    else
                    {
                        // A run of zeros (the array is zero-initialized): skip it, never past the end.
                        long zeros = s - k + 1;
                        if (i + zeros > elements) throw new EngineException($"{what}: a run of {zeros} zeros overruns the {elements} weights");
                        i += zeros;
                    }
                    break;
                }
                if (len > MaxCodeLength) throw new EngineException($"{what}: invalid Huffman code at bit {pos}");
            }
        }
        return result;
    }

    /// <summary>Huffman code lengths (package-merge is not needed at these alphabet sizes: lengths stay ≤ 24 for ≤ 2^16 symbols of realistic counts; a longer code is rejected).</summary>
    private static int[] CodeLengths(long[] freq)
    {
        var lengths = new int[freq.Length];
        var used = Enumerable.Range(0, freq.Length).Where(s => freq[s] > 0).ToList();
        if (used.Count == 1) lengths[used[0]] = 1;
        if (used.Count <= 1) return lengths;
        var parent = new int[2 * freq.Length];
        var pq = new PriorityQueue<int, (long, int)>();
        var weight = new long[2 * freq.Length];
        int next = freq.Length;
        foreach (int s in used)
        {
            weight[s] = freq[s];
            pq.Enqueue(s, (freq[s], s));
        }
        while (pq.Count > 1)
        {
            int a = pq.Dequeue(), b = pq.Dequeue();
            weight[next] = weight[a] + weight[b];
            parent[a] = next;
            parent[b] = next;
            pq.Enqueue(next, (weight[next], next));
            next++;
        }
        int root = pq.Dequeue();
        foreach (int s in used)
        {
            int d = 0;
            for (int n = s; n != root; n = parent[n]) d++;
            if (d > MaxCodeLength) throw new EngineException($"huffman: a code of {d} bits exceeds {MaxCodeLength}");
            lengths[s] = d;
        }
        return lengths;
    }

    /// <summary>Canonical codes: by (length, symbol), each code the previous plus one, shifted at each new length.</summary>
    private static uint[] Canonical(int[] lengths)
    {
        var codes = new uint[lengths.Length];
        uint code = 0;
        int prevLen = 0;
        foreach (int s in Enumerable.Range(0, lengths.Length).Where(s => lengths[s] > 0).OrderBy(s => lengths[s]).ThenBy(s => s))
        {
            code <<= lengths[s] - prevLen;
            codes[s] = code++;
            prevLen = lengths[s];
        }
        return codes;
    }

    private static void Write(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        s.Write(b);
    }

    private ref struct Reader(ReadOnlySpan<byte> data, string what)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly int Remaining => _data.Length - _pos;

        public ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > Remaining) throw new EngineException($"{what}: the Huffman weight blob is truncated at byte {_pos}");
            var s = _data.Slice(_pos, n);
            _pos += n;
            return s;
        }

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public int U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
    }
}
