using System.Globalization;
using System.IO.Compression;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>Reads numeric CSV (optionally gzip): one sample per row, the label in a given column (default last).</summary>
public static class CsvReader
{
    /// <param name="skipHeader">Skip the first line (e.g. iris.csv's "150,4,names…").</param>
    public static Dataset Read(string path, string name, int labelColumn = -1, bool skipHeader = false, int? classes = null)
    {
        if (!File.Exists(path)) throw new EngineException($"CSV file '{path}' not found");
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(s);
        var features = new List<float>();
        var labels = new List<long>();
        int width = -1, lineNo = 0;
        string? line;
        while ((line = ReadLine(reader, path)) is not null)
        {
            lineNo++;
            if (lineNo == 1 && skipHeader) continue;
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (width < 0) width = cells.Length;
            if (cells.Length != width) throw new EngineException($"CSV file '{path}' line {lineNo}: {cells.Length} columns, expected {width}");
            if (width < 2) throw new EngineException($"CSV file '{path}': needs at least one feature and a label column");
            int lc = labelColumn < 0 ? width + labelColumn : labelColumn;
            if (lc < 0 || lc >= width) throw new EngineException($"CSV file '{path}': label column {labelColumn} is out of range for {width} columns");
            for (int c = 0; c < width; c++)
            {
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new EngineException($"CSV file '{path}' line {lineNo} column {c + 1}: '{Trim(cells[c])}' is not a number");
                if (c == lc)
                {
                    if (v < 0 || v != Math.Floor(v)) throw new EngineException($"CSV file '{path}' line {lineNo}: label '{Trim(cells[c])}' is not a class index");
                    labels.Add((long)v);
                }
                else
                {
                    features.Add((float)v);
                }
            }
        }
        if (labels.Count == 0) throw new EngineException($"CSV file '{path}': no rows");
        int k = classes ?? (int)(labels.Max() + 1);
        return new Dataset(name, features.ToArray(), [width - 1], labels.ToArray(), k);
    }

    private static string? ReadLine(StreamReader r, string path)
    {
        try
        {
            return r.ReadLine();
        }
        catch (InvalidDataException e)
        {
            throw new EngineException($"CSV file '{path}': corrupt gzip data ({e.Message})");
        }
    }

    private static string Trim(string cell) => cell.Length > 20 ? cell[..20] + "…" : cell;
}
