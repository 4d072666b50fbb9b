using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>RNN, GRU and LSTM: the ONNX recurrent layers, in their opset-22 form.</summary>
public sealed class RecurrentOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        Common(r.Add("RNN").Since(22).In("X", "W", "R", "B?", "sequence_lens?", "initial_h?").Out("Y?", "Y_h?"), 1)
            .WithKernel(RecurrentKernels.Rnn)
            .NotDifferentiable(4)
            .Gradient(RecurrentGradients.Rule("RNNGrad", 6, 5, 2));

        Common(r.Add("GRU").Since(22).In("X", "W", "R", "B?", "sequence_lens?", "initial_h?").Out("Y?", "Y_h?"), 3)
            .Attr("linear_before_reset", 0L)
            .WithKernel(RecurrentKernels.Gru)
            .NotDifferentiable(4)
            .Gradient(RecurrentGradients.Rule("GRUGrad", 6, 5, 2));

        Common(r.Add("LSTM").Since(22).In("X", "W", "R", "B?", "sequence_lens?", "initial_h?", "initial_c?", "P?")
                .Out("Y?", "Y_h?", "Y_c?"), 4)
            .Attr("input_forget", 0L)
            .WithKernel(RecurrentKernels.Lstm)
            .NotDifferentiable(4)
            .Gradient(RecurrentGradients.Rule("LSTMGrad", 8, 7, 3));
    }

    private static OpSchema Common(OpSchema s, int gates) => s
        .OptionalAttr("activation_alpha", AttrType.Floats)
        .OptionalAttr("activation_beta", AttrType.Floats)
        .OptionalAttr("activations", AttrType.Strings)
        .OptionalAttr("clip", AttrType.Float)
        .Attr("direction", "forward")
        .OptionalAttr("hidden_size", AttrType.Int)
        .Attr("layout", 0L)
        .Infer(ctx => Infer(ctx, gates))
        .Fuses(FusionKind.Opaque)
        // Opset 1 had an 'output_sequence' flag; later opsets always define Y (an optional output).
        .Upgrade(7, "drop the opset-1 'output_sequence' attribute", ctx => ctx.Node.Attributes.Remove("output_sequence"));

    private static void Infer(InferenceContext ctx, int gates)
    {
        var x = ctx.Required(0);
        var w = ctx.Required(1);
        var rt = ctx.Required(2);
        if (x.HasRank && x.Rank != 3) throw ctx.Fail($"X must be rank 3, got {x}");
        bool batchMajor = ctx.Attributes.GetInt("layout") == 1;
        string direction = ctx.Attributes.GetString("direction");
        long dirs = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw ctx.Fail($"direction must be forward, reverse or bidirectional, got '{direction}'"),
        };
        Dim hidden = Dim.Unknown;
        if (ctx.Attributes.Get("hidden_size") is long hs) hidden = hs;
        else if (rt.Dims is { Length: 3 } rd && rd[2].IsKnown) hidden = rd[2];
        else if (w.Dims is { Length: 3 } wd && wd[1].IsKnown) hidden = wd[1].Value / gates;
        else if (rt.Dims is { Length: 3 } rs) hidden = rs[2];
        Dim seq = Dim.Unknown, batch = Dim.Unknown;
        if (x.Dims is { } xd)
        {
            seq = batchMajor ? xd[1] : xd[0];
            batch = batchMajor ? xd[0] : xd[1];
        }
        ctx.SetOutput(0, x.Elem, batchMajor ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden]);
        Dim[] state = batchMajor ? [batch, dirs, hidden] : [dirs, batch, hidden];
        ctx.SetOutput(1, x.Elem, state);
        ctx.SetOutput(2, x.Elem, state);
    }
}
