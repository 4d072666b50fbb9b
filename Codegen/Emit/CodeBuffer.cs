using System.Text;

namespace Engine.Codegen;

/// <summary>
/// Lines of generated C# with brace-driven indentation: a line starting with '}' closes a level, a line
/// ending with '{' opens one. Lowerings write into their own buffer, appended to Run only when they succeed.
/// </summary>
internal sealed class CodeBuffer
{
    private readonly List<(int Indent, string Text)> _lines = new();
    private int _indent;

    public int Count => _lines.Count;

    public void Line(string code)
    {
        foreach (var raw in code.Replace("\r\n", "\n").Split('\n'))
        {
            string t = raw.Trim();
            if (t.Length == 0) { _lines.Add((0, "")); continue; }
            if (t.StartsWith('}')) _indent = Math.Max(0, _indent - 1);
            _lines.Add((_indent, t));
            if (t.EndsWith('{')) _indent++;
        }
    }

    public void Comment(string text) => _lines.Add((_indent, "// " + SafeText.CommentText(text)));

    /// <summary>Appends another buffer's lines at this buffer's current indentation.</summary>
    public void Append(CodeBuffer other)
    {
        foreach (var (i, t) in other._lines) _lines.Add((t.Length == 0 ? 0 : _indent + i, t));
    }

    public void WriteTo(StringBuilder sb, int baseIndent)
    {
        foreach (var (i, t) in _lines)
        {
            if (t.Length > 0) sb.Append(' ', (baseIndent + i) * 4).Append(t);
            sb.Append('\n');
        }
    }
}
