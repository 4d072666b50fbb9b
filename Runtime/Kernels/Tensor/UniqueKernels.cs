namespace Engine.Runtime.Kernels;

/// <summary>Unique: distinct elements (or slices along an axis), with first indices, inverse map and counts.</summary>
public static class UniqueKernels
{
    public static Tensor?[] Unique(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        int axis;
        if (ctx.Attributes.Get("axis") is long a)
        {
            if (x.Rank == 0) throw ctx.Fail("cannot take unique slices of a scalar");
            axis = KernelArgs.Axis(ctx, a, x.Rank);
        }
        else
        {
            x = x.Reshape(x.Length);
            axis = 0;
        }
        bool sorted = ctx.Attributes.GetInt("sorted") != 0;
        int dim = x.Shape[axis];
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= x.Shape[d];
        for (int d = axis + 1; d < x.Rank; d++) inner *= x.Shape[d];
        // Ordering of the slices comes from a typed comparer; strings compare ordinally.
        var cmp = ElementDispatch.Run<Comparison<int>, CompareFunc>(x.Data, new CompareFunc(outer, dim, inner));
        var order = Enumerable.Range(0, dim).ToArray();
        Array.Sort(order, (p, q) => { int c = cmp(p, q); return c != 0 ? c : p.CompareTo(q); });
        // Groups of equal slices; the stable order makes each group's first entry its first occurrence.
        var groupOf = new int[dim];
        var firsts = new List<int>();
        var counts = new List<long>();
        for (int j = 0; j < dim; j++)
        {
            if (j == 0 || cmp(order[j - 1], order[j]) != 0)
            {
                firsts.Add(order[j]);
                counts.Add(0);
            }
            groupOf[order[j]] = firsts.Count - 1;
            counts[^1]++;
        }
        // Output order: sorted by value, or by first occurrence.
        var rank = Enumerable.Range(0, firsts.Count).ToArray();
        if (!sorted) Array.Sort(rank, (p, q) => firsts[p].CompareTo(firsts[q]));
        var position = new int[rank.Length];
        for (int i = 0; i < rank.Length; i++) position[rank[i]] = i;
        var firstIdx = rank.Select(g => firsts[g]).ToArray();
        var shape = (int[])x.Shape.Clone();
        shape[axis] = firstIdx.Length;
        var y = GatherKernels.Take(x, axis, firstIdx, shape);
        var indices = firstIdx.Select(i => (long)i).ToArray();
        var inverse = new long[dim];
        for (int j = 0; j < dim; j++) inverse[j] = position[groupOf[j]];
        var cnt = rank.Select(g => counts[g]).ToArray();
        return
        [
            y,
            Tensor.FromArray(indices, indices.Length),
            Tensor.FromArray(inverse, inverse.Length),
            Tensor.FromArray(cnt, cnt.Length),
        ];
    }

    private readonly struct CompareFunc(int outer, int dim, int inner) : IArrayFunc<Comparison<int>>
    {
        public Comparison<int> Invoke<T>(T[] data)
        {
            var c = typeof(T) == typeof(string) ? (IComparer<T>)(object)StringComparer.Ordinal : Comparer<T>.Default;
            int o = outer, d = dim, n = inner;
            return (p, q) =>
            {
                for (int b = 0; b < o; b++)
                {
                    int bp = (b * d + p) * n, bq = (b * d + q) * n;
                    for (int i = 0; i < n; i++)
                    {
                        int r = c.Compare(data[bp + i], data[bq + i]);
                        if (r != 0) return r;
                    }
                }
                return 0;
            };
        }
    }
}
