using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>
/// Runs Scan-8: for each batch item, iterates the body over that item's first sequence_lens[b] elements
/// (in reverse for scan inputs whose direction is 1), then stacks the per-item results along the batch
/// axis. Scan outputs past an item's length are zero-padded to the longest sequence, as ONNX Runtime does.
/// </summary>
public static class Scan8Kernel
{
    public static Tensor?[] Scan8(GraphKernelContext ctx, Tensor?[] inputs)
    {
        var k = ctx.Kernel;
        var body = ctx.GetGraph("body");
        int nScanIn = (int)ctx.Attributes.GetInt("num_scan_inputs");
        int nState = inputs.Length - 1 - nScanIn;
        if (nScanIn < 1 || nState < 0) throw k.Fail($"num_scan_inputs {nScanIn} does not fit the {inputs.Length - 1} state and scan inputs");
        int nScanOut = body.Outputs.Count - nState;
        if (nScanOut < 0) throw k.Fail($"body has {body.Outputs.Count} outputs but the scan carries {nState} states");
        var dirs = ctx.Attributes.GetIntsOrNull("directions") ?? new long[nScanIn];
        if (dirs.Length != nScanIn) throw k.Fail($"directions has {dirs.Length} values for {nScanIn} scan inputs");

        var carried = new Tensor[nState + nScanIn];
        for (int i = 0; i < carried.Length; i++)
        {
            carried[i] = inputs[1 + i] ?? throw k.Fail($"input {1 + i} is required");
            if (carried[i].Rank < (i < nState ? 1 : 2)) throw k.Fail($"input {1 + i} lacks the batch{(i < nState ? "" : " and sequence")} axes");
        }
        int batch = carried[0].Shape[0];
        int maxLen = carried[nState].Shape[1];
        foreach (var t in carried)
        {
            if (t.Shape[0] != batch) throw k.Fail("inputs have different batch sizes");
        }
        for (int i = nState; i < carried.Length; i++)
        {
            if (carried[i].Shape[1] != maxLen) throw k.Fail("scan inputs have different sequence lengths");
        }
        var lens = SequenceLengths(k, inputs[0], batch, maxLen);

        var finalStates = Enumerable.Range(0, nState).Select(_ => new Tensor[batch]).ToArray();
        var scanOuts = Enumerable.Range(0, nScanOut).Select(_ => new List<Tensor>[batch]).ToArray();
        for (int b = 0; b < batch; b++)
        {
            var state = new Tensor?[nState];
            for (int s = 0; s < nState; s++) state[s] = Slice(carried[s], b);
            var seqs = new Tensor[nScanIn];
            for (int s = 0; s < nScanIn; s++) seqs[s] = Slice(carried[nState + s], b);
            for (int o = 0; o < nScanOut; o++) scanOuts[o][b] = new List<Tensor>();
            int len = lens[b];
            for (int step = 0; step < len; step++)
            {
                var args = new Tensor?[nState + nScanIn];
                Array.Copy(state, args, nState);
                for (int s = 0; s < nScanIn; s++) args[nState + s] = Slice(seqs[s], dirs[s] == 1 ? len - 1 - step : step);
                var res = ctx.RunSubgraph(body, args);
                for (int s = 0; s < nState; s++) state[s] = res[s];
                for (int o = 0; o < nScanOut; o++) scanOuts[o][b].Add(res[nState + o] ?? throw k.Fail($"scan output {o} is missing"));
            }
            for (int s = 0; s < nState; s++) finalStates[s][b] = state[s] ?? throw k.Fail($"state {s} is missing");
        }

        var result = new Tensor?[nState + nScanOut];
        for (int s = 0; s < nState; s++) result[s] = Stack(k, finalStates[s], (carried[s].Type, carried[s].Shape[1..]));
        for (int o = 0; o < nScanOut; o++)
        {
            var element = ElementShape(k, scanOuts[o], body.Outputs[nState + o].Type);
            var perItem = scanOuts[o].Select(list => Stack(k, list.ToArray(), element, maxLen)).ToArray();
            result[nState + o] = Stack(k, perItem, (element.Type, [maxLen, .. element.Shape]));
        }
        return result;
    }

    private static int[] SequenceLengths(KernelContext k, Tensor? t, int batch, int maxLen)
    {
        if (t is null) return Enumerable.Repeat(maxLen, batch).ToArray();
        var v = t.ToInt64Array();
        if (v.Length != batch) throw k.Fail($"sequence_lens has {v.Length} values for a batch of {batch}");
        foreach (long l in v)
        {
            if (l < 0 || l > maxLen) throw k.Fail($"sequence length {l} is outside [0, {maxLen}]");
        }
        return v.Select(l => (int)l).ToArray();
    }

    /// <summary>Type and shape of one scan-output element: from any produced element, else from the body's static type.</summary>
    private static (DataType Type, int[] Shape) ElementShape(KernelContext k, List<Tensor>[] items, TensorType bodyType)
    {
        foreach (var list in items)
        {
            if (list.Count > 0) return (list[0].Type, list[0].Shape);
        }
        if (!bodyType.IsStatic || bodyType.Elem == DataType.Undefined)
            throw k.Fail("no iteration ran and the body's scan output type is not static");
        return (bodyType.Elem, bodyType.StaticShape());
    }

    /// <summary>Item <paramref name="index"/> of the leading axis, with that axis removed.</summary>
    private static Tensor Slice(Tensor t, int index)
    {
        var shape = t.Shape[1..];
        var r = Tensor.Zeros(t.Type, shape);
        Array.Copy(t.Data, index * r.Length, r.Data, 0, r.Length);
        return r;
    }

    /// <summary>Stacks equally shaped tensors along a new leading axis, zero-padding to <paramref name="padTo"/> items.</summary>
    private static Tensor Stack(KernelContext k, Tensor[] items, (DataType Type, int[] Shape) element, int padTo = 0)
    {
        var (type, shape) = element;
        int count = Math.Max(items.Length, padTo);
        var r = Tensor.Zeros(type, [count, .. shape]);
        int size = r.Length / Math.Max(count, 1);
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i].Type != type || !items[i].Shape.AsSpan().SequenceEqual(shape))
                throw k.Fail($"scan results change type or shape across iterations ({items[i]} vs {DataTypes.ShortName(type)}{Tensor.ShapeString(shape)})");
            Array.Copy(items[i].Data, 0, r.Data, i * size, size);
        }
        return r;
    }
}
