using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>
/// ai.engine::Scan8 — ONNX Scan as it was in opsets 8: an optional int64 sequence_lens first, then states
/// and scan inputs that all carry a leading batch axis (scan inputs are [batch, sequence, ...]). The body
/// sees one batch item's unbatched state and one sequence element per scan input. Opset-9 Scan dropped
/// the batch axis, so the importer rebinds Scan nodes of older models to this op instead of rewriting them.
/// </summary>
public sealed class Scan8Ops : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add(OpRegistry.EngineDomain, "Scan8").Since(8).In("sequence_lens?", "initial_state_and_scan_inputs+")
            .Out("final_state_and_scan_outputs+")
            .RequiredAttr("body", AttrType.Graph)
            .RequiredAttr("num_scan_inputs", AttrType.Int)
            .OptionalAttr("directions", AttrType.Ints)
            .Infer(InferScan8)
            .WithGraphKernel(Scan8Kernel.Scan8)
            .Fuses(FusionKind.Opaque);
    }

    private static void InferScan8(InferenceContext ctx)
    {
        var body = (Graph)ctx.Attributes.Get("body")!;
        int nScanIn = (int)ctx.Attributes.GetInt("num_scan_inputs");
        int nState = ctx.InputCount - 1 - nScanIn;
        if (nState < 0) throw ctx.Fail($"num_scan_inputs {nScanIn} exceeds the {ctx.InputCount - 1} state and scan inputs");
        Dim batch = Dim.Unknown, seq = Dim.Unknown;
        for (int i = 1; i < ctx.InputCount; i++)
        {
            if (ctx.Input(i)?.Dims is { Length: > 0 } d)
            {
                batch = d[0];
                break;
            }
        }
        if (nScanIn > 0 && ctx.Input(1 + nState)?.Dims is { Length: > 1 } s) seq = s[1];
        for (int i = 0; i < ctx.OutputCount && i < body.Outputs.Count; i++)
        {
            var t = body.Outputs[i].Type;
            Dim[]? dims = t.Dims is null ? null : i < nState ? [batch, .. t.Dims] : [batch, seq, .. t.Dims];
            ctx.SetOutput(i, new TensorType(t.Elem, dims));
        }
    }
}
