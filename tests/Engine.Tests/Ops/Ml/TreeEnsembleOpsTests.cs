using Engine.Runtime;

namespace Engine.Tests.Ops;

public class TreeEnsembleOpsTests
{
    /// <summary>
    /// Tree 0: x0 &lt;= 1.5 ? leaf 1 (10) : (x1 &lt; 0 ? leaf 3 (20) : leaf 4 (30)); tree 1 is a single leaf (1).
    /// Node ids restart per tree. Node 0 sends a missing x0 to the true side.
    /// </summary>
    private static (string, object)[] RegressorTrees(params (string, object)[] extra) =>
    [
        ("nodes_treeids", new long[] { 0, 0, 0, 0, 0, 1 }),
        ("nodes_nodeids", new long[] { 0, 1, 2, 3, 4, 0 }),
        ("nodes_featureids", new long[] { 0, 0, 1, 0, 0, 0 }),
        ("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "BRANCH_LT", "LEAF", "LEAF", "LEAF" }),
        ("nodes_values", new[] { 1.5f, 0, 0, 0, 0, 0 }),
        ("nodes_truenodeids", new long[] { 1, 0, 3, 0, 0, 0 }),
        ("nodes_falsenodeids", new long[] { 2, 0, 4, 0, 0, 0 }),
        ("nodes_missing_value_tracks_true", new long[] { 1, 0, 0, 0, 0, 0 }),
        ("target_treeids", new long[] { 0, 0, 0, 1 }),
        ("target_nodeids", new long[] { 1, 3, 4, 0 }),
        ("target_ids", new long[] { 0, 0, 0, 0 }),
        ("target_weights", new[] { 10f, 20f, 30f, 1f }),
        ("n_targets", 1L),
        .. extra,
    ];

    private static readonly Tensor RegressorInput = Tensor.FromArray(new[] { 1f, 5, 2, -1, 2, 3, float.NaN, -7 }, 4, 2);

    [Fact]
    public void RegressorSumsTheReachedLeavesOfEveryTree()
    {
        var y = MlHarness.Run1("TreeEnsembleRegressor", RegressorInput, RegressorTrees());
        Assert.Equal(new[] { 4, 1 }, y.Shape);
        Assert.Equal(new float[] { 11, 21, 31, 11 }, y.As<float>());
    }

    [Fact]
    public void RegressorAverageAndBaseValues()
    {
        var y = MlHarness.Run1("TreeEnsembleRegressor", RegressorInput,
            RegressorTrees(("aggregate_function", "AVERAGE"), ("base_values", new[] { 100f })));
        Assert.Equal(new float[] { 105.5f, 110.5f, 115.5f, 105.5f }, y.As<float>());
    }

    [Fact]
    public void RegressorMaxAggregatesAcrossTrees()
    {
        var y = MlHarness.Run1("TreeEnsembleRegressor", Tensor.FromArray(new double[] { 2, -1 }, 1, 2),
            RegressorTrees(("aggregate_function", "MAX")));
        Assert.Equal(new float[] { 20 }, y.As<float>());
    }

    [Fact]
    public void RegressorRejectsAMissingChildNode()
    {
        var bad = RegressorTrees().Select(a => a.Item1 == "nodes_falsenodeids" ? (a.Item1, (object)new long[] { 9, 0, 4, 0, 0, 0 }) : a).ToArray();
        var e = Assert.Throws<EngineException>(() => MlHarness.Run1("TreeEnsembleRegressor", RegressorInput, bad));
        Assert.Contains("no node 9", e.Message);
    }

    /// <summary>One tree: x0 &lt;= 0 ? leaf 1 (class 0: 1.0) : leaf 2 (class 1: 0.7, class 2: 0.3).</summary>
    [Fact]
    public void ClassifierAddsClassWeightsAndPicksTheTopLabel()
    {
        var r = MlHarness.Run2("TreeEnsembleClassifier", Tensor.FromArray(new float[] { -1, 1 }, 2, 1),
            ("nodes_treeids", new long[] { 0, 0, 0 }), ("nodes_nodeids", new long[] { 0, 1, 2 }),
            ("nodes_featureids", new long[] { 0, 0, 0 }), ("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "LEAF" }),
            ("nodes_values", new[] { 0f, 0, 0 }), ("nodes_truenodeids", new long[] { 1, 0, 0 }), ("nodes_falsenodeids", new long[] { 2, 0, 0 }),
            ("class_treeids", new long[] { 0, 0, 0 }), ("class_nodeids", new long[] { 1, 2, 2 }),
            ("class_ids", new long[] { 0, 1, 2 }), ("class_weights", new[] { 1f, 0.7f, 0.3f }),
            ("classlabels_int64s", new long[] { 5, 6, 7 }));
        Assert.Equal(new long[] { 5, 6 }, r[0].As<long>());
        MlHarness.Close([1, 0, 0, 0, 0.7, 0.3], r[1]);
    }

    /// <summary>A gradient-boosting style binary model: one raw score (class 0) plus a base value, then LOGISTIC.</summary>
    [Fact]
    public void ClassifierBinaryScoreBecomesTwoLogisticColumns()
    {
        var r = MlHarness.Run2("TreeEnsembleClassifier", Tensor.FromArray(new float[] { -1, 1 }, 2, 1),
            ("nodes_treeids", new long[] { 0, 0, 0 }), ("nodes_nodeids", new long[] { 0, 1, 2 }),
            ("nodes_featureids", new long[] { 0, 0, 0 }), ("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "LEAF" }),
            ("nodes_values", new[] { 0f, 0, 0 }), ("nodes_truenodeids", new long[] { 1, 0, 0 }), ("nodes_falsenodeids", new long[] { 2, 0, 0 }),
            ("class_treeids", new long[] { 0, 0 }), ("class_nodeids", new long[] { 1, 2 }),
            ("class_ids", new long[] { 0, 0 }), ("class_weights", new[] { -2f, 1f }),
            ("base_values", new[] { 0.5f }), ("post_transform", "LOGISTIC"),
            ("classlabels_strings", new[] { "neg", "pos" }));
        Assert.Equal(new[] { "neg", "pos" }, r[0].As<string>());
        static double Sig(double v) => 1 / (1 + Math.Exp(-v));
        MlHarness.Close([Sig(1.5), Sig(-1.5), Sig(-1.5), Sig(1.5)], r[1]);
    }

    /// <summary>A binary model whose leaves vote only for class 1 (a probability): class 0 gets its complement.</summary>
    [Fact]
    public void ClassifierBinaryVotesForClassOneGiveComplementScores()
    {
        var r = MlHarness.Run2("TreeEnsembleClassifier", Tensor.FromArray(new double[] { -1, 1 }, 2, 1),
            ("nodes_treeids", new long[] { 0, 0, 0 }), ("nodes_nodeids", new long[] { 0, 1, 2 }),
            ("nodes_featureids", new long[] { 0, 0, 0 }), ("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "LEAF" }),
            ("nodes_values", new[] { 0f, 0, 0 }), ("nodes_truenodeids", new long[] { 1, 0, 0 }), ("nodes_falsenodeids", new long[] { 2, 0, 0 }),
            ("class_treeids", new long[] { 0, 0 }), ("class_nodeids", new long[] { 1, 2 }),
            ("class_ids", new long[] { 1, 1 }), ("class_weights", new[] { 0.2f, 0.9f }),
            ("classlabels_int64s", new long[] { 3, 4 }));
        Assert.Equal(new long[] { 3, 4 }, r[0].As<long>());
        MlHarness.Close([0.8, 0.2, 0.1, 0.9], r[1]);
    }

    /// <summary>
    /// TreeEnsemble-5. Tree A (root 0): x0 &lt;= 0.5 ? leaf 0 (t0, 1) : node 1; node 1: x1 ∈ {1, 3} ? leaf 1 (t0, 2) : leaf 2 (t1, 3).
    /// Tree B (root 2): x1 &gt; 2 ? leaf 3 (t1, 10) : leaf 4 (t0, 20).
    /// </summary>
    private static (string, object)[] V5Trees<T>(Func<double[], Tensor> make, params (string, object)[] extra) =>
    [
        ("nodes_featureids", new long[] { 0, 1, 1 }),
        ("nodes_modes", Tensor.FromArray(new byte[] { 0, 6, 3 }, 3)),
        ("nodes_splits", make([0.5, 0, 2])),
        ("nodes_truenodeids", new long[] { 0, 1, 3 }),
        ("nodes_trueleafs", new long[] { 1, 1, 1 }),
        ("nodes_falsenodeids", new long[] { 1, 2, 4 }),
        ("nodes_falseleafs", new long[] { 0, 1, 1 }),
        ("membership_values", make([1, 3, double.NaN])),
        ("leaf_targetids", new long[] { 0, 0, 1, 1, 0 }),
        ("leaf_weights", make([1, 2, 3, 10, 20])),
        ("tree_roots", new long[] { 0, 2 }),
        ("n_targets", 2L),
        .. extra,
    ];

    private static Tensor F32(double[] v) => Tensor.FromArray(v.Select(d => (float)d).ToArray(), v.Length);

    private static Tensor F64(double[] v) => Tensor.FromArray(v, v.Length);

    [Fact]
    public void TreeEnsembleV5SumsLeavesWithSetMembership()
    {
        var x = Tensor.FromArray(new float[] { 0, 0, 1, 3, 1, 2 }, 3, 2);
        var y = MlHarness.Run1("TreeEnsemble", x, V5Trees<float>(F32));
        Assert.Equal(DataType.Float, y.Type);
        Assert.Equal(new[] { 3, 2 }, y.Shape);
        Assert.Equal(new float[] { 21, 0, 2, 10, 20, 3 }, y.As<float>());
    }

    [Fact]
    public void TreeEnsembleV5AverageInDoubleKeepsTheInputType()
    {
        var x = Tensor.FromArray(new double[] { 0, 0, 1, 3 }, 2, 2);
        var y = MlHarness.Run1("TreeEnsemble", x, V5Trees<double>(F64, ("aggregate_function", 0L)));
        Assert.Equal(DataType.Double, y.Type);
        Assert.Equal(new double[] { 10.5, 0, 1, 5 }, y.As<double>());
    }

    [Fact]
    public void TreeEnsembleV5RejectsALeafIndexOutOfRange()
    {
        var x = Tensor.FromArray(new float[] { 0, 0 }, 1, 2);
        var bad = V5Trees<float>(F32).Select(a => a.Item1 == "nodes_truenodeids" ? (a.Item1, (object)new long[] { 8, 1, 3 }) : a).ToArray();
        Assert.Throws<EngineException>(() => MlHarness.Run1("TreeEnsemble", x, bad));
    }
}
