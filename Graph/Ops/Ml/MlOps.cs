using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// The ai.onnx.ml preprocessing and linear-model ops (as exported by scikit-learn converters):
/// ArrayFeatureExtractor, Binarizer, Scaler, Normalizer, LabelEncoder, Imputer, OneHotEncoder, CategoryMapper,
/// FeatureVectorizer, LinearRegressor, LinearClassifier.
/// </summary>
public sealed class MlOps : IOpLibrary
{
    public const string Domain = "ai.onnx.ml";

    public void Register(OpRegistry r)
    {
        r.Add(Domain, "ArrayFeatureExtractor").Since(1).In("X", "Y").Out("Z")
            .Infer(InferArrayFeatureExtractor)
            .WithKernel(FeatureKernels.ArrayFeatureExtractor)
            .Fuses(FusionKind.Injective);

        r.Add(Domain, "Binarizer").Since(1).In("X").Out("Y")
            .Attr("threshold", 0f)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(FeatureKernels.Binarizer)
            .Fuses(FusionKind.ElemWise);

        r.Add(Domain, "Scaler").Since(1).In("X").Out("Y")
            .OptionalAttr("offset", AttrType.Floats)
            .OptionalAttr("scale", AttrType.Floats)
            .Infer(ctx => ctx.SetOutput(0, DataType.Float, ctx.Required(0).Dims))
            .WithKernel(FeatureKernels.Scaler)
            .Fuses(FusionKind.ElemWise);

        r.Add(Domain, "Normalizer").Since(1).In("X").Out("Y")
            .Attr("norm", "MAX")
            .Infer(ctx => ctx.SetOutput(0, DataType.Float, ctx.Required(0).Dims))
            .WithKernel(FeatureKernels.Normalizer)
            .Fuses(FusionKind.Opaque);

        r.Add(Domain, "LabelEncoder").Since(4).In("X").Out("Y")
            .Attr("default_float", -0f)
            .Attr("default_int64", -1L)
            .Attr("default_string", "_Unused")
            .OptionalAttr("default_tensor", AttrType.Tensor)
            .OptionalAttr("keys_floats", AttrType.Floats)
            .OptionalAttr("keys_int64s", AttrType.Ints)
            .OptionalAttr("keys_strings", AttrType.Strings)
            .OptionalAttr("keys_tensor", AttrType.Tensor)
            .OptionalAttr("values_floats", AttrType.Floats)
            .OptionalAttr("values_int64s", AttrType.Ints)
            .OptionalAttr("values_strings", AttrType.Strings)
            .OptionalAttr("values_tensor", AttrType.Tensor)
            .Infer(InferLabelEncoder)
            .WithKernel(LabelEncoderKernels.LabelEncoder)
            .Fuses(FusionKind.ElemWise);

        r.Add(Domain, "Imputer").Since(1).In("X").Out("Y")
            .OptionalAttr("imputed_value_floats", AttrType.Floats)
            .OptionalAttr("imputed_value_int64s", AttrType.Ints)
            .Attr("replaced_value_float", 0f)
            .Attr("replaced_value_int64", 0L)
            .Infer(Shapes.SameAsInput0)
            .WithKernel(EncoderKernels.Imputer)
            .Fuses(FusionKind.ElemWise);

        r.Add(Domain, "OneHotEncoder").Since(1).In("X").Out("Y")
            .OptionalAttr("cats_int64s", AttrType.Ints)
            .OptionalAttr("cats_strings", AttrType.Strings)
            .Attr("zeros", 1L)
            .Infer(ctx =>
            {
                var a = ctx.Attributes;
                long n = a.GetIntsOrNull("cats_int64s")?.Length ?? a.GetStringsOrNull("cats_strings")?.Length ?? -1;
                var dims = ctx.Required(0).Dims;
                ctx.SetOutput(0, DataType.Float, dims is null ? null : [.. dims, Dim.Of(n)]);
            })
            .WithKernel(EncoderKernels.OneHotEncoder)
            .Fuses(FusionKind.Opaque);

        r.Add(Domain, "CategoryMapper").Since(1).In("X").Out("Y")
            .OptionalAttr("cats_int64s", AttrType.Ints)
            .OptionalAttr("cats_strings", AttrType.Strings)
            .Attr("default_int64", -1L)
            .Attr("default_string", "_Unused")
            .Infer(ctx => ctx.SetOutput(0, ctx.Required(0).Elem == DataType.String ? DataType.Int64 : DataType.String, ctx.Required(0).Dims))
            .WithKernel(EncoderKernels.CategoryMapper)
            .Fuses(FusionKind.ElemWise);

        r.Add(Domain, "FeatureVectorizer").Since(1).In("X+").Out("Y")
            .OptionalAttr("inputdimensions", AttrType.Ints)
            .Infer(ctx =>
            {
                var dims = ctx.Attributes.GetIntsOrNull("inputdimensions");
                ctx.SetOutput(0, DataType.Float, [BatchDim(ctx.Required(0)), dims is null ? Dim.Unknown : Dim.Of(dims.Sum())]);
            })
            .WithKernel(EncoderKernels.FeatureVectorizer)
            .Fuses(FusionKind.Opaque);

        r.Add(Domain, "LinearRegressor").Since(1).In("X").Out("Y")
            .OptionalAttr("coefficients", AttrType.Floats)
            .OptionalAttr("intercepts", AttrType.Floats)
            .Attr("post_transform", "NONE")
            .Attr("targets", 1L)
            .Infer(ctx => ctx.SetOutput(0, DataType.Float, [BatchDim(ctx.Required(0)), Dim.Of(ctx.Attributes.GetInt("targets"))]))
            .WithKernel(LinearModelKernels.LinearRegressor)
            .Fuses(FusionKind.Opaque);

        r.Add(Domain, "LinearClassifier").Since(1).In("X").Out("Y", "Z")
            .OptionalAttr("classlabels_ints", AttrType.Ints)
            .OptionalAttr("classlabels_strings", AttrType.Strings)
            .RequiredAttr("coefficients", AttrType.Floats)
            .OptionalAttr("intercepts", AttrType.Floats)
            .Attr("multi_class", 0L)
            .Attr("post_transform", "NONE")
            .Infer(InferLinearClassifier)
            .WithKernel(LinearModelKernels.LinearClassifier)
            .Fuses(FusionKind.Opaque);
    }

    /// <summary>N of an [N,C] input; 1 for a single [C] row.</summary>
    internal static Dim BatchDim(TensorType x) => x.Dims switch
    {
        null => Dim.Unknown,
        { Length: <= 1 } => 1,
        var d => d[0],
    };

    private static void InferArrayFeatureExtractor(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var y = ctx.Required(1);
        Dim k = y.Dims is null ? Dim.Unknown : y.Dims.All(d => d.IsKnown) ? y.Dims.Aggregate(1L, (p, d) => p * d.Value) : Dim.Unknown;
        Dim[]? dims = x.Dims switch
        {
            null => null,
            { Length: 1 } => [1, k],
            var d => [.. d[..^1], k],
        };
        ctx.SetOutput(0, x.Elem, dims);
    }

    private static void InferLabelEncoder(InferenceContext ctx)
    {
        var a = ctx.Attributes;
        var elem = a.GetTensorOrNull("values_tensor") is { } t ? t.Type
            : a.HasExplicit("values_strings") ? DataType.String
            : a.HasExplicit("values_int64s") ? DataType.Int64
            : a.HasExplicit("values_floats") ? DataType.Float
            : throw ctx.Fail("one of values_strings, values_int64s, values_floats and values_tensor is required");
        ctx.SetOutput(0, elem, ctx.Required(0).Dims);
    }

    private static void InferLinearClassifier(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var a = ctx.Attributes;
        var labels = a.HasExplicit("classlabels_ints") ? DataType.Int64 : DataType.String;
        int classes = a.GetIntsOrNull("classlabels_ints")?.Length ?? a.GetStringsOrNull("classlabels_strings")?.Length ?? 0;
        Dim cols = Dim.Unknown;
        if (x.Dims is { Length: >= 1 } d && d[^1].IsKnown && d[^1].Value > 0)
        {
            long e = a.GetFloats("coefficients").Length / d[^1].Value;
            cols = e == 1 && classes == 2 ? 2 : e;
        }
        var n = BatchDim(x);
        ctx.SetOutput(0, labels, [n]);
        ctx.SetOutput(1, DataType.Float, [n, cols]);
    }
}
