using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Compute;

namespace Engine.Codegen.Lowerings.Sequence;

/// <summary>
/// float32 RNN / GRU / LSTM with constant W, R, B and P as one <see cref="Recurrent"/> call: the weights are
/// packed at compile time (W and R into GEMM panels, Wb + Rb folded into one bias); per direction the input
/// projection of the whole sequence is one GEMM and each step one GEMM over all gates plus the fused gate math.
/// sequence_lens (int32) and the initial states may be runtime tensors; every ONNX attribute is honoured
/// (directions, layout, clip, activations with alpha/beta, linear_before_reset, input_forget).
/// </summary>
public sealed class RecurrentLowering(RecurrentCell cell) : ICpuLowering
{
    private int Slots => cell switch { RecurrentCell.Rnn => 1, RecurrentCell.Gru => 2, _ => 3 };

    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float) return "only float32 is lowered";
        for (int i = 0; i < ctx.OutputCount; i++)
            if (ctx.HasOutput(i) && ctx.OutType(i) != DataType.Float) return "only float32 is lowered";
        if (ctx.Constant(1) is not { } w || ctx.Constant(2) is not { } r) return "W or R is not a constant";
        var a = ctx.Attributes;
        var x = ctx.InShape(0);
        var ws = ctx.InShape(1);
        var rs = ctx.InShape(2);
        if (x.Length != 3 || ws.Length != 3 || rs.Length != 3) return "X, W, R are not rank 3";
        string direction = a.GetString("direction");
        var dir = direction switch
        {
            "forward" => RecurrentDirection.Forward,
            "reverse" => RecurrentDirection.Reverse,
            "bidirectional" => (RecurrentDirection?)RecurrentDirection.Bidirectional,
            _ => null,
        };
        if (dir is null) return $"unknown direction";
        long layout = a.GetInt("layout");
        if (layout is not (0 or 1)) return "layout is not 0 or 1";
        bool batchMajor = layout == 1;
        int dirs = dir == RecurrentDirection.Bidirectional ? 2 : 1;
        int seq = batchMajor ? x[1] : x[0], batch = batchMajor ? x[0] : x[1], input = x[2], hidden = rs[2];
        int gates = cell switch { RecurrentCell.Rnn => 1, RecurrentCell.Gru => 3, _ => 4 };
        if (hidden < 1 || a.Get("hidden_size") is long hs && hs != hidden) return "hidden_size does not match R";
        if (ws[0] != dirs || ws[1] != gates * hidden || ws[2] != input || rs[0] != dirs || rs[1] != gates * hidden) return "W/R shapes do not match";
        float[] bias = [];
        if (ctx.InputCount > 3 && ctx.HasInput(3))
        {
            if (ctx.Constant(3) is not { } bt) return "B is not a constant";
            if (bt.Type != DataType.Float || bt.Length != dirs * 2 * gates * hidden) return "B has the wrong shape";
            bias = bt.As<float>();
        }
        float[] peep = [];
        if (cell == RecurrentCell.Lstm && ctx.InputCount > 7 && ctx.HasInput(7))
        {
            if (ctx.Constant(7) is not { } pt) return "P is not a constant";
            if (pt.Type != DataType.Float || pt.Length != dirs * 3 * hidden) return "P has the wrong shape";
            peep = pt.As<float>();
        }
        string seqLens = "null";
        if (ctx.InputCount > 4 && ctx.HasInput(4))
        {
            if (ctx.InType(4) != DataType.Int32) return "sequence_lens is not int32";
            seqLens = ctx.In(4);
        }
        string State(int i)
        {
            if (ctx.InputCount <= i || !ctx.HasInput(i)) return "null";
            return ctx.In(i);
        }
        for (int i = 5; i <= 6 && i < ctx.InputCount; i++)
            if (ctx.HasInput(i) && (ctx.InType(i) != DataType.Float || ctx.InLength(i) != (long)dirs * batch * hidden)) return "initial state has the wrong type or size";
        if (cell != RecurrentCell.Lstm && ctx.InputCount > 6 && ctx.HasInput(6)) return "unexpected initial_c";

        // Activations: names from the attribute (or the defaults), alpha/beta consumed in order by the functions that take them.
        var names = a.GetStringsOrNull("activations");
        var acts = new RecurrentActivation[6];
        if (names is { Length: > 0 })
        {
            if (names.Length != Slots * dirs) return "wrong number of activations";
            var alphas = a.GetFloatsOrNull("activation_alpha") ?? [];
            var betas = a.GetFloatsOrNull("activation_beta") ?? [];
            int ai = 0, bi = 0;
            for (int i = 0; i < names.Length; i++)
            {
                if (RecurrentActivation.Parse(names[i]) is not { } kind) return "unknown activation function";
                var (da, db, ua, ub) = RecurrentActivation.Defaults(kind);
                float alpha = ua && ai < alphas.Length ? alphas[ai++] : da;
                float beta = ub && bi < betas.Length ? betas[bi++] : db;
                acts[i / Slots * 3 + i % Slots] = new RecurrentActivation(kind, alpha, beta);
            }
        }
        float clip = a.Has("clip") ? a.GetFloat("clip") : float.PositiveInfinity;
        if (!(clip > 0)) return "clip is not positive";
        bool lbr = cell == RecurrentCell.Gru && a.GetInt("linear_before_reset", 0) != 0;
        bool inputForget = cell == RecurrentCell.Lstm && a.GetInt("input_forget", 0) != 0;
        var s = new RecurrentShape(cell, seq, batch, input, hidden, dir.Value, batchMajor, clip, lbr, inputForget,
            acts[0], acts[1], acts[2], acts[3], acts[4], acts[5]);

        string Output(int i)
        {
            if (i >= ctx.OutputCount || !ctx.HasOutput(i)) return "null";
            return ctx.Out(i);
        }
        string y = Output(0), yh = Output(1), yc = cell == RecurrentCell.Lstm ? Output(2) : "null";
        if (y != "null" && ctx.OutLength(0) != (long)seq * dirs * batch * hidden) return "Y has the wrong size";

        var packed = Recurrent.PackWeights(s, w.As<float>(), r.As<float>(), bias, peep);
        string pw = ctx.Weights(Tensor.FromArray(packed, packed.Length));
        int threads = Math.Max(1, ctx.Options.Threads);
        string scratch = ctx.Scratch(Math.Max(1L, Recurrent.ScratchLength(s, threads)) * sizeof(float));
        string I(long v) => LoweringContext.IntLiteral(v);
        string F(float f) => LoweringContext.FloatLiteral(f);
        string Act(RecurrentActivation v) => $"new RecurrentActivation(RecurrentActivationKind.{Enum.GetName(v.Kind)}, {F(v.Alpha)}, {F(v.Beta)})";
        string sv = ctx.Fresh("rnn");
        ctx.Comment($"{ctx.Node.OpType} {direction}, seq {seq}, batch {batch}, input {input}, hidden {hidden}: Recurrent (one input GEMM, one GEMM per step), weights packed at compile time");
        ctx.Line("{");
        ctx.Line($"var {sv} = new RecurrentShape(RecurrentCell.{Enum.GetName(cell)}, {I(seq)}, {I(batch)}, {I(input)}, {I(hidden)}, "
            + $"RecurrentDirection.{Enum.GetName(dir.Value)}, {(batchMajor ? "true" : "false")}, {F(clip)}, {(lbr ? "true" : "false")}, {(inputForget ? "true" : "false")}, "
            + string.Join(", ", acts.Select(Act)) + ");");
        ctx.Line($"Recurrent.Run({sv}, {ctx.In(0)}, {pw}, {seqLens}, {State(5)}, {(cell == RecurrentCell.Lstm ? State(6) : "null")}, {y}, {yh}, {yc}, "
            + $"(float*){scratch}, {ctx.Threads}, {ComputeIsaChoice.Expression(ctx.Vector)});");
        ctx.Line("}");
        return null;
    }
}

/// <summary>Registers the RNN, GRU and LSTM lowerings.</summary>
public sealed class SequenceLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r)
    {
        r.Add("RNN", new RecurrentLowering(RecurrentCell.Rnn));
        r.Add("GRU", new RecurrentLowering(RecurrentCell.Gru));
        r.Add("LSTM", new RecurrentLowering(RecurrentCell.Lstm));
    }
}
