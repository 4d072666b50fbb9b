namespace Engine.Passes.Memory;

/// <summary>
/// Assigns arena offsets to buffers with known live intervals so that buffers live at the same time
/// never overlap: greedy placement into the free gaps left by the buffers already placed (the offline
/// "dynamic storage allocation" problem). Several orders and fit rules are tried and the smallest
/// arena wins — each try is O(n² log n), cheap next to compilation.
/// </summary>
internal static class ArenaAllocator
{
    /// <summary>Sets each buffer's Offset; returns the arena size (a multiple of <paramref name="alignment"/>).</summary>
    public static long Place(IReadOnlyList<ArenaBuffer> buffers, int alignment)
    {
        if (buffers.Count == 0) return 0;
        Func<ArenaBuffer, ArenaBuffer, int>[] orders =
        [
            // Largest first: the big tensors decide the arena, small ones fill the gaps (the classic rule).
            (a, b) => b.Bytes != a.Bytes ? b.Bytes.CompareTo(a.Bytes) : a.Start.CompareTo(b.Start),
            // Largest area in time × bytes first: long-lived buffers get the low offsets.
            (a, b) => Area(b).CompareTo(Area(a)) is var c && c != 0 ? c : a.Start.CompareTo(b.Start),
            // Longest-lived first.
            (a, b) => (b.End - b.Start) != (a.End - a.Start) ? (b.End - b.Start).CompareTo(a.End - a.Start) : b.Bytes.CompareTo(a.Bytes),
            // In program order, like a linear-scan allocator.
            (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Bytes.CompareTo(a.Bytes),
        ];
        long best = long.MaxValue;
        long[]? bestOffsets = null;
        foreach (var order in orders)
        {
            foreach (bool bestFit in new[] { true, false })
            {
                var sorted = buffers.ToList();
                sorted.Sort((a, b) => order(a, b));
                long size = PlaceInOrder(sorted, bestFit, alignment);
                if (size < best)
                {
                    best = size;
                    bestOffsets = buffers.Select(b => b.Offset).ToArray();
                }
            }
        }
        for (int i = 0; i < buffers.Count; i++) buffers[i].Offset = bestOffsets![i];
        return best;
    }

    private static double Area(ArenaBuffer b) => (double)b.Bytes * (b.End - b.Start + 1);

    private static long PlaceInOrder(List<ArenaBuffer> order, bool bestFit, int alignment)
    {
        var placed = new List<ArenaBuffer>(order.Count);
        var overlapping = new List<ArenaBuffer>();
        long arena = 0;
        foreach (var b in order)
        {
            overlapping.Clear();
            foreach (var p in placed)
            {
                if (p.Start <= b.End && b.Start <= p.End && p.Bytes > 0) overlapping.Add(p);
            }
            overlapping.Sort((x, y) => x.Offset.CompareTo(y.Offset));
            long chosen = -1, chosenGap = long.MaxValue, cursor = 0;
            foreach (var p in overlapping)
            {
                if (p.Offset > cursor)
                {
                    long gap = p.Offset - cursor;
                    if (gap >= b.Bytes && (bestFit ? gap < chosenGap : chosen < 0))
                    {
                        chosen = cursor;
                        chosenGap = gap;
                    }
                }
                cursor = Math.Max(cursor, AlignUp(p.Offset + p.Bytes, alignment));
            }
            if (chosen < 0) chosen = cursor;
            b.Offset = chosen;
            placed.Add(b);
            arena = Math.Max(arena, AlignUp(chosen + b.Bytes, alignment));
        }
        return arena;
    }

    /// <summary>Max over node indices of the bytes of buffers live at once (each rounded up to the alignment, as placed).</summary>
    public static long LowerBound(IReadOnlyList<ArenaBuffer> buffers, int alignment)
    {
        if (buffers.Count == 0) return 0;
        var events = new SortedDictionary<int, long>();
        foreach (var b in buffers)
        {
            long bytes = AlignUp(b.Bytes, alignment);
            events[b.Start] = events.GetValueOrDefault(b.Start) + bytes;
            events[b.End + 1] = events.GetValueOrDefault(b.End + 1) - bytes;
        }
        long live = 0, max = 0;
        foreach (var (_, delta) in events)
        {
            live += delta;
            max = Math.Max(max, live);
        }
        return max;
    }

    public static long AlignUp(long bytes, int alignment) => (bytes + alignment - 1) / alignment * alignment;
}
