using System.Text;

namespace Engine.Cli.Commands;

/// <summary>A plain aligned text table (no colours or box characters, so output pipes and diffs cleanly).</summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = new();

    /// <param name="headers">Column headers; a header ending in '>' is right-aligned (the '>' is dropped).</param>
    public TextTable(params string[] headers)
    {
        _rightAligned = headers.Select(h => h.EndsWith('>')).ToArray();
        _headers = headers.Select(h => h.TrimEnd('>')).ToArray();
    }

    public int RowCount => _rows.Count;

    public void Add(params string[] cells)
    {
        if (cells.Length != _headers.Length) throw new ArgumentException($"expected {_headers.Length} cells, got {cells.Length}");
        _rows.Add(cells);
    }

    public string Render(string indent = "  ")
    {
        var widths = _headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells)
        {
            sb.Append(indent);
            for (int i = 0; i < cells.Length; i++)
            {
                if (i > 0) sb.Append("  ");
                bool last = i == cells.Length - 1;
                if (_rightAligned[i]) sb.Append(cells[i].PadLeft(widths[i]));
                else sb.Append(last ? cells[i] : cells[i].PadRight(widths[i]));
            }
            sb.Append('\n');
        }
        Line(_headers);
        foreach (var r in _rows) Line(r);
        return sb.ToString();
    }
}
