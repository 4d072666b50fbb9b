using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>If, Loop and Scan: ops whose bodies are subgraphs, run by <see cref="ControlFlowKernels"/>.</summary>
public sealed class ControlFlowOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("If").Since(21).In("cond").Out("outputs+")
            .RequiredAttr("then_branch", AttrType.Graph)
            .RequiredAttr("else_branch", AttrType.Graph)
            .Infer(InferIf)
            .WithGraphKernel(ControlFlowKernels.If)
            .Fuses(FusionKind.Opaque);

        r.Add("Loop").Since(21).In("M?", "cond?", "v_initial*").Out("v_final_and_scan_outputs+")
            .RequiredAttr("body", AttrType.Graph)
            .Infer(InferLoop)
            .WithGraphKernel(ControlFlowKernels.Loop)
            .Fuses(FusionKind.Opaque);

        r.Add("Scan").Since(21).In("initial_state_and_scan_inputs+").Out("final_state_and_scan_outputs+")
            .RequiredAttr("body", AttrType.Graph)
            .RequiredAttr("num_scan_inputs", AttrType.Int)
            .OptionalAttr("scan_input_axes", AttrType.Ints)
            .OptionalAttr("scan_input_directions", AttrType.Ints)
            .OptionalAttr("scan_output_axes", AttrType.Ints)
            .OptionalAttr("scan_output_directions", AttrType.Ints)
            .Infer(InferScan)
            .WithGraphKernel(ControlFlowKernels.Scan)
            .Fuses(FusionKind.Opaque)
            .Upgrade(9, "Scan-8 (batched, with sequence_lens and 'directions') runs as ai.engine::Scan8",
                ctx => ctx.Node.Rebind(ctx.Registry.Get(OpRegistry.EngineDomain, "Scan8")));

        r.Add("Optional").Since(15).In("input?").Out("output")
            .OptionalAttr("type", AttrType.Tensor)
            .Infer(ctx => ctx.SetOutput(0, ctx.Input(0) ?? (ctx.Attributes.Get("type") as TensorType) ?? TensorType.Unknown()))
            .WithKernel((k, inputs) => [inputs.Length > 0 ? inputs[0] : null])
            .Fuses(FusionKind.Opaque);

        r.Add("OptionalHasElement").Since(18).In("input?").Out("output")
            .Infer(ctx => ctx.SetOutput(0, TensorType.Of(DataType.Bool)))
            .WithKernel((k, inputs) => [Tensor.Scalar(inputs.Length > 0 && inputs[0] is not null)])
            .Fuses(FusionKind.Opaque);

        r.Add("OptionalGetElement").Since(18).In("input").Out("output")
            .Infer(Shapes.SameAsInput0)
            .WithKernel((k, inputs) => [inputs[0] ?? throw k.Fail("the optional input is empty")])
            .Fuses(FusionKind.Opaque);
    }

    private static void InferIf(InferenceContext ctx)
    {
        var then = (Graph)ctx.Attributes.Get("then_branch")!;
        var els = (Graph)ctx.Attributes.Get("else_branch")!;
        if (then.Outputs.Count != ctx.OutputCount || els.Outputs.Count != ctx.OutputCount)
            throw ctx.Fail($"branches have {then.Outputs.Count} and {els.Outputs.Count} outputs but the node has {ctx.OutputCount}");
        for (int i = 0; i < ctx.OutputCount; i++) ctx.SetOutput(i, Join(then.Outputs[i].Type, els.Outputs[i].Type));
    }

    /// <summary>The most precise type both branch types satisfy.</summary>
    private static TensorType Join(TensorType a, TensorType b)
    {
        var elem = a.Elem == b.Elem ? a.Elem : a.Elem == DataType.Undefined ? b.Elem : b.Elem == DataType.Undefined ? a.Elem : DataType.Undefined;
        if (a.Dims is null || b.Dims is null || a.Dims.Length != b.Dims.Length) return new TensorType(elem, null);
        return new TensorType(elem, a.Dims.Zip(b.Dims, (x, y) => x == y ? x : Dim.Unknown).ToArray());
    }

    private static void InferLoop(InferenceContext ctx)
    {
        var body = (Graph)ctx.Attributes.Get("body")!;
        int carried = Math.Max(0, ctx.InputCount - 2);
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            if (i < carried)
            {
                var init = ctx.Input(i + 2);
                ctx.SetOutput(i, init is not null ? new TensorType(init.Elem, null) : TensorType.Unknown());
            }
            else if (1 + i < body.Outputs.Count)
            {
                var t = body.Outputs[1 + i].Type;
                ctx.SetOutput(i, new TensorType(t.Elem, t.Dims is null ? null : [Dim.Unknown, .. t.Dims]));
            }
        }
    }

    private static void InferScan(InferenceContext ctx)
    {
        var body = (Graph)ctx.Attributes.Get("body")!;
        int scanInputs = (int)ctx.Attributes.GetInt("num_scan_inputs");
        int states = ctx.InputCount - scanInputs;
        for (int i = 0; i < ctx.OutputCount && i < body.Outputs.Count; i++)
        {
            var t = body.Outputs[i].Type;
            ctx.SetOutput(i, i < states ? t : new TensorType(t.Elem, t.Dims is null ? null : Shapes.UnknownOfRank(t.Dims.Length + 1)));
        }
    }
}
