using System.Globalization;
using System.Text;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes.Memory;

/// <summary>
/// Where every value of a graph with static shapes lives at run time, so one inference needs a single
/// arena and no allocation. Built in four steps over the top-level node order (see <see cref="Create"/>):
/// <list type="number">
/// <item>zero-copy views: a Reshape/Flatten/Squeeze/Unsqueeze/Identity output (registry:
///   <see cref="OutputAliasing.ViewOfInput0"/>) is its input's bytes, also when those are a graph
///   input, initializer or output — the node is elided;</item>
/// <item>graph outputs: the tree of values sharing an output's bytes is computed straight into the
///   caller's output buffer. An output that is a graph input, an initializer, or a value already
///   placed in another output stays where it is: the code generator copies it into the output buffer
///   after the run (<see cref="OutputNeedsCopy"/>). An output that is a view of such a value gets its
///   own bytes (its view node is then not elided: it runs as a copy);</item>
/// <item>concat in place (registry: <see cref="OutputAliasing.ConcatOfInputs"/>): when every dim before
///   the axis is 1 the slices are contiguous, and when each input (with the views of it) is read by
///   nothing but this Concat and lives in the arena, its producer writes straight into its slice and
///   the Concat node is elided;</item>
/// <item>in place: output 0 of a node takes the bytes of an input whose last read is that node, when
///   the element type and byte size match, both are arena values, and the kernel allows it
///   (<see cref="MemoryPlanOptions.CanWriteInPlace"/>).</item>
/// </list>
/// Liveness: a tree of shared bytes is live from its earliest producer to its last read (values read
/// inside If/Loop/Scan bodies count as read by that node; graph outputs are read at the end). Arena
/// offsets come from <see cref="ArenaAllocator"/>. Documented aliases, the only byte overlaps between
/// values live at the same time: a view and its input, a concat slice and the concat output, and the
/// output and input of an in-place node (which overlap at that node only).
/// </summary>
public sealed class MemoryPlan
{
    private readonly Graph.Graph _graph;
    private readonly Dictionary<Value, PlannedValue> _values;
    private readonly HashSet<Node> _elided;
    private readonly Dictionary<Node, int> _inPlace;
    private readonly List<ArenaBuffer> _buffers;

    private MemoryPlan(Graph.Graph graph, Dictionary<Value, PlannedValue> values, HashSet<Node> elided,
        Dictionary<Node, int> inPlace, List<ArenaBuffer> buffers, long arena, long bound, int alignment)
    {
        _graph = graph;
        _values = values;
        _elided = elided;
        _inPlace = inPlace;
        _buffers = buffers;
        ArenaBytes = arena;
        LowerBoundBytes = bound;
        Alignment = alignment;
    }

    /// <summary>Bytes of the one arena that holds every intermediate value.</summary>
    public long ArenaBytes { get; }

    /// <summary>Max over the node order of the arena bytes live at once: no placement can do better.</summary>
    public long LowerBoundBytes { get; }

    public int Alignment { get; }

    /// <summary>ArenaBytes / LowerBoundBytes (1 when both are 0).</summary>
    public double Ratio => LowerBoundBytes == 0 ? 1.0 : (double)ArenaBytes / LowerBoundBytes;

    /// <summary>The default in-place rule: single-output ElemWise/Broadcast ops (element k of the output
    /// depends only on element k of same-sized inputs), and ai.engine::Fused nodes whose body holds only such ops.</summary>
    public static bool DefaultCanWriteInPlace(Node node, int input)
    {
        if (node.Outputs.Count != 1) return false;
        if (IsElementwise(node.Schema)) return true;
        return node.Domain == OpRegistry.EngineDomain && node.OpType == "Fused"
            && node.Attributes.Get("body") is Graph.Graph body && body.Nodes.Count > 0
            && body.Nodes.All(n => IsElementwise(n.Schema) && !n.Subgraphs.Any());
    }

    private static bool IsElementwise(OpSchema s) => s.Fusion is FusionKind.ElemWise or FusionKind.Broadcast;

    /// <summary>Plans the top level of <paramref name="graph"/>; every value must have a static shape and a fixed-size element type.</summary>
    public static MemoryPlan Create(Graph.Graph graph, MemoryPlanOptions? options = null)
    {
        options ??= new MemoryPlanOptions();
        if (options.Alignment <= 0 || (options.Alignment & (options.Alignment - 1)) != 0)
            throw new EngineException($"memory plan: alignment must be a power of two, got {options.Alignment}");
        var canWrite = options.CanWriteInPlace ?? DefaultCanWriteInPlace;
        var values = CollectValues(graph);
        var elided = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var inPlace = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);

        if (options.ZeroCopyViews) PlanViews(graph, values, elided);
        PlanGraphOutputs(graph, values, elided);
        if (options.ConcatInPlace) PlanConcats(graph, values, elided);
        var buffers = PlanInPlace(graph, values, canWrite, inPlace);

        long arena = ArenaAllocator.Place(buffers, options.Alignment);
        long bound = ArenaAllocator.LowerBound(buffers, options.Alignment);
        return new MemoryPlan(graph, values, elided, inPlace, buffers, arena, bound, options.Alignment);
    }

    private static Dictionary<Value, PlannedValue> CollectValues(Graph.Graph graph)
    {
        var values = new Dictionary<Value, PlannedValue>(ReferenceEqualityComparer.Instance);
        PlannedValue Add(Value v, int definedAt, string what)
        {
            if (v.Type.Dims is null || !v.Type.IsStatic)
                throw new EngineException($"memory plan: {what} '{v.Name}' has shape {v.Type.ShapeText}; static shapes are required (give the input shapes, e.g. --shape)");
            int size = DataTypes.Size(v.Type.Elem);
            if (size == 0)
                throw new EngineException($"memory plan: {what} '{v.Name}' has element type {DataTypes.ShortName(v.Type.Elem)}, which has no fixed byte size");
            long elements = 1;
            foreach (var d in v.Type.Dims) elements = checked(elements * d.Value);
            var p = new PlannedValue(v, checked(elements * size), definedAt);
            values[v] = p;
            return p;
        }

        for (int i = 0; i < graph.Inputs.Count; i++)
        {
            var p = Add(graph.Inputs[i], -1, "graph input");
            p.Kind = BufferKind.GraphInput;
            p.Index = i;
        }
        for (int i = 0; i < graph.InitializerValues.Count; i++)
        {
            var v = graph.InitializerValues[i];
            if (values.ContainsKey(v)) continue; // an overridable initializer is a graph input
            var p = Add(v, -1, "initializer");
            p.Kind = BufferKind.Initializer;
            p.Index = i;
        }
        for (int t = 0; t < graph.Nodes.Count; t++)
        {
            var n = graph.Nodes[t];
            foreach (var v in Graph.Graph.AllReads(n))
            {
                if (!values.TryGetValue(v, out var read))
                    throw new EngineException($"memory plan: node '{n.Name}' ({n.OpType}) reads '{v.Name}' before it is defined (graph '{graph.Name}' is not in topological order)");
                read.LastReadAt = Math.Max(read.LastReadAt, t);
            }
            foreach (var o in n.Outputs)
            {
                if (o is null) continue;
                if (values.ContainsKey(o))
                    throw new EngineException($"memory plan: value '{o.Name}' is defined twice (node '{n.Name}')");
                Add(o, t, $"node '{n.Name}' ({n.OpType}) output");
            }
        }
        foreach (var v in graph.Outputs)
        {
            if (!values.TryGetValue(v, out var p))
                throw new EngineException($"memory plan: graph output '{v.Name}' is not defined in graph '{graph.Name}'");
            p.LastReadAt = graph.Nodes.Count;
        }
        return values;
    }

    private static void PlanViews(Graph.Graph graph, Dictionary<Value, PlannedValue> values, HashSet<Node> elided)
    {
        foreach (var n in graph.Nodes)
        {
            if (n.Schema.Aliasing != OutputAliasing.ViewOfInput0 || n.Input(0) is not { } input || n.Output(0) is not { } output) continue;
            var (pin, pout) = (values[input], values[output]);
            if (pin.Bytes != pout.Bytes || input.Type.Elem != output.Type.Elem) continue;
            pout.AttachTo(pin, 0);
            elided.Add(n);
        }
    }

    private static void PlanGraphOutputs(Graph.Graph graph, Dictionary<Value, PlannedValue> values, HashSet<Node> elided)
    {
        for (int k = 0; k < graph.Outputs.Count; k++)
        {
            var p = values[graph.Outputs[k]];
            var (root, offset) = p.Resolve();
            if (root.Kind == BufferKind.Arena && offset == 0 && root.Bytes == p.Bytes)
            {
                root.Kind = BufferKind.GraphOutput;
                root.Index = k;
            }
            else if (p.Parent is not null)
            {
                // A view of bytes that cannot be this output's (an input, a weight, another output): it runs as a copy.
                p.Detach();
                elided.Remove(p.Value.Producer!);
                p.Kind = BufferKind.GraphOutput;
                p.Index = k;
            }
            // else: a graph input, initializer or repeated output — copied by the code generator.
        }
    }

    private static void PlanConcats(Graph.Graph graph, Dictionary<Value, PlannedValue> values, HashSet<Node> elided)
    {
        foreach (var n in graph.Nodes)
        {
            if (n.Schema.Aliasing != OutputAliasing.ConcatOfInputs || n.Output(0) is not { } output || n.Inputs.Count == 0) continue;
            var dims = output.Type.Dims!;
            long axis = n.Attributes.GetInt("axis");
            if (axis < 0) axis += dims.Length;
            if (axis < 0 || axis >= dims.Length) continue;
            bool contiguous = true;
            for (int d = 0; d < axis; d++) contiguous &= dims[d].Value == 1;
            if (!contiguous) continue;
            var target = values[output];
            var slices = new List<PlannedValue>();
            long total = 0;
            foreach (var x in n.Inputs)
            {
                if (x is null || CanWriteIntoSlice(graph, n, values[x]) is not { } root) break;
                slices.Add(root);
                total += root.Bytes;
            }
            if (slices.Count != n.Inputs.Count || total != target.Bytes) continue;
            long at = 0;
            foreach (var s in slices)
            {
                s.AttachTo(target, at);
                at += s.Bytes;
            }
            elided.Add(n);
        }
    }

    /// <summary>The root whose producer may write into the slice: an arena value of this graph's nodes whose
    /// bytes (itself and its views) nobody reads except <paramref name="concat"/>, once.</summary>
    private static PlannedValue? CanWriteIntoSlice(Graph.Graph graph, Node concat, PlannedValue input)
    {
        var (root, offset) = input.Resolve();
        if (root.Kind != BufferKind.Arena || root.DefinedAt < 0 || offset != 0 || root.Bytes != input.Bytes) return null;
        int concatReads = 0;
        foreach (var member in root.Tree())
        {
            foreach (var user in member.Value.Users)
            {
                if (!ReferenceEquals(user.Owner, graph)) return null; // read inside a subgraph
                if (ReferenceEquals(user, concat))
                {
                    if (!ReferenceEquals(member, input)) return null;
                    concatReads++;
                }
                else if (!IsViewInTree(user, root)) return null;
            }
        }
        return concatReads == 1 ? root : null;
    }

    /// <summary>An elided view node whose output is part of <paramref name="root"/>'s tree.</summary>
    private static bool IsViewInTree(Node user, PlannedValue root) =>
        user.Schema.Aliasing == OutputAliasing.ViewOfInput0 && user.Output(0) is { } o
        && root.Tree().Any(m => ReferenceEquals(m.Value, o));

    /// <summary>Computes each arena root's live interval, chains in-place roots into shared buffers, returns the buffers.</summary>
    private static List<ArenaBuffer> PlanInPlace(Graph.Graph graph, Dictionary<Value, PlannedValue> values,
        Func<Node, int, bool> canWrite, Dictionary<Node, int> inPlace)
    {
        // Live interval of each arena root = span of its whole tree.
        var span = new Dictionary<PlannedValue, (int Start, int End)>(ReferenceEqualityComparer.Instance);
        foreach (var p in values.Values)
        {
            if (p.Parent is not null || p.Kind != BufferKind.Arena) continue;
            int start = int.MaxValue, end = int.MinValue;
            foreach (var m in p.Tree())
            {
                start = Math.Min(start, m.DefinedAt);
                end = Math.Max(end, Math.Max(m.DefinedAt, m.LastReadAt));
            }
            span[p] = (start, end);
        }

        var buffers = new List<ArenaBuffer>();
        for (int t = 0; t < graph.Nodes.Count; t++)
        {
            var n = graph.Nodes[t];
            if (n.Output(0) is not { } output) continue;
            var pout = values[output];
            // Only a value that starts here (not a concat output whose slices were written earlier).
            if (pout.Parent is not null || pout.Kind != BufferKind.Arena || span[pout].Start != t) continue;
            for (int i = 0; i < n.Inputs.Count; i++)
            {
                if (n.Inputs[i] is not { } x || x.Type.Elem != output.Type.Elem) continue;
                var (root, offset) = values[x].Resolve();
                if (root.Kind != BufferKind.Arena || offset != 0 || root.Bytes != pout.Bytes || values[x].Bytes != pout.Bytes) continue;
                if (span[root].End != t || root.Buffer is { } b && !ReferenceEquals(b.Roots[^1], root)) continue;
                if (!canWrite(n, i)) continue;
                if (root.Buffer is null)
                {
                    root.Buffer = new ArenaBuffer { Bytes = root.Bytes, Start = span[root].Start, End = span[root].End };
                    root.Buffer.Roots.Add(root);
                    buffers.Add(root.Buffer);
                }
                pout.Buffer = root.Buffer;
                root.Buffer.Roots.Add(pout);
                root.Buffer.End = Math.Max(root.Buffer.End, span[pout].End);
                inPlace[n] = i;
                break;
            }
        }
        foreach (var (root, (start, end)) in span)
        {
            if (root.Buffer is not null) continue;
            root.Buffer = new ArenaBuffer { Bytes = root.Bytes, Start = start, End = end };
            root.Buffer.Roots.Add(root);
            buffers.Add(root.Buffer);
        }
        return buffers;
    }

    private PlannedValue Planned(Value v) => _values.TryGetValue(v, out var p) ? p
        : throw new EngineException($"memory plan: value '{v.Name}' is not a top-level value of graph '{_graph.Name}'");

    /// <summary>Where <paramref name="v"/>'s bytes are.</summary>
    public BufferLocation Locate(Value v)
    {
        var (root, offset) = Planned(v).Resolve();
        return root.Kind == BufferKind.Arena
            ? new BufferLocation(BufferKind.Arena, 0, root.Buffer!.Offset + offset)
            : new BufferLocation(root.Kind, root.Index, offset);
    }

    /// <summary>Bytes of <paramref name="v"/> (elements × element size, unaligned).</summary>
    public long SizeOf(Value v) => Planned(v).Bytes;

    /// <summary>First and last node index at which <paramref name="v"/>'s bytes hold its content: from its
    /// earliest producer (a concat output starts with its first slice) to the last read of it or a view of it;
    /// graph outputs are read at index Nodes.Count.</summary>
    public (int Start, int End) LiveRange(Value v)
    {
        var (root, _) = Planned(v).Resolve();
        int start = int.MaxValue, end = int.MinValue;
        foreach (var m in root.Tree())
        {
            start = Math.Min(start, m.DefinedAt);
            end = Math.Max(end, Math.Max(m.DefinedAt, m.LastReadAt));
        }
        return (start, end);
    }

    /// <summary>The node emits no code: a zero-copy view, or a Concat whose producers wrote into its slices.</summary>
    public bool IsElided(Node n) => _elided.Contains(n);

    /// <summary>Output 0 of <paramref name="n"/> is written over the bytes of this input.</summary>
    public int? InPlaceInput(Node n) => _inPlace.TryGetValue(n, out var i) ? i : null;

    /// <summary>Graph output <paramref name="k"/> does not live in its output buffer (it is a graph input, an
    /// initializer or the same value as an earlier output): the code generator copies it there after the run.</summary>
    public bool OutputNeedsCopy(int k) => Locate(_graph.Outputs[k]) != new BufferLocation(BufferKind.GraphOutput, k, 0);

    /// <summary>Arena, bound, ratio, then one row per value: name, type, bytes, location, live range, how it shares bytes.</summary>
    public string Describe()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"memory plan: arena {ArenaBytes:N0} bytes, lower bound {LowerBoundBytes:N0} bytes (max bytes live at once), ratio {Ratio:F3}, {_buffers.Count} arena buffers, alignment {Alignment}\n");
        int elidedViews = _elided.Count(n => n.Schema.Aliasing == OutputAliasing.ViewOfInput0);
        sb.Append(ci, $"elided: {elidedViews} views, {_elided.Count - elidedViews} concats; in place: {_inPlace.Count} nodes; outputs copied: {Enumerable.Range(0, _graph.Outputs.Count).Count(OutputNeedsCopy)}\n");
        var rows = new List<string[]> { new[] { "value", "type", "bytes", "location", "live", "shares" } };
        foreach (var p in _values.Values.OrderBy(p => p.DefinedAt))
        {
            var (start, end) = LiveRange(p.Value);
            string live = p.DefinedAt < 0 && p.Parent is null && p.Kind != BufferKind.Arena ? "-" : $"{start}..{end}";
            rows.Add(new[] { p.Value.Name, p.Value.Type.ToString(), p.Bytes.ToString("N0", ci), Locate(p.Value).ToString(), live, Sharing(p) });
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var r in rows)
        {
            sb.Append("  ");
            for (int c = 0; c < r.Length; c++) sb.Append(c == r.Length - 1 ? r[c] : r[c].PadRight(widths[c] + 2));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private string Sharing(PlannedValue p)
    {
        if (p.Parent is { } parent)
        {
            return p.Value.Producer is { } prod && prod.Schema.Aliasing == OutputAliasing.ViewOfInput0 && _elided.Contains(prod) && p.OffsetInParent == 0
                && prod.Input(0) == parent.Value
                ? $"view of {parent.Value.Name}"
                : $"slice of {parent.Value.Name} at +{p.OffsetInParent}";
        }
        if (p.Value.Producer is { } n && _inPlace.TryGetValue(n, out int i) && ReferenceEquals(n.Output(0), p.Value))
            return $"in place over {n.Inputs[i]!.Name}";
        return "";
    }
}
