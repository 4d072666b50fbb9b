namespace Engine.Runtime.Kernels;

/// <summary>
/// The trees of TreeEnsembleRegressor/Classifier (ai.onnx.ml opset 3), decoded from the parallel nodes_*
/// attribute lists: nodes are addressed by (tree id, node id), each tree starts at its first listed node,
/// and leaves carry weighted votes for targets (or classes) from the target_*/class_* lists.
/// </summary>
internal sealed class ClassicTreeEnsemble
{
    private enum Mode : byte { Leq, Lt, Gte, Gt, Eq, Neq, Leaf }

    private readonly Mode[] _modes;
    private readonly int[] _features;
    private readonly double[] _thresholds;
    private readonly int[] _trueNext;
    private readonly int[] _falseNext;
    private readonly bool[] _missingTrue;
    private readonly (int Target, double Weight)[][] _votes;

    /// <summary>Index of each tree's root, in ascending tree id order.</summary>
    public int[] Roots { get; }

    public int NodeCount => _modes.Length;

    public ClassicTreeEnsemble(KernelContext ctx, AttributeMap a, string votePrefix, int targetCount)
    {
        var treeIds = a.GetInts("nodes_treeids");
        var nodeIds = a.GetInts("nodes_nodeids");
        var featureIds = a.GetInts("nodes_featureids");
        var modes = a.GetStrings("nodes_modes");
        var values = MlData.FloatsOrTensor(a, "nodes_values") ?? throw ctx.Fail("nodes_values is required");
        var trueIds = a.GetInts("nodes_truenodeids");
        var falseIds = a.GetInts("nodes_falsenodeids");
        var missing = a.GetIntsOrNull("nodes_missing_value_tracks_true");
        int n = treeIds.Length;
        if (nodeIds.Length != n || featureIds.Length != n || modes.Length != n || values.Length != n
            || trueIds.Length != n || falseIds.Length != n || (missing is { Length: > 0 } && missing.Length != n))
            throw ctx.Fail("the nodes_* attributes must all have the same length");

        var index = new Dictionary<(long, long), int>();
        var roots = new SortedDictionary<long, int>();
        for (int i = 0; i < n; i++)
        {
            if (!index.TryAdd((treeIds[i], nodeIds[i]), i)) throw ctx.Fail($"node {nodeIds[i]} of tree {treeIds[i]} is listed twice");
            roots.TryAdd(treeIds[i], i);
        }
        Roots = roots.Values.ToArray();

        _modes = new Mode[n];
        _features = new int[n];
        _thresholds = values;
        _trueNext = new int[n];
        _falseNext = new int[n];
        _missingTrue = new bool[n];
        for (int i = 0; i < n; i++)
        {
            _modes[i] = modes[i] switch
            {
                "BRANCH_LEQ" => Mode.Leq,
                "BRANCH_LT" => Mode.Lt,
                "BRANCH_GTE" => Mode.Gte,
                "BRANCH_GT" => Mode.Gt,
                "BRANCH_EQ" => Mode.Eq,
                "BRANCH_NEQ" => Mode.Neq,
                "LEAF" => Mode.Leaf,
                _ => throw ctx.Fail($"unknown node mode '{modes[i]}'"),
            };
            _missingTrue[i] = missing is { Length: > 0 } && missing[i] != 0;
            if (_modes[i] == Mode.Leaf) continue;
            if (featureIds[i] < 0 || featureIds[i] > int.MaxValue) throw ctx.Fail($"node {i} has feature id {featureIds[i]}");
            _features[i] = (int)featureIds[i];
            _trueNext[i] = index.TryGetValue((treeIds[i], trueIds[i]), out int t) ? t
                : throw ctx.Fail($"tree {treeIds[i]} has no node {trueIds[i]} (true branch of node {nodeIds[i]})");
            _falseNext[i] = index.TryGetValue((treeIds[i], falseIds[i]), out int f) ? f
                : throw ctx.Fail($"tree {treeIds[i]} has no node {falseIds[i]} (false branch of node {nodeIds[i]})");
        }

        var vTrees = a.GetIntsOrNull(votePrefix + "_treeids") ?? [];
        var vNodes = a.GetIntsOrNull(votePrefix + "_nodeids") ?? [];
        var vIds = a.GetIntsOrNull(votePrefix + "_ids") ?? [];
        var vWeights = MlData.FloatsOrTensor(a, votePrefix + "_weights") ?? [];
        if (vNodes.Length != vTrees.Length || vIds.Length != vTrees.Length || vWeights.Length != vTrees.Length)
            throw ctx.Fail($"the {votePrefix}_* attributes must all have the same length");
        var votes = new List<(int, double)>?[n];
        for (int k = 0; k < vTrees.Length; k++)
        {
            if (!index.TryGetValue((vTrees[k], vNodes[k]), out int leaf))
                throw ctx.Fail($"{votePrefix} weight {k} names node {vNodes[k]} of tree {vTrees[k]}, which does not exist");
            if (vIds[k] < 0 || vIds[k] >= targetCount) throw ctx.Fail($"{votePrefix}_ids[{k}] = {vIds[k]} is out of range [0, {targetCount})");
            (votes[leaf] ??= new()).Add(((int)vIds[k], vWeights[k]));
        }
        _votes = votes.Select(v => v?.ToArray() ?? []).ToArray();
    }

    /// <summary>The features a row must have: one more than the largest feature id used by a branch.</summary>
    public int RequiredFeatures()
    {
        int m = 0;
        for (int i = 0; i < _modes.Length; i++)
        {
            if (_modes[i] != Mode.Leaf) m = Math.Max(m, _features[i] + 1);
        }
        return m;
    }

    /// <summary>The leaf a row reaches in the tree starting at <paramref name="root"/>; a NaN feature follows nodes_missing_value_tracks_true.</summary>
    public int Leaf(KernelContext ctx, ReadOnlySpan<double> row, int root)
    {
        int i = root;
        for (int steps = 0; _modes[i] != Mode.Leaf; steps++)
        {
            if (steps > _modes.Length) throw ctx.Fail("a tree has a cycle");
            double x = row[_features[i]];
            double th = _thresholds[i];
            bool r = double.IsNaN(x) ? _missingTrue[i] : _modes[i] switch
            {
                Mode.Leq => x <= th,
                Mode.Lt => x < th,
                Mode.Gte => x >= th,
                Mode.Gt => x > th,
                Mode.Eq => x == th,
                _ => x != th,
            };
            i = r ? _trueNext[i] : _falseNext[i];
        }
        return i;
    }

    public (int Target, double Weight)[] Votes(int leaf) => _votes[leaf];
}
