using Engine.Codegen.Lowering;
using Engine.Runtime;
using static Engine.Codegen.Lowerings.LoweringText;

namespace Engine.Codegen.Lowerings.TensorOps;


/// <summary>Transpose of any 1/2/4/8-byte element type: one <c>TensorCopy.Transpose</c> with the shape and perm baked in.</summary>
public sealed class TransposeLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        int es = ElemSize(ctx.InType(0));
        if (es == 0) return $"{ctx.InType(0)} elements are not copied by generated code";
        var s = ctx.InShape(0);
        var perm = ctx.Attributes.GetIntsOrNull("perm") is { Length: > 0 } p ? p.Select(v => (int)v).ToArray() : Enumerable.Range(0, s.Length).Reverse().ToArray();
        if (perm.Length != s.Length || perm.Order().Where((v, i) => v != i).Any()) return "perm is not a permutation of the input dims";
        if (s.Length > Engine.Runtime.Compute.TensorCopy.MaxRank) return "rank too large";
        ctx.Line($"TensorCopy.Transpose({ctx.In(0)}, {ctx.Out(0)}, {Span(s)}, {Span(perm)}, {I(es)}, {ctx.Threads});");
        return null;
    }
}

/// <summary>Concat as one row copy per input (when the memory plan did not already make the producers write in place).</summary>
public sealed class ConcatLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        int es = ElemSize(ctx.OutType(0));
        if (es == 0) return $"{ctx.OutType(0)} elements are not copied by generated code";
        var os = ctx.OutShape(0);
        if (os.Length == 0) return "scalar concat";
        long axis = ctx.Attributes.GetInt("axis");
        if (axis < 0) axis += os.Length;
        if (axis < 0 || axis >= os.Length) return "axis out of range";
        long outer = Product(os.AsSpan(0, (int)axis)), inner = Product(os.AsSpan((int)axis + 1)) * es;
        if (outer > int.MaxValue) return "too many rows";
        long dstRow = os[axis] * inner, offset = 0;
        var lines = new List<string>();
        for (int i = 0; i < ctx.InputCount; i++)
        {
            if (Absent(ctx, i)) continue;
            var s = ctx.InShape(i);
            if (s.Length != os.Length) return "input rank differs";
            long row = s[(int)axis] * inner;
            if (row > 0 && outer > 0)
                lines.Add($"TensorCopy.CopyRows({ctx.In(i)}, {I(row)}, (byte*){ctx.Out(0)} + {I(offset)}, {I(dstRow)}, {I(outer)}, {I(row)}, {ctx.Threads});");
            offset += row;
        }
        if (offset != dstRow) return "input sizes do not add up to the output";
        foreach (var l in lines) ctx.Line(l);
        return null;
    }
}

/// <summary>Split as one row copy per output; part sizes come from the static output shapes.</summary>
public sealed class SplitLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        int es = ElemSize(ctx.InType(0));
        if (es == 0) return $"{ctx.InType(0)} elements are not copied by generated code";
        var s = ctx.InShape(0);
        if (s.Length == 0) return "scalar split";
        long axis = ctx.Attributes.GetInt("axis");
        if (axis < 0) axis += s.Length;
        if (axis < 0 || axis >= s.Length) return "axis out of range";
        long outer = Product(s.AsSpan(0, (int)axis)), inner = Product(s.AsSpan((int)axis + 1)) * es;
        if (outer > int.MaxValue) return "too many rows";
        long srcRow = s[axis] * inner, offset = 0;
        var lines = new List<string>();
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            long row = ctx.OutShape(i)[(int)axis] * inner;
            if (HasOutput(ctx, i) && row > 0 && outer > 0)
                lines.Add($"TensorCopy.CopyRows((byte*){ctx.In(0)} + {I(offset)}, {I(srcRow)}, {ctx.Out(i)}, {I(row)}, {I(outer)}, {I(row)}, {ctx.Threads});");
            offset += row;
        }
        if (offset != srcRow) return "output sizes do not add up to the input";
        foreach (var l in lines) ctx.Line(l);
        return null;
    }
}

/// <summary>Slice with constant starts/ends/axes/steps (negative steps included) as one strided copy.</summary>
public sealed class SliceLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        int es = ElemSize(ctx.InType(0));
        if (es == 0) return $"{ctx.InType(0)} elements are not copied by generated code";
        var s = ctx.InShape(0);
        var starts = ConstInts(ctx, 1);
        var ends = ConstInts(ctx, 2);
        if (starts is null || ends is null) return "starts/ends are not compile-time constants";
        long[]? axes = Absent(ctx, 3) ? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray() : ConstInts(ctx, 3);
        long[]? steps = Absent(ctx, 4) ? Enumerable.Repeat(1L, starts.Length).ToArray() : ConstInts(ctx, 4);
        if (axes is null || steps is null) return "axes/steps are not compile-time constants";
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length) return "starts/ends/axes/steps lengths differ";
        var inStride = new long[s.Length];
        for (long d = s.Length - 1, acc = 1; d >= 0; d--)
        {
            inStride[d] = acc;
            acc *= s[d];
        }
        var shape = (int[])s.Clone();
        var strides = (long[])inStride.Clone();
        long offset = 0;
        for (int i = 0; i < axes.Length; i++)
        {
            long a = axes[i] < 0 ? axes[i] + s.Length : axes[i];
            if (a < 0 || a >= s.Length || steps[i] == 0) return "bad axis or step";
            var (start, count) = Engine.Runtime.Kernels.SliceKernels.Window(starts[i], ends[i], steps[i], s[a]);
            shape[a] = count;
            strides[a] = inStride[a] * steps[i];
            if (count > 0) offset += start * inStride[a];
        }
        if (!shape.SequenceEqual(ctx.OutShape(0))) return "output shape differs";
        if (Product(shape) == 0) return null;
        ctx.Line($"TensorCopy.StridedCopy((byte*){ctx.In(0)} + {I(offset * es)}, {ctx.Out(0)}, {Span(shape)}, {Span(strides)}, {I(es)}, {ctx.Threads});");
        return null;
    }
}

/// <summary>Gather along any axis (axis 0 = embedding row lookup), int32/int64 indices, constant or runtime.</summary>
public sealed class GatherLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        int es = ElemSize(ctx.InType(0));
        if (es == 0) return $"{ctx.InType(0)} elements are not copied by generated code";
        if (ctx.InType(1) is not (DataType.Int64 or DataType.Int32)) return "indices are not int32/int64";
        var s = ctx.InShape(0);
        if (s.Length == 0) return "scalar data";
        long axis = ctx.Attributes.GetInt("axis");
        if (axis < 0) axis += s.Length;
        if (axis < 0 || axis >= s.Length) return "axis out of range";
        long count = Product(ctx.InShape(1));
        long outer = Product(s.AsSpan(0, (int)axis)), inner = Product(s.AsSpan((int)axis + 1)) * es;
        if (count > int.MaxValue || outer > int.MaxValue) return "too large";
        if (outer * count * inner != Product(ctx.OutShape(0)) * es) return "output shape differs";
        if (count == 0 || outer == 0) return null;
        ctx.Line($"TensorCopy.Gather({ctx.In(0)}, {ctx.In(1)}, {(ctx.InType(1) == DataType.Int64 ? "true" : "false")}, {I(count)}, {ctx.Out(0)}, {I(outer)}, {I(s[axis])}, {I(inner)}, {ctx.Threads});");
        return null;
    }
}

/// <summary>Pad (constant/reflect/edge/wrap) with constant pads, value and axes.</summary>
public sealed class PadLowering : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        int es = ElemSize(ctx.InType(0));
        if (es == 0) return $"{ctx.InType(0)} elements are not copied by generated code";
        var s = ctx.InShape(0);
        if (s.Length == 0) return "scalar pad";
        string mode = ctx.Attributes.GetString("mode");
        string? pm = mode switch { "constant" => "Constant", "reflect" => "Reflect", "edge" => "Edge", "wrap" => "Wrap", _ => null };
        if (pm is null) return $"mode '{mode}'";
        long[]? pads = Absent(ctx, 1) ? ctx.Attributes.GetIntsOrNull("pads") : ConstInts(ctx, 1);
        if (pads is null) return "pads are not a compile-time constant";
        long[]? axes = Absent(ctx, 3) ? Enumerable.Range(0, s.Length).Select(i => (long)i).ToArray() : ConstInts(ctx, 3);
        if (axes is null) return "axes are not a compile-time constant";
        if (pads.Length != 2 * axes.Length) return "pads do not match the axes";
        ulong bits = 0;
        if (!Absent(ctx, 2))
        {
            if (ctx.Constant(2) is not { } v) return "constant_value is not a compile-time constant";
            if (v.Type != ctx.InType(0) || v.Length != 1) return "constant_value type differs";
            bits = ScalarBits(v, es);
        }
        else if (ctx.Attributes.Has("value") && ctx.InType(0) == DataType.Float)
        {
            bits = (uint)BitConverter.SingleToInt32Bits(ctx.Attributes.GetFloat("value"));
        }
        var begin = new int[s.Length];
        var end = new int[s.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            long a = axes[i] < 0 ? axes[i] + s.Length : axes[i];
            if (a < 0 || a >= s.Length) return "axis out of range";
            begin[a] = (int)Math.Clamp(pads[i], int.MinValue / 4, int.MaxValue / 4);
            end[a] = (int)Math.Clamp(pads[i + axes.Length], int.MinValue / 4, int.MaxValue / 4);
        }
        for (int d = 0; d < s.Length; d++)
        {
            if (s[d] + begin[d] + end[d] != ctx.OutShape(0)[d]) return "output shape differs";
            if (s[d] == 0 && mode != "constant" && (begin[d] > 0 || end[d] > 0)) return "padding an empty dim";
        }
        if (s.Length > Engine.Runtime.Compute.TensorCopy.MaxRank) return "rank too large";
        ctx.Line($"TensorCopy.Pad({ctx.In(0)}, {ctx.Out(0)}, {Span(s)}, {Span(begin)}, {Span(end)}, TensorCopy.PadMode.{pm}, {bits}UL, {I(es)}, {ctx.Threads});");
        return null;
    }
}

/// <summary>Expand (broadcast) and Tile as strided copies with stride 0 on the repeated dims; both need only the static shapes.</summary>
public sealed class BroadcastCopyLowering(bool tile) : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        int es = ElemSize(ctx.InType(0));
        if (es == 0) return $"{ctx.InType(0)} elements are not copied by generated code";
        var s = ctx.InShape(0);
        var o = ctx.OutShape(0);
        if (Product(o) == 0) return null;
        if (o.Length < s.Length || (tile && o.Length != s.Length)) return "rank mismatch";
        var inStride = new long[s.Length];
        for (long d = s.Length - 1, acc = 1; d >= 0; d--)
        {
            inStride[d] = acc;
            acc *= s[d];
        }
        var shape = new List<int>();
        var strides = new List<long>();
        int lead = o.Length - s.Length;
        for (int d = 0; d < o.Length; d++)
        {
            int id = d - lead;
            int n = id < 0 ? 1 : s[id];
            if (tile)
            {
                if (n == 0 || o[d] % n != 0) return "output is not a whole number of tiles";
                shape.Add(o[d] / n);
                strides.Add(0);
                shape.Add(n);
                strides.Add(inStride[id]);
            }
            else
            {
                if (n != o[d] && n != 1) return "input does not broadcast to the output";
                shape.Add(o[d]);
                strides.Add(n == 1 ? 0 : inStride[id]);
            }
        }
        if (shape.Count(d => d != 1) > Engine.Runtime.Compute.TensorCopy.MaxRank) return "rank too large";
        ctx.Line($"TensorCopy.StridedCopy({ctx.In(0)}, {ctx.Out(0)}, {Span(shape)}, {Span(strides)}, {I(es)}, {ctx.Threads});");
        return null;
    }
}

/// <summary>Registers the data-movement lowerings.</summary>
public sealed class TensorLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r)
    {
        r.Add("Transpose", new TransposeLowering());
        r.Add("Concat", new ConcatLowering());
        r.Add("Split", new SplitLowering());
        r.Add("Slice", new SliceLowering());
        r.Add("Gather", new GatherLowering());
        r.Add("Pad", new PadLowering());
        r.Add("Expand", new BroadcastCopyLowering(false));
        r.Add("Tile", new BroadcastCopyLowering(true));
        r.Add("Resize", new ResizeLowering());
    }
}
