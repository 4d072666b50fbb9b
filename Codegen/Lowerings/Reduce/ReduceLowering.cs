using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Compute;
using static Engine.Codegen.Lowerings.LoweringText;

namespace Engine.Codegen.Lowerings.Reduce;

/// <summary>
/// float32 ReduceXxx whose reduced axes (ignoring size-1 dims) form one run of adjacent dims, as one
/// <c>Reductions.Reduce</c> over [outer, r, inner]. Axes come from the attribute (older opsets) or a constant input.
/// Reductions over non-adjacent axes fall back to the reference kernel.
/// </summary>
public sealed class ReduceLowering(ReduceOp op) : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float) return "only float32 is lowered";
        var s = ctx.InShape(0);
        long[]? axes = ctx.Attributes.GetIntsOrNull("axes");
        if (!Absent(ctx, 1))
        {
            axes = ConstInts(ctx, 1);
            if (axes is null) return "axes are not a compile-time constant";
        }
        bool noop = ctx.Attributes.GetInt("noop_with_empty_axes") != 0;
        var mask = new bool[s.Length];
        if (axes is null || axes.Length == 0)
        {
            if (noop) return "noop_with_empty_axes with no axes";
            Array.Fill(mask, true);
        }
        else
        {
            foreach (long a0 in axes)
            {
                long a = a0 < 0 ? a0 + s.Length : a0;
                if (a < 0 || a >= s.Length) return $"axis {a0} out of range";
                mask[a] = true;
            }
        }
        // The reduced dims of size > 1 must be adjacent; size-1 dims do not matter either way.
        int first = -1, last = -1;
        for (int d = 0; d < s.Length; d++)
        {
            if (!mask[d] || s[d] == 1) continue;
            if (first < 0) first = d;
            last = d;
        }
        for (int d = first; d >= 0 && d <= last; d++)
            if (!mask[d] && s[d] != 1) return "reduced axes are not adjacent";
        long outer, r, inner;
        if (first < 0)
        {
            // Only size-1 dims reduced: r = 1 (or an empty reduced dim of size 0 was among them? no: 0 ≠ 1 counts above).
            outer = Product(s);
            r = 1;
            inner = 1;
        }
        else
        {
            outer = Product(s.AsSpan(0, first));
            r = Product(s.AsSpan(first, last - first + 1));
            inner = Product(s.AsSpan(last + 1));
        }
        if (outer * r * inner > int.MaxValue || outer * inner != Product(ctx.OutShape(0))) return "shape mismatch";
        ctx.Line($"Reductions.Reduce(ReduceOp.{op}, {ctx.In(0)}, {ctx.Out(0)}, {I(outer)}, {I(r)}, {I(inner)}, {ctx.Threads}, {Isa(ctx)});");
        return null;
    }
}

/// <summary>Registers the ReduceXxx lowerings.</summary>
public sealed class ReduceLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r)
    {
        foreach (var op in Enum.GetValues<ReduceOp>()) r.Add("Reduce" + op, new ReduceLowering(op));
    }
}
