using System.Globalization;
using System.Text;
using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Tensor data in the text form: a flat row-major list of exact decimals for small tensors,
/// <c>0x…</c> raw little-endian bytes for large ones (and for floats whose NaN payloads a decimal
/// cannot carry). Strings are always a list of quoted, escaped strings.
/// </summary>
internal static class TensorText
{
    /// <summary>Tensors with more elements than this print as hex bytes.</summary>
    public const int MaxDecimalElements = 64;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string TypeText(Tensor t) => IrSyntax.DataTypeName(t.Type) + Tensor.ShapeString(t.Shape);

    /// <summary>Appends "[e0, e1, …]" or "0x…".</summary>
    public static void AppendData(StringBuilder sb, Tensor t)
    {
        if (t.Type != DataType.String && (t.Length > MaxDecimalElements || !DecimalIsExact(t)))
        {
            sb.Append("0x").Append(Convert.ToHexStringLower(t.ToRawBytes()));
            return;
        }
        sb.Append('[');
        for (int i = 0; i < t.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            AppendElement(sb, t, i);
        }
        sb.Append(']');
    }

    /// <summary>A stand-in for data left out of a dump: the element count and a content hash, so dumps still show when data changes.</summary>
    public static void AppendElided(StringBuilder sb, Tensor t)
    {
        ulong h = 14695981039346656037;
        void Mix(ReadOnlySpan<byte> bytes)
        {
            foreach (byte b in bytes) h = (h ^ b) * 1099511628211;
        }
        if (t.Data is string[] strings)
        {
            foreach (var s in strings) Mix(Encoding.UTF8.GetBytes(s + "\0"));
        }
        else
        {
            Mix(t.ToRawBytes());
        }
        sb.Append("elided<").Append(t.Length).Append(" elements, fnv1a 0x").Append(h.ToString("x16", Inv)).Append('>');
    }

    private static bool DecimalIsExact(Tensor t)
    {
        switch (t.Data)
        {
            case float[] a:
                foreach (var x in a) if (!IrSyntax.IsCanonical(x)) return false;
                return true;
            case double[] a:
                foreach (var x in a) if (!IrSyntax.IsCanonical(x)) return false;
                return true;
            case Half[] a:
                foreach (var x in a) if (Half.IsNaN(x) && BitConverter.HalfToUInt16Bits(x) != BitConverter.HalfToUInt16Bits(Half.NaN)) return false;
                return true;
            case ushort[] a when t.Type == DataType.BFloat16:
                foreach (var x in a) if (float.IsNaN(BFloat16Bits.ToFloat(x)) && x != BFloat16Bits.FromFloat(float.NaN)) return false;
                return true;
            default:
                return true;
        }
    }

    private static void AppendElement(StringBuilder sb, Tensor t, int i)
    {
        switch (t.Data)
        {
            case float[] a: sb.Append(IrSyntax.Float(a[i], false)); break;
            case double[] a: sb.Append(IrSyntax.Double(a[i])); break;
            case Half[] a: sb.Append(Half.IsNaN(a[i]) ? "nan" : IrSyntax.Float((float)a[i], false)); break;
            case ushort[] a when t.Type == DataType.BFloat16:
                float bf = BFloat16Bits.ToFloat(a[i]);
                sb.Append(float.IsNaN(bf) ? "nan" : IrSyntax.Float(bf, false));
                break;
            case bool[] a: sb.Append(a[i] ? "true" : "false"); break;
            case string[] a: IrSyntax.AppendQuoted(sb, a[i]); break;
            default: sb.Append(Convert.ToString(t.Data.GetValue(i), Inv)); break;
        }
    }

    /// <summary>Builds a tensor from raw hex bytes (the text after 0x).</summary>
    public static Tensor FromHex(DataType type, int[] shape, string hexDigits, Func<string, Exception> fail)
    {
        if (type == DataType.String) throw fail("string tensors cannot be written as hex bytes");
        if (hexDigits.Length % 2 != 0) throw fail("hex tensor data has an odd number of digits");
        var bytes = Convert.FromHexString(hexDigits);
        long need = Tensor.ElementCount(shape) * DataTypes.Size(type);
        if (bytes.Length != need)
            throw fail($"hex data holds {bytes.Length} bytes but {IrSyntax.DataTypeName(type)}{Tensor.ShapeString(shape)} needs {need}");
        return Tensor.FromRawBytes(type, shape, bytes);
    }

    /// <summary>
    /// Parses one element token into storage slot <paramref name="i"/>. <paramref name="text"/> is
    /// the token text; <paramref name="kind"/> says whether it was a number, word (true/false/nan/inf) or string.
    /// Returns an error message, or null on success.
    /// </summary>
    public static string? SetElement(Array data, DataType type, int i, TokenKind kind, string text)
    {
        if (type == DataType.String)
        {
            if (kind != TokenKind.String) return "expected a quoted string element";
            ((string[])data)[i] = text;
            return null;
        }
        if (kind == TokenKind.String) return $"a {IrSyntax.DataTypeName(type)} tensor cannot hold a string";
        if (type == DataType.Bool)
        {
            switch (text)
            {
                case "true": case "1": ((bool[])data)[i] = true; return null;
                case "false": case "0": ((bool[])data)[i] = false; return null;
                default: return $"expected true or false, found '{text}'";
            }
        }
        if (DataTypes.IsFloat(type))
        {
            if (!TryParseDouble(text, out double d, out float? f32)) return $"expected a number, found '{text}'";
            switch (data)
            {
                case float[] a: a[i] = f32 ?? (float)d; break;
                case double[] a: a[i] = d; break;
                case Half[] a: a[i] = text == "nan" ? Half.NaN : double.IsInfinity(d) || double.IsNaN(d) ? (Half)d : Half.Parse(text, NumberStyles.Float, Inv); break;
                case ushort[] a: a[i] = BFloat16Bits.FromFloat(f32 ?? (float)d); break;
            }
            return null;
        }
        if (kind != TokenKind.Number || text.IndexOfAny(['.', 'e', 'E', 'i']) >= 0)
            return $"expected an integer, found '{text}'";
        // Switch on the element type, not the array: the CLR lets byte[] pass as sbyte[] (and
        // ushort[] as short[], …), so an array pattern would pick the wrong range.
        var inv = Inv;
        var style = NumberStyles.AllowLeadingSign;
        bool ok;
        switch (type)
        {
            case DataType.Int8: ok = sbyte.TryParse(text, style, inv, out var i8); if (ok) ((sbyte[])data)[i] = i8; break;
            case DataType.UInt8: ok = byte.TryParse(text, style, inv, out var u8); if (ok) ((byte[])data)[i] = u8; break;
            case DataType.Int16: ok = short.TryParse(text, style, inv, out var i16); if (ok) ((short[])data)[i] = i16; break;
            case DataType.UInt16: ok = ushort.TryParse(text, style, inv, out var u16); if (ok) ((ushort[])data)[i] = u16; break;
            case DataType.Int32: ok = int.TryParse(text, style, inv, out var i32); if (ok) ((int[])data)[i] = i32; break;
            case DataType.UInt32: ok = uint.TryParse(text, style, inv, out var u32); if (ok) ((uint[])data)[i] = u32; break;
            case DataType.Int64: ok = long.TryParse(text, style, inv, out var i64); if (ok) ((long[])data)[i] = i64; break;
            case DataType.UInt64: ok = ulong.TryParse(text, style, inv, out var u64); if (ok) ((ulong[])data)[i] = u64; break;
            default: return $"cannot write elements of {IrSyntax.DataTypeName(type)}";
        }
        return ok ? null : $"{text} is out of range for {IrSyntax.DataTypeName(type)}";
    }

    /// <summary>
    /// Parses a float word or number. <paramref name="f32"/> is set when the text should be read
    /// directly as float32 (avoids double rounding of a decimal through float64).
    /// </summary>
    public static bool TryParseDouble(string text, out double d, out float? f32)
    {
        f32 = null;
        switch (text)
        {
            case "nan": d = double.NaN; f32 = float.NaN; return true;
            case "inf": d = double.PositiveInfinity; return true;
            case "-inf": d = double.NegativeInfinity; return true;
        }
        if (!double.TryParse(text, NumberStyles.Float, Inv, out d)) return false;
        f32 = float.Parse(text, NumberStyles.Float, Inv);
        return true;
    }
}
