using System.Runtime.InteropServices;
using Engine.Codegen.Lowering;
using Engine.Runtime;

namespace Engine.Codegen.Lowerings;

/// <summary>Small pieces of generated text shared by the pooling/normalization/reduce/tensor lowerings.</summary>
internal static class LoweringText
{
    /// <summary>The <c>ComputeIsa</c> matching the context's vector path (so tests can force each path).</summary>
    public static string Isa(LoweringContext ctx) => ctx.Vector switch
    {
        VectorPath.Vector512 => "ComputeIsa.Avx512",
        VectorPath.Vector256 => "ComputeIsa.Avx2",
        _ => "ComputeIsa.Scalar",
    };

    public static string I(long v) => LoweringContext.IntLiteral(v);

    public static string F(float v) => LoweringContext.FloatLiteral(v);

    /// <summary>A constant collection expression for a ReadOnlySpan parameter (static data, no allocation).</summary>
    public static string Span(IEnumerable<long> values) => "[" + string.Join(", ", values.Select(I)) + "]";

    public static string Span(IEnumerable<int> values) => Span(values.Select(v => (long)v));

    /// <summary>Bytes per element for the type-agnostic copies, or 0 when the type has no fixed 1/2/4/8-byte storage.</summary>
    public static int ElemSize(DataType t)
    {
        if (t is DataType.String or DataType.Undefined || !DataTypes.IsSupported(t)) return 0;
        int s = DataTypes.Size(t);
        return s is 1 or 2 or 4 or 8 ? s : 0;
    }

    /// <summary>The raw bits of the first element of <paramref name="t"/> (low <paramref name="size"/> bytes).</summary>
    public static ulong ScalarBits(Tensor t, int size)
    {
        var h = GCHandle.Alloc(t.Data, GCHandleType.Pinned);
        try
        {
            ulong v = 0;
            var b = new byte[8];
            Marshal.Copy(h.AddrOfPinnedObject(), b, 0, size);
            for (int i = size - 1; i >= 0; i--) v = (v << 8) | b[i];
            return v;
        }
        finally { h.Free(); }
    }

    /// <summary>Constant integer values of input i, or null when the input is absent or not a compile-time constant.</summary>
    public static long[]? ConstInts(LoweringContext ctx, int i) =>
        i < ctx.InputCount && ctx.HasInput(i) && ctx.Constant(i) is { } t && DataTypes.IsInteger(t.Type) ? t.ToInt64Array() : null;

    public static bool Absent(LoweringContext ctx, int i) => i >= ctx.InputCount || !ctx.HasInput(i);

    /// <summary>Whether output i is wanted (declared and named).</summary>
    public static bool HasOutput(LoweringContext ctx, int i) => i < ctx.Node.Outputs.Count && ctx.Node.Outputs[i] is not null;

    public static long Product(ReadOnlySpan<int> dims)
    {
        long p = 1;
        foreach (int d in dims) p *= d;
        return p;
    }
}
