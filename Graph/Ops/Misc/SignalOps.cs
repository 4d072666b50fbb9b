using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Window functions, MelWeightMatrix, DFT and STFT.</summary>
public sealed class SignalOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        Window(r, "HannWindow", SignalKernels.HannWindow);
        Window(r, "HammingWindow", SignalKernels.HammingWindow);
        Window(r, "BlackmanWindow", SignalKernels.BlackmanWindow);

        r.Add("MelWeightMatrix").Since(17)
            .In("num_mel_bins", "dft_length", "sample_rate", "lower_edge_hertz", "upper_edge_hertz").Out("output")
            .Attr("output_datatype", 1L)
            .Infer(ctx =>
            {
                long? mel = ConstInt(ctx, 0), len = ConstInt(ctx, 1);
                ctx.SetOutput(0, (DataType)ctx.Attributes.GetInt("output_datatype"),
                    [len is { } l ? Dim.Of(l / 2 + 1) : Dim.Unknown, mel is { } m ? Dim.Of(m) : Dim.Unknown]);
            })
            .WithKernel(SignalKernels.MelWeightMatrix)
            .Fuses(FusionKind.Opaque);

        r.Add("DFT").Since(20).In("input", "dft_length?", "axis?").Out("output")
            .Attr("inverse", 0L)
            .Attr("onesided", 0L)
            .Infer(InferDft)
            .WithKernel(SignalKernels.Dft)
            .Fuses(FusionKind.Opaque)
            .Upgrade(20, "'axis' attribute (default 1) becomes the optional third input (default -2)", ctx =>
            {
                if (ctx.Node.Attributes.HasExplicit("axis"))
                {
                    ctx.MoveAttributeToInput("axis", 2, DataType.Int64);
                }
                else
                {
                    ctx.Node.SetInput(2, ctx.Constant(Tensor.Scalar(1L), ctx.Node.Name + "_axis"));
                }
            });

        r.Add("STFT").Since(17).In("signal", "frame_step", "window?", "frame_length?").Out("output")
            .Attr("onesided", 1L)
            .Infer(InferStft)
            .WithKernel(SignalKernels.Stft)
            .Fuses(FusionKind.Opaque);
    }

    private static void Window(OpRegistry r, string name, Kernel kernel)
    {
        r.Add(name).Since(17).In("size").Out("output")
            .Attr("output_datatype", 1L)
            .Attr("periodic", 1L)
            .Infer(ctx => ctx.SetOutput(0, (DataType)ctx.Attributes.GetInt("output_datatype"),
                [ConstInt(ctx, 0) is { } n ? Dim.Of(n) : Dim.Unknown]))
            .WithKernel(kernel)
            .Fuses(FusionKind.Opaque);
    }

    private static long? ConstInt(InferenceContext ctx, int i) =>
        ctx.ConstantInput(i) is { Length: 1 } t && DataTypes.IsInteger(t.Type) ? t.ToInt64Array()[0] : null;

    private static void InferDft(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        if (x.Dims is null)
        {
            ctx.SetOutput(0, x.Elem, null);
            return;
        }
        int r = x.Rank;
        if (r < 2) throw ctx.Fail($"input must be [..., 1] or [..., 2], got {x.ShapeText}");
        var dims = (Dim[])x.Dims.Clone();
        bool inverse = ctx.Attributes.GetInt("inverse") != 0;
        bool onesided = ctx.Attributes.GetInt("onesided") != 0;
        dims[^1] = inverse && onesided ? 1 : 2;
        long? axis = ctx.HasInput(2) ? ConstInt(ctx, 2) : -2;
        if (axis is not { } ax)
        {
            // The transformed axis is unknown, so any signal dim may change.
            for (int i = 0; i < r - 1; i++) dims[i] = Dim.Unknown;
            ctx.SetOutput(0, x.Elem, dims);
            return;
        }
        long a = ax < 0 ? ax + r : ax;
        if (a < 0 || a > r - 2) throw ctx.Fail($"axis {ax} is out of range for an input of rank {r}");
        long? len = ctx.HasInput(1) ? ConstInt(ctx, 1)
            : x.Dims[a].IsKnown ? (inverse && onesided ? 2 * (x.Dims[a].Value - 1) : x.Dims[a].Value) : null;
        dims[a] = len is { } n ? Dim.Of(!inverse && onesided ? n / 2 + 1 : n) : Dim.Unknown;
        ctx.SetOutput(0, x.Elem, dims);
    }

    private static void InferStft(InferenceContext ctx)
    {
        var x = ctx.Required(0);
        var dims = Shapes.UnknownOfRank(4);
        dims[3] = 2;
        if (x.Dims is { Length: 3 }) dims[0] = x.Dims[0];
        long? frameLength = ctx.HasInput(3) ? ConstInt(ctx, 3)
            : ctx.Input(2)?.Dims is { Length: 1 } w && w[0].IsKnown ? w[0].Value : null;
        long? step = ConstInt(ctx, 1);
        if (frameLength is { } n)
        {
            dims[2] = ctx.Attributes.GetInt("onesided") != 0 ? n / 2 + 1 : n;
            if (step is { } s && s > 0 && x.Dims is { Length: 3 } xd && xd[1].IsKnown)
                dims[1] = (xd[1].Value - n) / s + 1;
        }
        ctx.SetOutput(0, x.Elem, dims);
    }
}
