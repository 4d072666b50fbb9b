using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>NonMaxSuppression and TfIdfVectorizer: data-dependent ops with simple output types.</summary>
public sealed class DetectionOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("NonMaxSuppression").Since(11)
            .In("boxes", "scores", "max_output_boxes_per_class?", "iou_threshold?", "score_threshold?")
            .Out("selected_indices")
            .Attr("center_point_box", 0L)
            .Infer(ctx => ctx.SetOutput(0, DataType.Int64, [Dim.Unknown, 3]))
            .WithKernel(NonMaxSuppressionKernels.NonMaxSuppression)
            .Fuses(FusionKind.Opaque);

        r.Add("TfIdfVectorizer").Since(9).In("X").Out("Y")
            .RequiredAttr("max_gram_length", AttrType.Int)
            .RequiredAttr("max_skip_count", AttrType.Int)
            .RequiredAttr("min_gram_length", AttrType.Int)
            .RequiredAttr("mode", AttrType.String)
            .RequiredAttr("ngram_counts", AttrType.Ints)
            .RequiredAttr("ngram_indexes", AttrType.Ints)
            .OptionalAttr("pool_int64s", AttrType.Ints)
            .OptionalAttr("pool_strings", AttrType.Strings)
            .OptionalAttr("weights", AttrType.Floats)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                var idx = ctx.Attributes.GetIntsOrNull("ngram_indexes");
                Dim size = idx is { Length: > 0 } ? Dim.Of(idx.Max() + 1) : Dim.Unknown;
                Dim[]? dims = x.Dims switch
                {
                    null => null,
                    { Length: 2 } d => [d[0], size],
                    _ => [size],
                };
                ctx.SetOutput(0, DataType.Float, dims);
            })
            .WithKernel(TfIdfVectorizerKernels.TfIdfVectorizer)
            .Fuses(FusionKind.Opaque);
    }
}
