using Engine.Runtime;

namespace Engine.Graph;

/// <summary>Shape arithmetic shared by op inference rules (broadcasting, axes, common rules).</summary>
public static class Shapes
{
    /// <summary>Numpy-style multidirectional broadcast of dims; null when any rank is unknown.</summary>
    public static Dim[]? Broadcast(InferenceContext ctx, params Dim[]?[] shapes)
    {
        if (shapes.Any(s => s is null)) return null;
        int rank = shapes.Max(s => s!.Length);
        var result = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim acc = 1;
            foreach (var s in shapes)
            {
                int j = i - (rank - s!.Length);
                if (j < 0) continue;
                var d = s[j];
                if (d.IsKnown && d.Value == 1) continue;
                if (acc.IsKnown && acc.Value == 1) { acc = d; continue; }
                if (d == acc) continue;
                if (d.IsKnown && acc.IsKnown)
                    throw ctx.Fail($"cannot broadcast shapes {string.Join(" and ", shapes.Select(Text))}");
                // One side symbolic/unknown and the other not 1: the result is whichever is known.
                acc = d.IsKnown ? d : acc.IsKnown ? acc : Dim.Unknown;
            }
            result[i] = acc;
        }
        return result;
    }

    public static string Text(Dim[]? dims) => dims is null ? "[*]" : "[" + string.Join(",", dims.Select(d => d.ToString())) + "]";

    /// <summary>Normalises a possibly negative axis against a rank, failing with the node's name.</summary>
    public static int Axis(InferenceContext ctx, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1) && !(rank == 0 && a == 0))
            throw ctx.Fail($"axis {axis} is out of range for rank {rank}");
        return (int)a;
    }

    /// <summary>Output 0 has input 0's type (elementwise unary ops).</summary>
    public static void SameAsInput0(InferenceContext ctx) => ctx.SetOutput(0, ctx.Required(0));

    /// <summary>Output 0 is the broadcast of all inputs, with input 0's element type.</summary>
    public static void BroadcastInputs(InferenceContext ctx)
    {
        var types = Enumerable.Range(0, ctx.InputCount).Select(ctx.Input).Where(t => t is not null).ToArray();
        ctx.SetOutput(0, types[0]!.Elem, Broadcast(ctx, types.Select(t => t!.Dims).ToArray()));
    }

    /// <summary>Broadcast of all inputs, bool element type (comparisons).</summary>
    public static void BroadcastToBool(InferenceContext ctx)
    {
        var types = Enumerable.Range(0, ctx.InputCount).Select(ctx.Input).Where(t => t is not null).ToArray();
        ctx.SetOutput(0, DataType.Bool, Broadcast(ctx, types.Select(t => t!.Dims).ToArray()));
    }

    /// <summary>Dims from a concrete int shape.</summary>
    public static Dim[] Of(IEnumerable<long> dims) => dims.Select(Dim.Of).ToArray();

    public static Dim[] Of(IEnumerable<int> dims) => dims.Select(d => Dim.Of(d)).ToArray();

    /// <summary>Unknown dims of a given rank.</summary>
    public static Dim[] UnknownOfRank(int rank) => Enumerable.Repeat(Dim.Unknown, rank).ToArray();
}
