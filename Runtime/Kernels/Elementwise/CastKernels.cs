using System.Globalization;
using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Cast, CastLike and BitCast. Conversions follow ONNX/numpy: float to integer truncates toward
/// zero (saturating out of range, NaN to 0, so results never depend on the platform), integer to
/// integer wraps, anything to bool is "not zero" (NaN is true), float to float16/bf16 rounds to
/// nearest even. Strings parse and print invariant-culture decimal text ("INF", "-INF", "NaN").
/// </summary>
public static class CastKernels
{
    public static Tensor?[] Cast(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelInputs.Required(ctx, inputs, 0);
        var to = (DataType)ctx.Attributes.GetInt("to");
        return [Convert(ctx, x, to)];
    }

    public static Tensor?[] CastLike(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelInputs.Required(ctx, inputs, 0);
        var like = KernelInputs.Required(ctx, inputs, 1);
        return [Convert(ctx, x, like.Type)];
    }

    /// <summary>Reinterprets the bits of each element as another type of the same size.</summary>
    public static Tensor?[] BitCast(KernelContext ctx, Tensor?[] inputs)
    {
        var x = KernelInputs.Required(ctx, inputs, 0);
        var to = (DataType)ctx.Attributes.GetInt("to");
        if (!DataTypes.IsSupported(to) || to == DataType.String || x.Type == DataType.String)
            throw ctx.Fail($"BitCast does not support {DataTypes.ShortName(x.Type)} to {DataTypes.ShortName(to)}");
        if (DataTypes.Size(to) != DataTypes.Size(x.Type))
            throw ctx.Fail($"BitCast needs types of one size, got {DataTypes.ShortName(x.Type)} and {DataTypes.ShortName(to)}");
        return [Tensor.FromRawBytes(to, x.Shape, x.ToRawBytes())];
    }

    private static Tensor Convert(KernelContext ctx, Tensor x, DataType to)
    {
        if (!DataTypes.IsSupported(to)) throw ctx.Fail($"cast to element type {to} is not supported");
        try
        {
            return Convert(x, to);
        }
        catch (EngineException e)
        {
            throw ctx.Fail(e.Message);
        }
    }

    /// <summary>Converts a tensor to another element type (the same tensor when the type matches).</summary>
    public static Tensor Convert(Tensor x, DataType to)
    {
        if (x.Type == to) return x;
        if (to == DataType.String) return new Tensor(to, x.Shape, ToStrings(x));
        if (x.Type == DataType.String) return FromStrings(x, to);
        return x.Type switch
        {
            DataType.Float => From(x.As<float>(), x.Shape, to),
            DataType.Double => From(x.As<double>(), x.Shape, to),
            DataType.Float16 or DataType.BFloat16 => From(FloatWidening.Widen(x).As<float>(), x.Shape, to),
            DataType.Bool => From(TypedDispatch.BoolAsBytes(x).As<byte>(), x.Shape, to),
            DataType.Int8 => From(x.As<sbyte>(), x.Shape, to),
            DataType.UInt8 => From(x.As<byte>(), x.Shape, to),
            DataType.Int16 => From(x.As<short>(), x.Shape, to),
            DataType.UInt16 => From(x.As<ushort>(), x.Shape, to),
            DataType.Int32 => From(x.As<int>(), x.Shape, to),
            DataType.UInt32 => From(x.As<uint>(), x.Shape, to),
            DataType.Int64 => From(x.As<long>(), x.Shape, to),
            DataType.UInt64 => From(x.As<ulong>(), x.Shape, to),
            _ => throw new EngineException($"cannot cast from {DataTypes.ShortName(x.Type)}"),
        };
    }

    private static Tensor From<TF>(TF[] src, int[] shape, DataType to) where TF : unmanaged, INumber<TF>
    {
        Array dst = to switch
        {
            DataType.Float => Numbers<TF, float>(src),
            DataType.Double => Numbers<TF, double>(src),
            // Straight from double so float64 → float16 rounds once.
            DataType.Float16 => Map(src, static v => (Half)double.CreateTruncating(v)),
            DataType.BFloat16 => Map(src, static v => BFloat16Bits.FromFloat(float.CreateTruncating(v))),
            DataType.Bool => Map(src, static v => !TF.IsZero(v)),
            DataType.Int8 => Numbers<TF, sbyte>(src),
            DataType.UInt8 => Numbers<TF, byte>(src),
            DataType.Int16 => Numbers<TF, short>(src),
            DataType.UInt16 => Numbers<TF, ushort>(src),
            DataType.Int32 => Numbers<TF, int>(src),
            DataType.UInt32 => Numbers<TF, uint>(src),
            DataType.Int64 => Numbers<TF, long>(src),
            DataType.UInt64 => Numbers<TF, ulong>(src),
            _ => throw new EngineException($"cannot cast to {DataTypes.ShortName(to)}"),
        };
        return new Tensor(to, shape, dst);
    }

    private static TT[] Numbers<TF, TT>(TF[] src) where TF : unmanaged, INumber<TF> where TT : unmanaged, INumber<TT>
    {
        var dst = new TT[src.Length];
        bool fromFloat = typeof(TF) == typeof(float) || typeof(TF) == typeof(double);
        bool toFloat = typeof(TT) == typeof(float) || typeof(TT) == typeof(double);
        if (fromFloat && !toFloat)
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = TT.CreateSaturating(src[i]);
        }
        else
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = TT.CreateTruncating(src[i]);
        }
        return dst;
    }

    private static TT[] Map<TF, TT>(TF[] src, Func<TF, TT> f)
    {
        var dst = new TT[src.Length];
        for (int i = 0; i < dst.Length; i++) dst[i] = f(src[i]);
        return dst;
    }

    private static string[] ToStrings(Tensor x)
    {
        var r = new string[x.Length];
        // Switch on the element type, not the array: the CLR lets a long[] pass as a ulong[].
        switch (x.Type)
        {
            case DataType.Bool:
                var b = x.As<bool>();
                for (int i = 0; i < r.Length; i++) r[i] = b[i] ? "True" : "False";
                break;
            case DataType.Float:
                var f = x.As<float>();
                for (int i = 0; i < r.Length; i++) r[i] = FormatFloat(f[i], f[i].ToString(CultureInfo.InvariantCulture));
                break;
            case DataType.Double:
                var d = x.As<double>();
                for (int i = 0; i < r.Length; i++) r[i] = FormatFloat(d[i], d[i].ToString(CultureInfo.InvariantCulture));
                break;
            case DataType.Float16 or DataType.BFloat16:
                var w = FloatWidening.Widen(x).As<float>();
                for (int i = 0; i < r.Length; i++) r[i] = FormatFloat(w[i], w[i].ToString(CultureInfo.InvariantCulture));
                break;
            default:
                if (x.Type == DataType.UInt64)
                {
                    var u = x.As<ulong>();
                    for (int i = 0; i < r.Length; i++) r[i] = u[i].ToString(CultureInfo.InvariantCulture);
                }
                else
                {
                    var v = x.ToInt64Array();
                    for (int i = 0; i < r.Length; i++) r[i] = v[i].ToString(CultureInfo.InvariantCulture);
                }
                break;
        }
        return r;
    }

    private static string FormatFloat(double v, string text) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "INF" : double.IsNegativeInfinity(v) ? "-INF" : text;

    private static Tensor FromStrings(Tensor x, DataType to)
    {
        var s = x.As<string>();
        if (to == DataType.Bool)
        {
            var b = new bool[s.Length];
            for (int i = 0; i < b.Length; i++) b[i] = ParseBool(s[i]);
            return new Tensor(to, x.Shape, b);
        }
        if (DataTypes.IsInteger(to))
        {
            // Parse integers exactly (int64/uint64 exceed double's precision).
            if (to == DataType.UInt64)
            {
                var u = new ulong[s.Length];
                for (int i = 0; i < u.Length; i++)
                    u[i] = ulong.TryParse(s[i].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : ulong.CreateSaturating(ParseDouble(s[i]));
                return new Tensor(to, x.Shape, u);
            }
            var l = new long[s.Length];
            for (int i = 0; i < l.Length; i++)
                l[i] = long.TryParse(s[i].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : long.CreateSaturating(ParseDouble(s[i]));
            return Convert(new Tensor(DataType.Int64, x.Shape, l), to);
        }
        var d = new double[s.Length];
        for (int i = 0; i < d.Length; i++) d[i] = ParseDouble(s[i]);
        var dt = new Tensor(DataType.Double, x.Shape, d);
        // float targets parse straight to float so the text rounds once.
        if (to == DataType.Float)
        {
            var f = new float[s.Length];
            for (int i = 0; i < f.Length; i++) f[i] = (float)ParseDouble(s[i], asFloat: true);
            return new Tensor(to, x.Shape, f);
        }
        return Convert(dt, to);
    }

    private static double ParseDouble(string text, bool asFloat = false)
    {
        var t = text.Trim();
        switch (t.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan": return double.NaN;
            case "inf" or "+inf" or "infinity" or "+infinity": return double.PositiveInfinity;
            case "-inf" or "-infinity": return double.NegativeInfinity;
        }
        if (asFloat && float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var f)) return f;
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        throw new EngineException($"cannot parse string '{Trunc(text)}' as a number");
    }

    private static bool ParseBool(string text)
    {
        var t = text.Trim();
        if (t.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
        if (t.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
        var d = ParseDouble(t);
        return d != 0;
    }

    private static string Trunc(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
