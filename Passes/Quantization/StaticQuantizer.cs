using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes.Quantization;

/// <summary>
/// Post-training static int8 quantization into ONNX's QDQ form: every op with a registry
/// <see cref="QuantizationFact"/> whose weight is a float initializer gets its activation through
/// QuantizeLinear→DequantizeLinear (per tensor, range from calibration), its weight as int8 per output channel
/// through DequantizeLinear, and its bias as int32 (scale x_scale·w_scale) through DequantizeLinear. The float
/// op stays between the DQs, so the graph runs anywhere ONNX runs; the code generator may fuse the pattern
/// into integer kernels. Layers whose output error exceeds <see cref="QuantizationOptions.MaxLayerError"/> are
/// put back to fp32.
/// </summary>
public static class StaticQuantizer
{
    public static QuantizationReport Quantize(Graph.Graph graph, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> calibration, QuantizationOptions? options = null)
    {
        var o = options ?? new QuantizationOptions();
        if (calibration.Count == 0) throw new EngineException($"quantize '{graph.Name}': no calibration batch given");
        var candidates = new List<(Node Node, QuantizationFact Fact, string? Keep)>();
        foreach (var n in graph.Nodes)
        {
            if (n.Schema.Quantization is not { } f || !Quantizable(graph, n, f)) continue;
            string? keep = o.Exclude.Contains(n.Name) ? "excluded by name"
                : o.KeepDepthwiseFloat && IsDepthwise(graph, n) ? "depthwise conv kept fp32"
                : null;
            candidates.Add((n, f, keep));
        }
        var toQuantize = candidates.Where(c => c.Keep is null).ToList();
        var stats = Calibrator.Collect(graph, calibration, toQuantize.Select(c => c.Node.Inputs[c.Fact.ActivationInput]!).ToList(), o);
        var reference = Calibrator.Snapshot(graph, calibration[0]);

        var edits = new Dictionary<Node, List<(int Input, Value Original)>>();
        var activationQdq = new Dictionary<Value, (Value Dq, float Scale, int Zp, double Clipped)>();
        var weightScales = new Dictionary<Node, float[]>();
        var b = new GraphBuilder(graph, "quant");
        foreach (var (node, fact, _) in toQuantize)
        {
            var list = edits[node] = new();
            var x = node.Inputs[fact.ActivationInput]!;
            if (!activationQdq.TryGetValue(x, out var aq))
            {
                var s = stats[x];
                var (lo, hi) = RangeChooser.Choose(s, o);
                var (scale, zp) = QuantParams.ForActivation(lo, hi, o.Activations);
                var scaleV = graph.AddInitializer(Fresh(graph, x.Name + "_scale"), Tensor.FromArray(new[] { scale }));
                var zpV = graph.AddInitializer(Fresh(graph, x.Name + "_zero_point"), o.Activations == ActivationType.UInt8
                    ? Tensor.FromArray(new[] { (byte)zp }) : Tensor.FromArray(new[] { (sbyte)zp }));
                var q = b.Op("QuantizeLinear", x, scaleV, zpV);
                var dq = b.Op("DequantizeLinear", q, scaleV, zpV);
                aq = activationQdq[x] = (dq, scale, zp, s.ClippedFraction(lo, hi));
            }
            list.Add((fact.ActivationInput, x));
            node.SetInput(fact.ActivationInput, aq.Dq);

            var w = node.Inputs[fact.WeightInput]!;
            var wt = graph.InitializerData(w)!;
            int axis = fact.WeightAxis(node);
            if (axis < 0) axis += wt.Shape.Length;
            var (wq, wScales) = QuantParams.PerChannel(wt, axis);
            weightScales[node] = wScales;
            var wqV = graph.AddInitializer(Fresh(graph, w.Name + "_quantized"), new Tensor(DataType.Int8, (int[])wt.Shape.Clone(), wq));
            var wsV = graph.AddInitializer(Fresh(graph, w.Name + "_scale"), Tensor.FromArray(wScales, wScales.Length));
            var wzV = graph.AddInitializer(Fresh(graph, w.Name + "_zero_point"), Tensor.FromArray(new sbyte[wScales.Length], wScales.Length));
            list.Add((fact.WeightInput, w));
            node.SetInput(fact.WeightInput, b.Op("DequantizeLinear", [wqV, wsV, wzV], ("axis", (long)axis)));

            if (fact.BiasInput >= 0 && node.Input(fact.BiasInput) is { } bias && graph.InitializerData(bias) is { Type: DataType.Float, Shape.Length: 1 } bt
                && bt.Length == wScales.Length)
            {
                var (bq, bScales) = QuantParams.Bias(bt, aq.Scale, wScales);
                var bqV = graph.AddInitializer(Fresh(graph, bias.Name + "_quantized"), Tensor.FromArray(bq, bq.Length));
                var bsV = graph.AddInitializer(Fresh(graph, bias.Name + "_scale"), Tensor.FromArray(bScales, bScales.Length));
                var bzV = graph.AddInitializer(Fresh(graph, bias.Name + "_zero_point"), Tensor.FromArray(new int[bq.Length], bq.Length));
                list.Add((fact.BiasInput, bias));
                node.SetInput(fact.BiasInput, b.Op("DequantizeLinear", [bqV, bsV, bzV], ("axis", 0L)));
            }
        }
        graph.TopologicalSort();

        var errors = LayerErrors(graph, calibration[0], reference, toQuantize.Select(c => c.Node));
        var reverted = new HashSet<Node>();
        if (o.MaxLayerError is { } limit)
        {
            foreach (var (node, _, _) in toQuantize.Where(c => errors[c.Node] > limit))
            {
                foreach (var (input, original) in edits[node]) node.SetInput(input, original);
                reverted.Add(node);
            }
            if (reverted.Count > 0) errors = LayerErrors(graph, calibration[0], reference, toQuantize.Select(c => c.Node));
        }
        // The fp32 weights and biases of quantized layers, and the Q/DQ nodes of reverted ones, have no readers now.
        DeadCodeElimination.RemoveDead(graph, new PassContext());

        var layers = new List<LayerQuantization>();
        foreach (var (node, fact, keep) in candidates)
        {
            double err = errors.GetValueOrDefault(node, 0);
            if (keep is not null || reverted.Contains(node))
            {
                layers.Add(new LayerQuantization(node.Name, node.OpType, 0, 0, 0, 0, 0, err,
                    keep ?? $"output error {err:0.####} above the limit {o.MaxLayerError:0.####}"));
                continue;
            }
            var aq = activationQdq[edits[node][0].Original];
            var ws = weightScales[node];
            layers.Add(new LayerQuantization(node.Name, node.OpType, aq.Scale, aq.Zp, aq.Clipped, ws.Min(), ws.Max(), err, null));
        }
        return new QuantizationReport(layers, o);
    }

    /// <summary>A weight that is a float initializer of rank ≥ 2 and a float activation that is computed at run time.</summary>
    private static bool Quantizable(Graph.Graph graph, Node n, QuantizationFact f) =>
        n.Input(f.ActivationInput) is { } x && !graph.IsInitializer(x) && x.Type.Elem == DataType.Float
        && n.Input(f.WeightInput) is { } w && graph.InitializerData(w) is { Type: DataType.Float } wt && wt.Shape.Length >= 2
        && f.WeightAxis(n) is var axis && axis >= -wt.Shape.Length && axis < wt.Shape.Length;

    private static bool IsDepthwise(Graph.Graph graph, Node n) =>
        n.Attributes.GetInt("group", 1) > 1 && graph.InitializerData(n.Inputs[1]!) is { Shape: [_, 1, ..] };

    /// <summary>Relative L2 error ‖q − f‖ / ‖f‖ of each node's first output against the fp32 snapshot.</summary>
    private static Dictionary<Node, double> LayerErrors(Graph.Graph graph, IReadOnlyDictionary<string, Tensor> batch, Dictionary<string, Tensor> reference, IEnumerable<Node> nodes)
    {
        var now = Calibrator.Snapshot(graph, batch);
        var result = new Dictionary<Node, double>();
        foreach (var n in nodes)
        {
            string name = n.Outputs[0]!.Name;
            if (!reference.TryGetValue(name, out var f) || !now.TryGetValue(name, out var q)) continue;
            double num = 0, den = 0;
            var fa = f.As<float>();
            var qa = q.As<float>();
            for (int i = 0; i < fa.Length; i++)
            {
                double d = qa[i] - fa[i];
                num += d * d;
                den += (double)fa[i] * fa[i];
            }
            result[n] = den > 0 ? Math.Sqrt(num / den) : Math.Sqrt(num);
        }
        return result;
    }

    private static string Fresh(Graph.Graph graph, string name)
    {
        string candidate = name;
        for (int i = 1; graph.InitializerValues.Any(v => v.Name == candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }
}
