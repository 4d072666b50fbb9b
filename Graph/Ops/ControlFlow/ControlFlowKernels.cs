using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>Reference semantics of If, Loop and Scan (ONNX spec), running bodies through the executor.</summary>
public static class ControlFlowKernels
{
    /// <summary>Upper bound on Loop iterations when neither M nor cond stops it (avoids hangs).</summary>
    public const long MaxIterations = 100_000_000;

    public static Tensor?[] If(GraphKernelContext ctx, Tensor?[] inputs)
    {
        var cond = inputs[0] ?? throw ctx.Kernel.Fail("cond is required");
        bool c = cond.Length == 1 ? cond.ScalarAsDouble() != 0 : throw ctx.Kernel.Fail("cond must hold one value");
        return ctx.RunSubgraph(ctx.GetGraph(c ? "then_branch" : "else_branch"), []);
    }

    public static Tensor?[] Loop(GraphKernelContext ctx, Tensor?[] inputs)
    {
        var body = ctx.GetGraph("body");
        long maxTrip = inputs.Length > 0 && inputs[0] is { } m ? (long)m.ScalarAsDouble() : long.MaxValue;
        bool cond = inputs.Length <= 1 || inputs[1] is null || inputs[1]!.ScalarAsDouble() != 0;
        var carried = inputs.Skip(2).ToArray();
        int nCarried = carried.Length;
        int nScan = body.Outputs.Count - 1 - nCarried;
        if (nScan < 0) throw ctx.Kernel.Fail($"body has {body.Outputs.Count} outputs but the loop carries {nCarried} values");
        if (maxTrip == long.MaxValue && inputs.Length > 1 && inputs[1] is null)
            throw ctx.Kernel.Fail("loop has neither a trip count nor a condition: it would never end");
        var scans = Enumerable.Range(0, nScan).Select(_ => new List<Tensor>()).ToArray();
        long i = 0;
        for (; i < maxTrip && cond; i++)
        {
            if (i >= MaxIterations) throw ctx.Kernel.Fail($"loop ran over {MaxIterations} iterations");
            var args = new Tensor?[2 + nCarried];
            args[0] = Tensor.Scalar(i);
            args[1] = Tensor.Scalar(cond);
            Array.Copy(carried, 0, args, 2, nCarried);
            var outs = ctx.RunSubgraph(body, args);
            cond = outs[0] is { } co ? co.ScalarAsDouble() != 0 : cond;
            for (int k = 0; k < nCarried; k++) carried[k] = outs[1 + k];
            for (int k = 0; k < nScan; k++) scans[k].Add(outs[1 + nCarried + k] ?? throw ctx.Kernel.Fail($"scan output {k} is missing"));
        }
        var result = new Tensor?[nCarried + nScan];
        Array.Copy(carried, result, nCarried);
        for (int k = 0; k < nScan; k++)
        {
            var bodyType = body.Outputs[1 + nCarried + k].Type;
            result[nCarried + k] = scans[k].Count > 0 ? Stack(scans[k], 0, ctx) : EmptyStack(bodyType);
        }
        return result;
    }

    private static Tensor EmptyStack(TensorType t)
    {
        var elem = t.Elem == DataType.Undefined ? DataType.Float : t.Elem;
        var dims = t.Dims?.Select(d => d.IsKnown ? (int)d.Value : 0) ?? [];
        return Tensor.Zeros(elem, [0, .. dims]);
    }

    public static Tensor?[] Scan(GraphKernelContext ctx, Tensor?[] inputs)
    {
        var body = ctx.GetGraph("body");
        var a = ctx.Attributes;
        int nScanIn = (int)a.GetInt("num_scan_inputs");
        int nState = inputs.Length - nScanIn;
        if (nState < 0) throw ctx.Kernel.Fail($"num_scan_inputs {nScanIn} exceeds the {inputs.Length} inputs");
        int nScanOut = body.Outputs.Count - nState;
        var inAxes = a.GetIntsOrNull("scan_input_axes") ?? new long[nScanIn];
        var inDirs = a.GetIntsOrNull("scan_input_directions") ?? new long[nScanIn];
        var outAxes = a.GetIntsOrNull("scan_output_axes") ?? new long[nScanOut];
        var outDirs = a.GetIntsOrNull("scan_output_directions") ?? new long[nScanOut];
        var state = inputs.Take(nState).ToArray();
        var scanIn = inputs.Skip(nState).Select(t => t ?? throw ctx.Kernel.Fail("scan inputs are required")).ToArray();
        var axes = scanIn.Select((t, k) => NormAxis(inAxes[k], t.Rank, ctx)).ToArray();
        int steps = scanIn.Length == 0 ? 0 : scanIn[0].Shape[axes[0]];
        for (int k = 0; k < scanIn.Length; k++)
        {
            if (scanIn[k].Shape[axes[k]] != steps) throw ctx.Kernel.Fail("scan inputs have different sequence lengths");
        }
        var outs = Enumerable.Range(0, nScanOut).Select(_ => new List<Tensor>()).ToArray();
        for (int s = 0; s < steps; s++)
        {
            var args = new Tensor?[nState + nScanIn];
            Array.Copy(state, args, nState);
            for (int k = 0; k < nScanIn; k++) args[nState + k] = SliceAxis(scanIn[k], axes[k], inDirs[k] == 1 ? steps - 1 - s : s);
            var res = ctx.RunSubgraph(body, args);
            for (int k = 0; k < nState; k++) state[k] = res[k];
            for (int k = 0; k < nScanOut; k++) outs[k].Add(res[nState + k] ?? throw ctx.Kernel.Fail($"scan output {k} is missing"));
        }
        var result = new Tensor?[nState + nScanOut];
        Array.Copy(state, result, nState);
        for (int k = 0; k < nScanOut; k++)
        {
            var list = outs[k];
            if (outDirs[k] == 1) list.Reverse();
            if (list.Count == 0) { result[nState + k] = EmptyStack(body.Outputs[nState + k].Type); continue; }
            result[nState + k] = Stack(list, NormAxis(outAxes[k], list[0].Rank + 1, ctx), ctx);
        }
        return result;
    }

    private static int NormAxis(long axis, int rank, GraphKernelContext ctx)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw ctx.Kernel.Fail($"axis {axis} out of range for rank {rank}");
        return (int)a;
    }

    /// <summary>Element <paramref name="index"/> along <paramref name="axis"/>, with that axis removed.</summary>
    private static Tensor SliceAxis(Tensor t, int axis, int index)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= t.Shape[d];
        for (int d = axis + 1; d < t.Rank; d++) inner *= t.Shape[d];
        var shape = t.Shape.Where((_, d) => d != axis).ToArray();
        var r = Tensor.Zeros(t.Type, shape);
        int len = t.Shape[axis];
        for (int o = 0; o < outer; o++) Array.Copy(t.Data, (o * len + index) * inner, r.Data, o * inner, inner);
        return r;
    }

    /// <summary>Stacks equally shaped tensors along a new axis.</summary>
    private static Tensor Stack(List<Tensor> items, int axis, GraphKernelContext ctx)
    {
        var first = items[0];
        foreach (var t in items)
        {
            if (!t.Shape.AsSpan().SequenceEqual(first.Shape) || t.Type != first.Type)
                throw ctx.Kernel.Fail($"scan outputs change shape across iterations ({first} vs {t})");
        }
        var shape = first.Shape.ToList();
        shape.Insert(axis, items.Count);
        var r = Tensor.Zeros(first.Type, shape.ToArray());
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= first.Shape[d];
        for (int d = axis; d < first.Rank; d++) inner *= first.Shape[d];
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < items.Count; k++) Array.Copy(items[k].Data, o * inner, r.Data, (o * items.Count + k) * inner, inner);
        }
        return r;
    }
}
