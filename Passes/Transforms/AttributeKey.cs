using System.Globalization;
using System.Text;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes;

/// <summary>A canonical text of a node's explicit attributes, for hashing and equality.</summary>
public static class AttributeKey
{
    public static string Of(Node n)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in n.Attributes.Explicit.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(k).Append('=');
            Append(sb, v);
            sb.Append(';');
        }
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, object v)
    {
        switch (v)
        {
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case float f: sb.Append(BitConverter.SingleToInt32Bits(f).ToString(CultureInfo.InvariantCulture)).Append('f'); break;
            case string s: sb.Append('"').Append(s.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"'); break;
            case long[] a: sb.Append('[').AppendJoin(',', a).Append(']'); break;
            case float[] a: sb.Append('[').AppendJoin(',', a.Select(x => BitConverter.SingleToInt32Bits(x))).Append("]f"); break;
            case string[] a: sb.Append('[').AppendJoin(',', a.Select(x => "\"" + x.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")).Append(']'); break;
            case Tensor t: sb.Append(t).Append(':').Append(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(t.Type == DataType.String ? Encoding.UTF8.GetBytes(string.Join("\0", (string[])t.Data)) : t.ToRawBytes()))); break;
            default: sb.Append(v.GetType().Name).Append('@').Append(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v)); break;
        }
    }
}
