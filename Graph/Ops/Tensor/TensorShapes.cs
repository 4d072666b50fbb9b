using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>Shape arithmetic on symbolic dims for the tensor-manipulation ops' inference rules.</summary>
public static class TensorShapes
{
    /// <summary>An integer input known at compile time (shape, axes, pads, …), or null.</summary>
    public static long[]? ConstInts(InferenceContext ctx, int i)
    {
        var t = ctx.ConstantInput(i);
        if (t is null) return null;
        if (!DataTypes.IsInteger(t.Type)) throw ctx.Fail($"input {i} must be an integer tensor, got {DataTypes.ShortName(t.Type)}");
        return Runtime.Kernels.KernelArgs.ToInt64(t);
    }

    /// <summary>The length of a 1-D input when its shape is known (e.g. a shape tensor's rank), else -1.</summary>
    public static int StaticLength(TensorType? t) =>
        t?.Dims is [var d] && d.IsKnown ? (int)d.Value : t?.Dims is [] ? 1 : -1;

    /// <summary>
    /// Product of dims: the constant when all are known; the single non-constant dim when every other
    /// is 1 (so a lone symbol survives flattening); otherwise unknown. A known 0 makes the product 0.
    /// </summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        long known = 1;
        Dim? other = null;
        int others = 0;
        foreach (var d in dims)
        {
            if (d.IsKnown)
            {
                if (d.Value == 0) return 0;
                known *= d.Value;
            }
            else
            {
                others++;
                other = d;
            }
        }
        if (others == 0) return known;
        return others == 1 && known == 1 ? other!.Value : Dim.Unknown;
    }

    /// <summary>Two dims that must be equal: the known one wins, then a symbol.</summary>
    public static Dim Unify(Dim a, Dim b) => a.IsKnown ? a : b.IsKnown ? b : a.IsSymbolic ? a : b;

    /// <summary>Normalises axes against a rank with the node's name in errors; duplicates fail.</summary>
    public static int[] Axes(InferenceContext ctx, long[] axes, int rank)
    {
        var r = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            r[i] = Shapes.Axis(ctx, axes[i], rank);
            if (r.AsSpan(0, i).Contains(r[i])) throw ctx.Fail($"axis {axes[i]} is repeated");
        }
        return r;
    }

    /// <summary>
    /// Reshape's output dims from a constant shape: 0 copies the input dim (unless allowzero), -1 is
    /// the quotient of the input's size by the other dims, cancelling symbols that appear on both sides.
    /// </summary>
    public static Dim[] Reshape(InferenceContext ctx, Dim[]? input, long[] shape, bool allowZero)
    {
        var r = new Dim[shape.Length];
        int inferred = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            long s = shape[i];
            if (s == -1)
            {
                if (inferred >= 0) throw ctx.Fail("shape has more than one -1");
                inferred = i;
                r[i] = Dim.Unknown;
            }
            else if (s < -1) throw ctx.Fail($"shape entry {s} is invalid");
            else if (s == 0 && !allowZero)
            {
                if (input is null) r[i] = Dim.Unknown;
                else if (i >= input.Length) throw ctx.Fail($"shape entry {i} is 0 but the input has rank {input.Length}");
                else r[i] = input[i];
            }
            else r[i] = s;
        }
        if (inferred < 0 || input is null) return r;
        // Cancel: input size = known_in · Π symbols_in; other output dims = known_out · Π symbols_out.
        long knownIn = 1, knownOut = 1;
        var symbols = new List<string>();
        foreach (var d in input)
        {
            if (d.IsKnown) knownIn *= d.Value;
            else if (d.IsSymbolic) symbols.Add(d.Symbol!);
            else return r;
        }
        for (int i = 0; i < r.Length; i++)
        {
            if (i == inferred) continue;
            var d = r[i];
            if (d.IsKnown) knownOut *= d.Value;
            else if (d.IsSymbolic && symbols.Remove(d.Symbol!)) { }
            else return r;
        }
        if (knownOut == 0) return r;
        if (symbols.Count == 0)
        {
            if (knownIn % knownOut != 0) throw ctx.Fail($"cannot reshape {Shapes.Text(input)} to [{string.Join(",", shape)}]");
            r[inferred] = knownIn / knownOut;
        }
        else if (symbols.Count == 1 && knownIn == knownOut)
        {
            r[inferred] = Dim.Sym(symbols[0]);
        }
        return r;
    }

    /// <summary>Slice along one axis with constant bounds; symbolic dims survive only a full-range slice.</summary>
    public static Dim SliceDim(Dim dim, long start, long end, long step)
    {
        if (dim.IsKnown)
        {
            int n = (int)Math.Min(dim.Value, int.MaxValue);
            return Runtime.Kernels.SliceKernels.Window(start, end, step, n).Count;
        }
        if (step == 1 && start == 0 && end >= int.MaxValue) return dim;
        if (step == -1 && (start == -1 || start >= int.MaxValue) && end <= -(long)int.MaxValue) return dim;
        return Dim.Unknown;
    }
}
