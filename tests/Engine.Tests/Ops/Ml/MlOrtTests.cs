using Engine.Graph;
using Engine.Onnx;
using Engine.Onnx.Conformance;
using Engine.Runtime;
using Engine.Tests.Support;
using Google.Protobuf;

namespace Engine.Tests.Ops;

/// <summary>
/// Differential tests: one-node ai.onnx.ml models run on our kernels and on ONNX Runtime (whose
/// implementation is what scikit-learn exports are validated against), numeric outputs only.
/// </summary>
public class MlOrtTests
{
    private static void Check(string op, Tensor[] inputs, int outputs, params (string, object)[] attrs)
    {
        var g = new Engine.Graph.Graph("t");
        var values = inputs.Select((t, i) => (Value?)g.AddInput("in" + i, TensorType.Of(t))).ToArray();
        var n = NodeFactory.Create(OpRegistry.Default.Get(MlHarness.Domain, op), "out", values, outputs, attrs);
        g.AddNode(n);
        foreach (var o in n.Outputs) g.Outputs.Add(o!);
        TypePropagation.Run(g);
        var feed = inputs.Select((t, i) => ("in" + i, t)).ToDictionary(p => p.Item1, p => p.t);
        var ours = new ReferenceExecutor(g).Run(feed);
        var ort = OrtRunner.Run(OnnxExporter.Export(g).ToByteArray(), feed);
        foreach (var o in n.Outputs)
        {
            if (!OrtRunner.Supports(ours[o!.Name].Type)) continue;
            var diff = OutputComparer.Compare(ort[o.Name], ours[o.Name], 1e-5, 1e-6);
            Assert.True(diff is null, $"{op} output {o.Name}: {diff}");
        }
    }

    private static readonly Tensor Rows = Tensor.FromArray(new[] { 1f, 5, 2, -1, 2, 3, float.NaN, -7, -2, 0.5f }, 5, 2);

    private static (string, object)[] Nodes(params (string, object)[] extra) =>
    [
        ("nodes_treeids", new long[] { 0, 0, 0, 0, 0, 1, 1, 1 }),
        ("nodes_nodeids", new long[] { 0, 1, 2, 3, 4, 0, 1, 2 }),
        ("nodes_featureids", new long[] { 0, 0, 1, 0, 0, 1, 0, 0 }),
        ("nodes_modes", new[] { "BRANCH_LEQ", "LEAF", "BRANCH_LT", "LEAF", "LEAF", "BRANCH_GTE", "LEAF", "LEAF" }),
        ("nodes_values", new[] { 1.5f, 0, 0, 0, 0, 0.5f, 0, 0 }),
        ("nodes_truenodeids", new long[] { 1, 0, 3, 0, 0, 1, 0, 0 }),
        ("nodes_falsenodeids", new long[] { 2, 0, 4, 0, 0, 2, 0, 0 }),
        ("nodes_missing_value_tracks_true", new long[] { 1, 0, 0, 0, 0, 0, 0, 0 }),
        .. extra,
    ];

    [Theory]
    [InlineData("SUM")]
    [InlineData("AVERAGE")]
    [InlineData("MIN")]
    [InlineData("MAX")]
    public void TreeEnsembleRegressorMatchesOrt(string aggregate)
    {
        Check("TreeEnsembleRegressor", [Rows], 1, Nodes(
            ("target_treeids", new long[] { 0, 0, 0, 1, 1, 0 }), ("target_nodeids", new long[] { 1, 3, 4, 1, 2, 4 }),
            ("target_ids", new long[] { 0, 0, 1, 1, 0, 0 }), ("target_weights", new[] { 10f, 20f, 30f, 1f, -2f, 4f }),
            ("n_targets", 2L), ("aggregate_function", aggregate), ("base_values", new[] { 0.5f, -0.5f })));
    }

    [Theory]
    [InlineData("NONE")]
    [InlineData("SOFTMAX")]
    [InlineData("LOGISTIC")]
    public void TreeEnsembleClassifierMulticlassMatchesOrt(string post)
    {
        Check("TreeEnsembleClassifier", [Rows], 2, Nodes(
            ("class_treeids", new long[] { 0, 0, 0, 0, 1, 1 }), ("class_nodeids", new long[] { 1, 3, 4, 4, 1, 2 }),
            ("class_ids", new long[] { 0, 1, 2, 0, 1, 2 }), ("class_weights", new[] { 0.5f, 0.7f, 0.3f, 0.1f, 0.4f, 0.2f }),
            ("classlabels_int64s", new long[] { 4, 5, 6 }), ("post_transform", post)));
    }

    [Theory]
    [InlineData("NONE", false)]
    [InlineData("LOGISTIC", false)]
    [InlineData("NONE", true)]
    [InlineData("LOGISTIC", true)]
    public void TreeEnsembleClassifierBinaryMatchesOrt(string post, bool positive)
    {
        float sign = positive ? 1 : -1;
        Check("TreeEnsembleClassifier", [Rows], 2, Nodes(
            ("class_treeids", new long[] { 0, 0, 0, 1, 1 }), ("class_nodeids", new long[] { 1, 3, 4, 1, 2 }),
            ("class_ids", new long[] { 0, 0, 0, 0, 0 }), ("class_weights", new[] { 0.5f, sign * 0.7f, 0.3f, 0.1f, sign * 0.4f }),
            ("base_values", new[] { 0.25f }), ("classlabels_int64s", new long[] { 0, 1 }), ("post_transform", post)));
    }

    [Theory]
    [InlineData("NONE")]
    [InlineData("SOFTMAX")]
    [InlineData("LOGISTIC")]
    [InlineData("SOFTMAX_ZERO")]
    public void LinearClassifierMulticlassMatchesOrt(string post)
    {
        var x = Tensor.FromArray(new float[] { 2, 1, 0, 3, -1, -1, 0, 0 }, 4, 2);
        Check("LinearClassifier", [x], 2, ("coefficients", new[] { 1f, 0f, 0f, 1f, -1f, -1f }), ("intercepts", new[] { 0f, 0f, 1f }),
            ("classlabels_ints", new long[] { 10, 20, 30 }), ("post_transform", post));
    }

    [Theory]
    [InlineData("NONE")]
    [InlineData("LOGISTIC")]
    public void LinearClassifierBinaryMatchesOrt(string post)
    {
        var x = Tensor.FromArray(new float[] { 2, 1, 0, 3, -1, -1 }, 3, 2);
        Check("LinearClassifier", [x], 2, ("coefficients", new[] { 1f, -1f }), ("intercepts", new[] { 0.5f }),
            ("classlabels_ints", new long[] { 0, 1 }), ("post_transform", post));
    }

    [Fact]
    public void LinearRegressorMatchesOrt()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, -5, 6 }, 3, 2);
        Check("LinearRegressor", [x], 1, ("coefficients", new[] { 1f, 1f, 2f, -1f }), ("intercepts", new[] { 0.5f, 0f }), ("targets", 2L));
    }

    [Theory]
    [InlineData("MAX")]
    [InlineData("L1")]
    [InlineData("L2")]
    public void NormalizerMatchesOrt(string norm)
    {
        var x = Tensor.FromArray(new float[] { 1, -3, 2, 0, 0, 0, -1, -2, -4 }, 3, 3);
        Check("Normalizer", [x], 1, ("norm", norm));
    }

    [Fact]
    public void ScalerImputerOneHotAndFeatureVectorizerMatchOrt()
    {
        Check("Scaler", [Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2)], 1, ("offset", new[] { 1f, 2f }), ("scale", new[] { 2f, 0.5f }));
        Check("Imputer", [Tensor.FromArray(new[] { float.NaN, 1, 2, float.NaN }, 2, 2)], 1,
            ("imputed_value_floats", new[] { 10f, 20f }), ("replaced_value_float", float.NaN));
        Check("OneHotEncoder", [Tensor.FromArray(new long[] { 2, 7, 1 }, 1, 3)], 1, ("cats_int64s", new long[] { 1, 2, 3 }));
        Check("FeatureVectorizer", [Tensor.FromArray(new[] { 1f, 2, 3, 4 }, 2, 2), Tensor.FromArray(new[] { 5f, 6 }, 2, 1)], 1,
            ("inputdimensions", new long[] { 2, 1 }));
        Check("Binarizer", [Tensor.FromArray(new[] { -1f, 0.5f, 0.6f, 3f }, 4)], 1, ("threshold", 0.5f));
    }

    [Theory]
    [InlineData(1L, 0L)]
    [InlineData(0L, 0L)]
    [InlineData(2L, 0L)]
    [InlineData(3L, 0L)]
    [InlineData(1L, 3L)]
    // post_transform 1 and 2 are left out: ORT 1.31 reads 1 as LOGISTIC and 2 as SOFTMAX, the spec says 1 = SOFTMAX, 2 = LOGISTIC.
    public void TreeEnsembleV5MatchesOrt(long aggregate, long post)
    {
        var x = Tensor.FromArray(new[] { 0f, 0, 1, 3, 1, 2, float.NaN, 5, 0.7f, float.NaN }, 5, 2);
        Check("TreeEnsemble", [x], 1,
            ("nodes_featureids", new long[] { 0, 1, 1 }),
            ("nodes_modes", Tensor.FromArray(new byte[] { 0, 6, 3 }, 3)),
            ("nodes_splits", Tensor.FromArray(new[] { 0.5f, 0, 2 }, 3)),
            ("nodes_truenodeids", new long[] { 0, 1, 3 }), ("nodes_trueleafs", new long[] { 1, 1, 1 }),
            ("nodes_falsenodeids", new long[] { 1, 2, 4 }), ("nodes_falseleafs", new long[] { 0, 1, 1 }),
            ("nodes_missing_value_tracks_true", new long[] { 1, 0, 0 }),
            ("membership_values", Tensor.FromArray(new[] { 1f, 3, float.NaN }, 3)),
            ("leaf_targetids", new long[] { 0, 0, 1, 1, 0 }), ("leaf_weights", Tensor.FromArray(new[] { 1f, 2, 3, 10, 20 }, 5)),
            ("tree_roots", new long[] { 0, 2 }), ("n_targets", 2L), ("aggregate_function", aggregate), ("post_transform", post));
    }

    [Fact]
    public void LabelEncoderIntegerToFloatMatchesOrt()
    {
        Check("LabelEncoder", [Tensor.FromArray(new long[] { 1, 2, 9, 1 }, 2, 2)], 1,
            ("keys_int64s", new long[] { 1, 2 }), ("values_floats", new[] { 0.5f, -1f }), ("default_float", 7f));
    }
}
