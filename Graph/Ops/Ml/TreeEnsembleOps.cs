using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// Tree ensembles of ai.onnx.ml: TreeEnsemble-5 (index-addressed nodes, leaf lists, set membership)
/// and the classic TreeEnsembleRegressor/Classifier-3 that scikit-learn converters still emit.
/// </summary>
public sealed class TreeEnsembleOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add(MlOps.Domain, "TreeEnsemble").Since(5).In("X").Out("Y")
            .Attr("aggregate_function", 1L)
            .OptionalAttr("leaf_targetids", AttrType.Ints)
            .OptionalAttr("leaf_weights", AttrType.Tensor)
            .OptionalAttr("membership_values", AttrType.Tensor)
            .OptionalAttr("n_targets", AttrType.Int)
            .OptionalAttr("nodes_falseleafs", AttrType.Ints)
            .OptionalAttr("nodes_falsenodeids", AttrType.Ints)
            .OptionalAttr("nodes_featureids", AttrType.Ints)
            .OptionalAttr("nodes_hitrates", AttrType.Tensor)
            .OptionalAttr("nodes_missing_value_tracks_true", AttrType.Ints)
            .OptionalAttr("nodes_modes", AttrType.Tensor)
            .OptionalAttr("nodes_splits", AttrType.Tensor)
            .OptionalAttr("nodes_trueleafs", AttrType.Ints)
            .OptionalAttr("nodes_truenodeids", AttrType.Ints)
            .Attr("post_transform", 0L)
            .OptionalAttr("tree_roots", AttrType.Ints)
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(0).Elem, [MlOps.BatchDim(ctx.Required(0)), TargetDim(ctx, "n_targets")]))
            .WithKernel(TreeEnsembleV5Kernel.TreeEnsemble)
            .Fuses(FusionKind.Opaque);

        var reg = r.Add(MlOps.Domain, "TreeEnsembleRegressor").Since(3).In("X").Out("Y")
            .Attr("aggregate_function", "SUM")
            .OptionalAttr("n_targets", AttrType.Int)
            .OptionalAttr("target_ids", AttrType.Ints)
            .OptionalAttr("target_nodeids", AttrType.Ints)
            .OptionalAttr("target_treeids", AttrType.Ints)
            .OptionalAttr("target_weights", AttrType.Floats)
            .OptionalAttr("target_weights_as_tensor", AttrType.Tensor)
            .Infer(ctx => ctx.SetOutput(0, DataType.Float, [MlOps.BatchDim(ctx.Required(0)), TargetDim(ctx, "n_targets")]))
            .WithKernel(TreeEnsembleKernels.TreeEnsembleRegressor)
            .Fuses(FusionKind.Opaque);
        ClassicNodeAttributes(reg);

        var cls = r.Add(MlOps.Domain, "TreeEnsembleClassifier").Since(3).In("X").Out("Y", "Z")
            .OptionalAttr("class_ids", AttrType.Ints)
            .OptionalAttr("class_nodeids", AttrType.Ints)
            .OptionalAttr("class_treeids", AttrType.Ints)
            .OptionalAttr("class_weights", AttrType.Floats)
            .OptionalAttr("class_weights_as_tensor", AttrType.Tensor)
            .OptionalAttr("classlabels_int64s", AttrType.Ints)
            .OptionalAttr("classlabels_strings", AttrType.Strings)
            .Infer(InferClassifier)
            .WithKernel(TreeEnsembleKernels.TreeEnsembleClassifier)
            .Fuses(FusionKind.Opaque);
        ClassicNodeAttributes(cls);
    }

    /// <summary>The nodes_*, base_values and post_transform attributes both classic ensembles share.</summary>
    private static void ClassicNodeAttributes(OpSchema s) => s
        .OptionalAttr("base_values", AttrType.Floats)
        .OptionalAttr("base_values_as_tensor", AttrType.Tensor)
        .OptionalAttr("nodes_falsenodeids", AttrType.Ints)
        .OptionalAttr("nodes_featureids", AttrType.Ints)
        .OptionalAttr("nodes_hitrates", AttrType.Floats)
        .OptionalAttr("nodes_hitrates_as_tensor", AttrType.Tensor)
        .OptionalAttr("nodes_missing_value_tracks_true", AttrType.Ints)
        .OptionalAttr("nodes_modes", AttrType.Strings)
        .OptionalAttr("nodes_nodeids", AttrType.Ints)
        .OptionalAttr("nodes_treeids", AttrType.Ints)
        .OptionalAttr("nodes_truenodeids", AttrType.Ints)
        .OptionalAttr("nodes_values", AttrType.Floats)
        .OptionalAttr("nodes_values_as_tensor", AttrType.Tensor)
        .Attr("post_transform", "NONE");

    private static Dim TargetDim(InferenceContext ctx, string attribute) =>
        ctx.Attributes.Get(attribute) is long n && n > 0 ? n : Dim.Unknown;

    private static void InferClassifier(InferenceContext ctx)
    {
        var a = ctx.Attributes;
        var n = MlOps.BatchDim(ctx.Required(0));
        int classes = a.GetIntsOrNull("classlabels_int64s")?.Length ?? a.GetStringsOrNull("classlabels_strings")?.Length ?? 0;
        bool binary = classes <= 2 && (a.GetIntsOrNull("class_ids") ?? []).Distinct().Count() == 1;
        ctx.SetOutput(0, a.HasExplicit("classlabels_int64s") ? DataType.Int64 : DataType.String, [n]);
        ctx.SetOutput(1, DataType.Float, [n, classes == 0 ? Dim.Unknown : binary && classes == 1 ? 2 : classes]);
    }
}
