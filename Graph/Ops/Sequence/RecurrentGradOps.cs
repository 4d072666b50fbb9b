using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// Backward ops of the recurrent layers: ai.engine::RNNGrad, GRUGrad and LSTMGrad (backpropagation
/// through time in one reference kernel, <see cref="RecurrentGradKernels"/>): the recursion is
/// sequential, so a dedicated op is far smaller and faster than an unrolled graph. Inputs are the
/// forward inputs in their positions, then dY, dY_h (and dY_c); outputs the gradients of X, W, R, B,
/// initial_h (and initial_c, P). The gradient rules below attach them to RNN, GRU and LSTM.
/// </summary>
public sealed class RecurrentGradOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        Common(r.Add(OpRegistry.EngineDomain, "RNNGrad").Since(1)
                .In("X", "W", "R", "B?", "sequence_lens?", "initial_h?", "dY?", "dY_h?").Out("dX", "dW", "dR", "dB", "dinitial_h"), 1)
            .WithKernel(RecurrentGradKernels.RnnGrad);
        Common(r.Add(OpRegistry.EngineDomain, "GRUGrad").Since(1)
                .In("X", "W", "R", "B?", "sequence_lens?", "initial_h?", "dY?", "dY_h?").Out("dX", "dW", "dR", "dB", "dinitial_h"), 3)
            .Attr("linear_before_reset", 0L)
            .WithKernel(RecurrentGradKernels.GruGrad);
        Common(r.Add(OpRegistry.EngineDomain, "LSTMGrad").Since(1)
                .In("X", "W", "R", "B?", "sequence_lens?", "initial_h?", "initial_c?", "P?", "dY?", "dY_h?", "dY_c?")
                .Out("dX", "dW", "dR", "dB", "dinitial_h", "dinitial_c", "dP"), 4)
            .Attr("input_forget", 0L)
            .WithKernel(RecurrentGradKernels.LstmGrad);
    }

    private static OpSchema Common(OpSchema s, int gates) => s
        .OptionalAttr("activation_alpha", AttrType.Floats)
        .OptionalAttr("activation_beta", AttrType.Floats)
        .OptionalAttr("activations", AttrType.Strings)
        .OptionalAttr("clip", AttrType.Float)
        .Attr("direction", "forward")
        .OptionalAttr("hidden_size", AttrType.Int)
        .Attr("layout", 0L)
        .Infer(ctx => Infer(ctx, gates));

    private static void Infer(InferenceContext ctx, int gates)
    {
        var x = ctx.Required(0);
        var w = ctx.Required(1);
        var rt = ctx.Required(2);
        ctx.SetOutput(0, x);
        ctx.SetOutput(1, w);
        ctx.SetOutput(2, rt);
        Dim dirs = w.Dims is { Length: 3 } wd ? wd[0] : Dim.Unknown;
        Dim gh = w.Dims is { Length: 3 } wd1 && wd1[1].IsKnown ? Dim.Of(2 * wd1[1].Value) : Dim.Unknown;
        ctx.SetOutput(3, x.Elem, [dirs, gh]);
        Dim hidden = rt.Dims is { Length: 3 } rd ? rd[2] : Dim.Unknown;
        bool batchMajor = ctx.Attributes.GetInt("layout") == 1;
        Dim batch = x.Dims is { Length: 3 } xd ? (batchMajor ? xd[0] : xd[1]) : Dim.Unknown;
        Dim[] state = batchMajor ? [batch, dirs, hidden] : [dirs, batch, hidden];
        ctx.SetOutput(4, x.Elem, state);
        if (gates == 4)
        {
            ctx.SetOutput(5, x.Elem, state);
            Dim p = hidden.IsKnown ? Dim.Of(3 * hidden.Value) : Dim.Unknown;
            ctx.SetOutput(6, x.Elem, [dirs, p]);
        }
    }
}

/// <summary>Gradient rules of RNN, GRU and LSTM: one backward op each.</summary>
internal static class RecurrentGradients
{
    /// <summary>Forward input index → backward op output index.</summary>
    private static readonly Dictionary<int, int> OutputOf = new() { [0] = 0, [1] = 1, [2] = 2, [3] = 3, [5] = 4, [6] = 5, [7] = 6 };

    public static GradientRule Rule(string backwardOp, int forwardInputs, int outputs, int outputGrads) => g =>
    {
        var inputs = new List<Value?>();
        for (int i = 0; i < forwardInputs; i++) inputs.Add(g.HasX(i) ? g.X(i) : null);
        for (int o = 0; o < outputGrads; o++) inputs.Add(g.dY(o));
        var d = g.OpN(OpRegistry.EngineDomain + "::" + backwardOp, outputs, inputs.ToArray(),
            g.Attributes.Explicit.Select(kv => (kv.Key, kv.Value)).ToArray());
        foreach (var (input, output) in OutputOf)
        {
            if (input < forwardInputs && g.HasX(input) && g.NeedsGrad(input)) g.SetGrad(input, d[output]);
        }
    };
}
