namespace Engine.Runtime.Kernels;

/// <summary>
/// TreeEnsemble (ai.onnx.ml opset 5). Nodes are addressed by index; each branch says whether its true/false
/// child is another node or a leaf (nodes_trueleafs/falseleafs), and leaves are (target, weight) pairs.
/// Set-membership nodes (mode 6) take their sets, in node order, from membership_values split by NaN.
/// A NaN feature goes true when nodes_missing_value_tracks_true is set, else the comparison decides.
/// </summary>
public static class TreeEnsembleV5Kernel
{
    private const byte Member = 6;

    public static Tensor?[] TreeEnsemble(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        if (x.Type is not (DataType.Float or DataType.Double or DataType.Float16)) throw ctx.Fail($"X must be a float type, got {x.Type}");
        var a = ctx.Attributes;
        var splits = a.GetTensor("nodes_splits").ToDoubleArray();
        var features = a.GetInts("nodes_featureids");
        var modes = a.GetTensor("nodes_modes").ToInt64Array();
        var trueIds = a.GetInts("nodes_truenodeids");
        var falseIds = a.GetInts("nodes_falsenodeids");
        var trueLeafs = a.GetInts("nodes_trueleafs");
        var falseLeafs = a.GetInts("nodes_falseleafs");
        var leafTargets = a.GetInts("leaf_targetids");
        var leafWeights = a.GetTensor("leaf_weights").ToDoubleArray();
        var roots = a.GetInts("tree_roots");
        var missing = a.GetIntsOrNull("nodes_missing_value_tracks_true");
        long nTargetsL = a.GetInt("n_targets");
        var post = MlPostTransform.FromInt(ctx, a.GetInt("post_transform"));
        long agg = a.GetInt("aggregate_function");
        if (agg is < 0 or > 3) throw ctx.Fail($"aggregate_function must be 0..3, got {agg}");

        int n = features.Length;
        if (splits.Length != n || modes.Length != n || trueIds.Length != n || falseIds.Length != n
            || trueLeafs.Length != n || falseLeafs.Length != n || (missing is { Length: > 0 } && missing.Length != n))
            throw ctx.Fail("the nodes_* attributes must all have the same length");
        if (leafWeights.Length != leafTargets.Length) throw ctx.Fail("leaf_targetids and leaf_weights differ in length");
        if (nTargetsL < 1 || nTargetsL > Tensor.MaxElements) throw ctx.Fail($"n_targets must be positive, got {nTargetsL}");
        int nTargets = (int)nTargetsL;
        var (rows, cols) = MlData.RowsCols(ctx, x);
        MlData.CheckOutputSize(ctx, rows, nTargets);

        for (int i = 0; i < n; i++)
        {
            if (modes[i] is < 0 or > Member) throw ctx.Fail($"node {i} has unknown mode {modes[i]}");
            if (features[i] < 0 || features[i] >= cols) throw ctx.Fail($"node {i} reads feature {features[i]} but X has {cols}");
            CheckChild(ctx, i, trueIds[i], trueLeafs[i] != 0, n, leafTargets.Length);
            CheckChild(ctx, i, falseIds[i], falseLeafs[i] != 0, n, leafTargets.Length);
        }
        foreach (long t in leafTargets)
        {
            if (t < 0 || t >= nTargets) throw ctx.Fail($"leaf target {t} is out of range [0, {nTargets})");
        }
        foreach (long r in roots)
        {
            if (r < 0 || r >= n) throw ctx.Fail($"tree root {r} is out of range [0, {n})");
        }
        var sets = MembershipSets(ctx, a, modes);

        var xv = x.ToDoubleArray();
        var voted = new bool[nTargets];
        var res = new double[rows * nTargets];
        for (int row = 0; row < rows; row++)
        {
            var xr = xv.AsSpan(row * cols, cols);
            var outRow = res.AsSpan(row * nTargets, nTargets);
            voted.AsSpan().Clear();
            foreach (long root in roots)
            {
                int node = (int)root;
                int leaf = -1;
                for (int steps = 0; leaf < 0; steps++)
                {
                    if (steps > n) throw ctx.Fail("a tree has a cycle");
                    double v = xr[(int)features[node]];
                    bool c = Compare(modes[node], v, splits[node], sets[node])
                        || (double.IsNaN(v) && missing is { Length: > 0 } && missing[node] != 0);
                    long next = c ? trueIds[node] : falseIds[node];
                    if ((c ? trueLeafs[node] : falseLeafs[node]) != 0) leaf = (int)next;
                    else node = (int)next;
                }
                int target = (int)leafTargets[leaf];
                double w = leafWeights[leaf];
                // A target's first vote starts its MIN/MAX; targets no leaf votes for stay 0 (as ONNX Runtime;
                // the ONNX reference would leave them at ±finfo.max).
                bool first = !voted[target];
                voted[target] = true;
                outRow[target] = agg switch
                {
                    0 => outRow[target] + w / roots.Length,
                    2 => first ? w : Math.Min(outRow[target], w),
                    3 => first ? w : Math.Max(outRow[target], w),
                    _ => outRow[target] + w,
                };
            }
        }
        MlPostTransform.Apply(post, res, rows, nTargets);
        return [MlData.FromDoubles(x.Type, res, [rows, nTargets])];
    }

    private static bool Compare(long mode, double x, double th, HashSet<double>? set) => mode switch
    {
        0 => x <= th,
        1 => x < th,
        2 => x >= th,
        3 => x > th,
        4 => x == th,
        5 => x != th,
        _ => set!.Contains(x),
    };

    private static void CheckChild(KernelContext ctx, int node, long child, bool isLeaf, int nodes, int leaves)
    {
        long limit = isLeaf ? leaves : nodes;
        if (child < 0 || child >= limit)
            throw ctx.Fail($"node {node} points to {(isLeaf ? "leaf" : "node")} {child}, out of range [0, {limit})");
    }

    /// <summary>Per node, the member set of a MEMBER node (null otherwise), taken in node order from membership_values.</summary>
    private static HashSet<double>?[] MembershipSets(KernelContext ctx, AttributeMap a, long[] modes)
    {
        var sets = new HashSet<double>?[modes.Length];
        int members = modes.Count(m => m == Member);
        if (members == 0) return sets;
        var values = a.GetTensorOrNull("membership_values")?.ToDoubleArray()
            ?? throw ctx.Fail("set membership nodes need membership_values");
        int pos = 0;
        for (int i = 0; i < modes.Length; i++)
        {
            if (modes[i] != Member) continue;
            if (pos > values.Length) throw ctx.Fail("membership_values has fewer sets than there are membership nodes");
            var s = new HashSet<double>();
            while (pos < values.Length && !double.IsNaN(values[pos])) s.Add(values[pos++]);
            pos++;
            sets[i] = s;
        }
        return sets;
    }
}
