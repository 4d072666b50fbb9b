using System.Globalization;
using System.Text;
using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Lexical rules shared by <see cref="IrPrinter"/> and <see cref="IrParser"/>: which names may be
/// written bare, how strings are escaped, and how floats are spelled so they round-trip exactly.
/// Keeping both directions here is what guarantees Parse(Print(g)) sees what Print meant.
/// </summary>
internal static class IrSyntax
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Words that start a statement or a value; an op or name spelled like them is quoted.</summary>
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "graph", "init", "nan", "inf", "_", "ints", "floats", "strings", "tensors", "graphs",
    };

    public static bool IsIdentStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    public static bool IsIdentChar(char c) => IsIdentStart(c) || c is (>= '0' and <= '9') or '.';

    /// <summary>Characters a value name (after %) or node name (after @) may use unquoted.
    /// '/' and '.' are allowed because exporters produce names like "/conv1/Conv_output_0".</summary>
    public static bool IsNameChar(char c) => IsIdentChar(c) || c == '/';

    public static bool IsBareIdent(string s)
    {
        if (s.Length == 0 || !IsIdentStart(s[0])) return false;
        foreach (char c in s) if (!IsIdentChar(c)) return false;
        return true;
    }

    /// <summary>An identifier in a position where a keyword would be misread (op names, symbols, element-type-like words).</summary>
    public static string Ident(string s) => IsBareIdent(s) && !Keywords.Contains(s) && !DataTypeWord(s) ? s : Quote(s);

    /// <summary>A graph or attribute name: followed by '(' or '=', so keywords are harmless there.</summary>
    public static string Name(string s) => IsBareIdent(s) ? s : Quote(s);

    /// <summary>The text after '%' or '@'.</summary>
    public static string SigilName(string s)
    {
        if (s.Length == 0) return Quote(s);
        foreach (char c in s) if (!IsNameChar(c)) return Quote(s);
        return s;
    }

    /// <summary>A name for a one-line message: 'name', or an escaped quoted string when it holds quotes or control characters.</summary>
    public static string Display(string s)
    {
        foreach (char c in s)
        {
            if (c is '\'' or '"' or '\\' || NeedsEscape(c)) return Quote(s);
        }
        return "'" + s + "'";
    }

    private static bool DataTypeWord(string s) => TryParseDataType(s, out _);

    public static string DataTypeName(DataType t) => DataTypes.ShortName(t);

    /// <summary>Short names (f32, i64, …, '?' for undefined) plus the enum name of types the short list lacks.</summary>
    public static bool TryParseDataType(string s, out DataType t)
    {
        if (DataTypes.TryParseShortName(s, out t)) return true;
        foreach (var v in Enum.GetValues<DataType>())
        {
            if (DataTypes.ShortName(v) == s) { t = v; return true; }
        }
        t = DataType.Undefined;
        return false;
    }

    /// <summary>A double-quoted string; control, format and surrogate characters become \uXXXX.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        AppendQuoted(sb, s);
        return sb.ToString();
    }

    public static void AppendQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (NeedsEscape(c)) sb.Append("\\u").Append(((int)c).ToString("X4", Inv));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    private static bool NeedsEscape(char c)
    {
        if (c < 0x20 || c == 0x7F) return true;
        if (c < 0x80) return false;
        return CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator;
    }

    private static readonly uint CanonicalNaN32 = BitConverter.SingleToUInt32Bits(float.NaN);
    private static readonly ulong CanonicalNaN64 = BitConverter.DoubleToUInt64Bits(double.NaN);

    /// <summary>True when the float prints as plain 'nan' and parses back to the same bits.</summary>
    public static bool IsCanonical(float f) => !float.IsNaN(f) || BitConverter.SingleToUInt32Bits(f) == CanonicalNaN32;

    public static bool IsCanonical(double d) => !double.IsNaN(d) || BitConverter.DoubleToUInt64Bits(d) == CanonicalNaN64;

    /// <summary>
    /// A float32 spelled to round-trip exactly. With <paramref name="markFloat"/> the text always
    /// reads as a float (1 → "1.0") so an attribute's kind survives; NaN payloads other than the
    /// canonical one are written as nan(0xBITS).
    /// </summary>
    public static string Float(float f, bool markFloat)
    {
        if (float.IsNaN(f))
            return IsCanonical(f) ? "nan" : "nan(0x" + BitConverter.SingleToUInt32Bits(f).ToString("X8", Inv) + ")";
        if (float.IsPositiveInfinity(f)) return "inf";
        if (float.IsNegativeInfinity(f)) return "-inf";
        var s = f.ToString("R", Inv);
        return markFloat ? MarkFloat(s) : s;
    }

    public static string Double(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        return d.ToString("R", Inv);
    }

    private static string MarkFloat(string s) => s.IndexOfAny(['.', 'E', 'e']) >= 0 ? s : s + ".0";
}
