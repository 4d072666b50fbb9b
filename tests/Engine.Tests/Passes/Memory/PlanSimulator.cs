using Engine.Graph;
using Engine.Passes.Memory;
using Engine.Runtime;

namespace Engine.Tests.Passes.Memory;

/// <summary>
/// The test oracle for a memory plan, independent of how the planner computes liveness: it runs the
/// graph on tagged memory. Every byte holds the id of the value that wrote it; graph inputs and
/// initializers start filled with their ids. Node by node in order, every value the node reads
/// (captures too) must still hold what it should — its producer's id, or for an elided view its
/// input's contents, for an elided Concat its inputs' contents laid end to end — then the node (unless
/// elided) writes its outputs' ids at their locations. A write may overlap a byte range the node reads
/// only when it is the declared in-place input (or another view of exactly its bytes). Writes never touch graph inputs
/// or initializers and stay inside their buffers. At the end each graph output buffer (after the copies
/// the plan asks for) holds the output's contents.
/// </summary>
internal static class PlanSimulator
{
    public static void Check(Graph.Graph g, MemoryPlan plan)
    {
        var ids = new Dictionary<Value, int>(ReferenceEqualityComparer.Instance);
        var expected = new Dictionary<Value, int[]>(ReferenceEqualityComparer.Instance);
        foreach (var v in g.Inputs.Concat(g.InitializerValues).Concat(g.Nodes.SelectMany(n => n.Outputs).OfType<Value>()))
            ids.TryAdd(v, ids.Count + 1);

        var arena = new int[checked((int)plan.ArenaBytes)];
        var inputs = g.Inputs.Select(v => Fill(new int[Bytes(v)], ids[v])).ToArray();
        var inits = g.InitializerValues.Select(v => Fill(new int[Bytes(v)], ids[v])).ToArray();
        var outputs = g.Outputs.Select(v => new int[Bytes(v)]).ToArray();

        int[] Space(BufferLocation loc) => loc.Kind switch
        {
            BufferKind.Arena => arena,
            BufferKind.GraphInput => inputs[loc.Index],
            BufferKind.Initializer => inits[loc.Index],
            _ => outputs[loc.Index],
        };

        int[] Expected(Value v)
        {
            if (expected.TryGetValue(v, out var e)) return e;
            var p = v.Producer;
            if (p is not null && plan.IsElided(p) && p.Schema.Aliasing == OutputAliasing.ViewOfInput0)
                e = Expected(p.Inputs[0]!);
            else if (p is not null && plan.IsElided(p) && p.Schema.Aliasing == OutputAliasing.ConcatOfInputs)
                e = p.Inputs.SelectMany(x => Expected(x!)).ToArray();
            else
                e = Fill(new int[Bytes(v)], ids[v]);
            Assert.True(e.Length == Bytes(v), $"'{v.Name}': elided node's contents have {e.Length} bytes, the value {Bytes(v)}");
            return expected[v] = e;
        }

        Span<int> Bytes_(Value v, string what)
        {
            var loc = plan.Locate(v);
            var space = Space(loc);
            long n = Bytes(v);
            Assert.True(loc.ByteOffset >= 0 && loc.ByteOffset + n <= space.Length,
                $"{what} '{v.Name}' at {loc} ({n} bytes) is outside its buffer of {space.Length} bytes");
            return space.AsSpan((int)loc.ByteOffset, (int)n);
        }

        void CheckHolds(Value v, string when)
        {
            var want = Expected(v);
            var have = Bytes_(v, "value");
            for (int i = 0; i < want.Length; i++)
            {
                if (have[i] != want[i])
                    Assert.Fail($"{when}: '{v.Name}' at {plan.Locate(v)} byte {i} was overwritten by '{Name(have[i])}'");
            }
        }

        string Name(int id) => ids.FirstOrDefault(kv => kv.Value == id).Key?.Name ?? (id == 0 ? "(never written)" : "?");

        foreach (var n in g.Nodes)
        {
            var reads = Graph.Graph.AllReads(n).Distinct().ToList();
            foreach (var v in reads) CheckHolds(v, $"node '{n.Name}' ({n.OpType}) reads");
            if (plan.IsElided(n)) continue;
            int? inPlace = plan.InPlaceInput(n);
            for (int k = 0; k < n.Outputs.Count; k++)
            {
                if (n.Outputs[k] is not { } o) continue;
                var loc = plan.Locate(o);
                Assert.True(loc.Kind is BufferKind.Arena or BufferKind.GraphOutput, $"node '{n.Name}' would write '{o.Name}' into {loc}");
                foreach (var r in reads)
                {
                    if (k == 0 && inPlace is { } i && ReferenceEquals(r, n.Inputs[i]))
                    {
                        Assert.Equal(plan.Locate(r), loc);
                        Assert.Equal(Bytes(r), Bytes(o));
                        continue;
                    }
                    // Another view of the in-place input's very bytes: element k is still read before it is written.
                    if (k == 0 && inPlace is not null && plan.Locate(r) == loc && Bytes(r) == Bytes(o)) continue;
                    Assert.False(Overlap(plan.Locate(r), Bytes(r), loc, Bytes(o)),
                        $"node '{n.Name}' writes '{o.Name}' at {loc} over '{r.Name}' at {plan.Locate(r)}, which it reads");
                }
                Bytes_(o, "output").Fill(ids[o]);
            }
            // Outputs of one node must not overlap each other either.
            var outs = n.Outputs.OfType<Value>().ToList();
            for (int a = 0; a < outs.Count; a++)
                for (int b = a + 1; b < outs.Count; b++)
                    Assert.False(Overlap(plan.Locate(outs[a]), Bytes(outs[a]), plan.Locate(outs[b]), Bytes(outs[b])), $"outputs of '{n.Name}' overlap");
        }

        for (int k = 0; k < g.Outputs.Count; k++)
        {
            var v = g.Outputs[k];
            CheckHolds(v, $"graph output {k} at the end");
            bool inPlace = plan.Locate(v) == new BufferLocation(BufferKind.GraphOutput, k, 0);
            Assert.Equal(!inPlace, plan.OutputNeedsCopy(k));
            if (!inPlace) Bytes_(v, "value").CopyTo(outputs[k]);
        }
        for (int k = 0; k < g.Outputs.Count; k++)
            Assert.True(outputs[k].AsSpan().SequenceEqual(Expected(g.Outputs[k])), $"graph output {k} '{g.Outputs[k].Name}' buffer does not hold its value at the end");
    }

    private static bool Overlap(BufferLocation a, long aBytes, BufferLocation b, long bBytes) =>
        a.Kind == b.Kind && a.Index == b.Index && aBytes > 0 && bBytes > 0
        && a.ByteOffset < b.ByteOffset + bBytes && b.ByteOffset < a.ByteOffset + aBytes;

    public static long Bytes(Value v) => v.Type.Dims!.Aggregate(1L, (p, d) => p * d.Value) * DataTypes.Size(v.Type.Elem);

    private static int[] Fill(int[] a, int id)
    {
        Array.Fill(a, id);
        return a;
    }
}
