using System.Globalization;
using System.Text;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// The only ways model-controlled text and numbers reach generated source. Names from the model
/// appear solely inside <c>//</c> comments, reduced to a harmless alphabet, so no quote, comment
/// terminator, newline or parenthesis of a hostile name can change the program.
/// </summary>
internal static class SafeText
{
    private const int MaxCommentName = 48;

    /// <summary>A name for a line comment: ASCII letters, digits and <c>_ . -</c> only, truncated.</summary>
    public static string CommentName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "(unnamed)";
        var sb = new StringBuilder(Math.Min(name.Length, MaxCommentName));
        foreach (char c in name)
        {
            if (sb.Length == MaxCommentName) { sb.Append("..."); break; }
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Free text for a line comment (a lowering's description, which may embed names): printable ASCII
    /// only, no comment delimiters, no line breaks, truncated.
    /// </summary>
    public static string CommentText(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(Math.Min(text.Length, 200));
        foreach (char c in text)
        {
            if (sb.Length == 200) { sb.Append("..."); break; }
            bool ok = c >= ' ' && c <= '~' && c is not '\\' and not '"' and not '#' and not '(' and not ')' and not '{' and not '}' and not ';';
            char w = ok ? c : '_';
            // No "/*", "*/" or "//" can form: a slash or star after a slash or star becomes '_'.
            if ((w == '/' || w == '*') && sb.Length > 0 && sb[^1] is '/' or '*') w = '_';
            sb.Append(w);
        }
        return sb.ToString();
    }

    /// <summary>
    /// A C# expression of type string for any text: a plain literal when the text is short and harmless
    /// ([A-Za-z0-9_.-], never a quote or backslash), else base64 of its UTF-8 decoded at construction, so no
    /// character of model text can end the literal or form code.
    /// </summary>
    public static string StringExpr(string s)
    {
        if (s.Length <= 64 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            return "\"" + s + "\"";
        return "Str(\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(s)) + "\")";
    }

    /// <summary>A float literal that round-trips exactly.</summary>
    public static string Float(float f)
    {
        if (float.IsNaN(f)) return "float.NaN";
        if (float.IsPositiveInfinity(f)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(f)) return "float.NegativeInfinity";
        return f.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    public static string Int(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static string IntArray(IEnumerable<int> values) => "new int[] { " + string.Join(", ", values.Select(v => Int(v))) + " }";

    /// <summary>The C# element type of a tensor of <paramref name="t"/> (storage type, e.g. bf16 → ushort).</summary>
    public static string ClrName(DataType t) => t switch
    {
        DataType.Float => "float",
        DataType.Double => "double",
        DataType.Float16 => "System.Half",
        DataType.BFloat16 or DataType.UInt16 => "ushort",
        DataType.Int8 => "sbyte",
        DataType.UInt8 => "byte",
        DataType.Int16 => "short",
        DataType.Int32 => "int",
        DataType.UInt32 => "uint",
        DataType.Int64 => "long",
        DataType.UInt64 => "ulong",
        DataType.Bool => "bool",
        DataType.String => "string",
        _ => throw new EngineException($"cpu backend: element type {t} is not supported"),
    };

    /// <summary>The DataType enum member as C# (the enum's own name, never model text).</summary>
    public static string DataTypeExpr(DataType t) => "DataType." + Enum.GetName(t);
}
